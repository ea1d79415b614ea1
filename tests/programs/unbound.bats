#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Unbound 1.17, a
# validating DNS resolver, with num-threads 4: four worker threads, each
# with its libevent loop and, with SO_REUSEPORT, sockets of its own; the
# main thread is worker 0 and stops the others through pipes.
#
#   - 100 UDP clients x 100 queries, then 100 TCP clients x 50, for the
#     1,000 A records of a local zone (local-data); every answer checked
#     (id, question, address).  At shutdown unbound logs each thread's
#     query count: together they are the 15,000 asked, and every thread
#     answered some.  unbound stays on one OS thread.
#   - It is stopped with unbound-control, not SIGTERM: its worker threads
#     block every signal for themselves, and under greenrun the signal
#     mask is the one OS thread's (README, "Shared per OS thread"), so
#     SIGTERM stays blocked.

load ../bats/helpers
load compat

UNBOUND=/usr/sbin/unbound
UNBOUND_CONTROL=/usr/sbin/unbound-control

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "unbound num-threads 4: 100 UDP and 100 TCP clients, 15,000 queries of a local zone, every answer checked, one OS thread" {
    compat_row "unbound (num-threads 4; stopped with unbound-control)" unbound "$DNS_LOAD"
    require_programs "$UNBOUND" "$UNBOUND_CONTROL"
    local dir=$BATS_TEST_TMPDIR/unbound port pid
    mkdir -p "$dir"
    port=$(free_port)
    {
        cat <<CONF
server:
    interface: 127.0.0.1
    port: $port
    do-ip6: no
    num-threads: 4
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: ""
    use-syslog: no
    logfile: ""
    access-control: 127.0.0.0/8 allow
    local-zone: "greenrun.test." static
CONF
        /usr/bin/python3 "$LOAD" dns-zone |
            awk '{ printf "    local-data: \"%s. 300 IN A %s\"\n", $1, $2 }'
        cat <<CONF
remote-control:
    control-enable: yes
    control-interface: $dir/control.sock
CONF
    } >"$dir/unbound.conf"
    start_bg unbound timeout -s KILL 300 "$GREENRUN" -- "$UNBOUND" -d \
        -c "$dir/unbound.conf"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" unbound)
    dns_load "$port" "$pid"
    assert_equal "$MAX_THREADS" 1 "unbound's OS threads under load"
    timeout -s KILL 30 "$UNBOUND_CONTROL" -c "$dir/unbound.conf" stop
    wait_bg "$BG_PID" 30
    # "server stats for thread N: Q queries, ...", one line a thread.
    local stats=$BATS_TEST_TMPDIR/unbound.err
    assert_equal "$(grep -c 'stats for thread [0-3]: [1-9][0-9]* queries' \
        "$stats")" 4 "threads that answered queries"
    assert_equal "$(awk '/stats for thread [0-9]*: [0-9]* queries/ {
        sub(/.*stats for thread [0-9]*: /, ""); n += $1 } END { print n }' \
        "$stats")" 15000 "queries counted by unbound"
}
