#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Knot DNS 3.2, an
# authoritative server with pools of worker threads: here 4 for UDP, 4
# for TCP and 2 background workers (zone loading, timers), besides its
# main thread, which waits for signals and control commands.
#
#   - 100 UDP clients x 100 queries, then 100 TCP clients x 50, for the
#     1,000 A records of the zone greenrun.test; every answer checked
#     (id, question, address); knotd stays on one OS thread and stops on
#     SIGTERM.

load ../bats/helpers
load compat

KNOTD=/usr/sbin/knotd

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "knotd with 4 UDP and 4 TCP workers: 100 UDP and 100 TCP clients, 15,000 queries, every answer checked, one OS thread" {
    compat_row "knotd (4 UDP + 4 TCP workers)" knot "$DNS_LOAD"
    require_programs "$KNOTD"
    local dir=$BATS_TEST_TMPDIR/knot port pid
    mkdir -p "$dir"
    dns_zone_file "$dir/greenrun.test.zone"
    port=$(free_port)
    cat >"$dir/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $dir
    udp-workers: 4
    tcp-workers: 4
    background-workers: 2
database:
    storage: $dir
template:
  - id: default
    storage: $dir
    file: "%s.zone"
zone:
  - domain: greenrun.test
log:
  - target: stderr
    any: info
CONF
    start_bg knotd timeout -s KILL 300 "$GREENRUN" -- "$KNOTD" \
        -c "$dir/knot.conf"
    wait_port "$port" "$BG_PID" 20
    # The zone is loaded by a background worker, after the sockets open.
    wait_for_zone "$BATS_TEST_TMPDIR/knotd.err"
    pid=$(greenrun_child "$BG_PID" knotd)
    dns_load "$port" "$pid"
    assert_equal "$MAX_THREADS" 1 "knotd's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
    grep -q 'shutting down' "$BATS_TEST_TMPDIR/knotd.err"
}

# wait_for_zone LOG: wait until knotd logs the zone loaded.
wait_for_zone() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q 'greenrun\.test\.\] loaded, serial' "$1" && return 0
        sleep 0.1
    done
    echo "knotd did not log the zone loaded:"
    cat "$1"
    return 1
}
