#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): BIND 9.18's named,
# authoritative here, with -n 4: libuv network threads (isc-net-0000 to
# -0007), a timer thread and the main thread, which waits for signals: 10
# OS threads natively.
# named meets two things greenrun had to learn: its libisc sets OpenSSL
# up in a library constructor, before greenrun's runs (OpenSSL's locks
# are left by glibc), and libuv closes descriptors with
# syscall(SYS_close).
#
#   - 100 UDP clients x 100 queries, then 100 TCP clients x 50, for the
#     1,000 A records of the zone greenrun.test; every answer checked
#     (id, question, address); named stays on one OS thread and stops on
#     SIGTERM.

load ../bats/helpers
load compat
load ../bats/programs_helpers

NAMED=/usr/sbin/named

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "named -n 4 (BIND 9): 100 UDP and 100 TCP clients, 15,000 queries, every answer checked, one OS thread" {
    compat_row "named (BIND 9, -n 4)" bind9 "$DNS_LOAD"
    require_programs "$NAMED"
    local dir=$BATS_TEST_TMPDIR/named port pid
    mkdir -p "$dir"
    dns_zone_file "$dir/greenrun.test.zone"
    port=$(free_port)
    cat >"$dir/named.conf" <<CONF
options {
    directory "$dir";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 { none; };
    pid-file "$dir/named.pid";
    session-keyfile "$dir/session.key";
    managed-keys-directory "$dir";
    recursion no;
    dnssec-validation no;
};
controls { };
zone "greenrun.test" { type primary; file "$dir/greenrun.test.zone"; };
CONF
    start_bg named timeout -s KILL 300 "$GREENRUN" -- "$NAMED" -g -n 4 \
        -c "$dir/named.conf"
    wait_port "$port" "$BG_PID" 30
    wait_for_line "$BATS_TEST_TMPDIR/named.err" '^.* running$' 30 "$BG_PID"
    pid=$(greenrun_child "$BG_PID" named)
    dns_load "$port" "$pid"
    assert_equal "$MAX_THREADS" 1 "named's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
    assert_equal "$BG_STATUS" 0 "named's exit status"
}
