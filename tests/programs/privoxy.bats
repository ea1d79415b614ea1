#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Privoxy, a filtering
# HTTP proxy with a thread per client connection.  Debian builds it with
# _FORTIFY_SOURCE, so it waits in __poll_chk, not poll.
#
#   - 100 concurrent clients, 30 requests each (3,000), through privoxy to
#     tests/fixtures/http_server on 127.0.0.1; every body is checked byte
#     for byte; privoxy stays on one OS thread and stops on SIGTERM.

load ../bats/helpers
load compat

PRIVOXY=/usr/sbin/privoxy

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "privoxy: 100 clients x 30 requests through the proxy, every body checked, one OS thread" {
    compat_row privoxy privoxy "100 clients x 30 GETs (1 B-300 kB) through the proxy, bodies checked"
    require_programs "$PRIVOXY"
    start_server origin native http_server
    local dir=$BATS_TEST_TMPDIR/privoxy port pid
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/config" <<CONF
listen-address 127.0.0.1:$port
confdir $dir
logdir $dir
logfile privoxy.log
max-client-connections 512
CONF
    touch "$dir/privoxy.log"
    start_bg privoxy timeout -s KILL 300 "$GREENRUN" -- "$PRIVOXY" \
        --no-daemon "$dir/config"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" privoxy)
    run_load "$pid" -- http --port "$SERVER_PORT" --proxy "$port" \
        --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "privoxy's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
