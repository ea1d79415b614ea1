#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): tinyproxy 1.11, an
# HTTP proxy with a thread per client connection, which resolves the
# origin's name (here numeric) with getaddrinfo for every request.
#
#   - 100 concurrent clients, 30 requests each (3,000), through tinyproxy
#     to tests/fixtures/http_server on 127.0.0.1; every body is checked
#     byte for byte; tinyproxy stays on one OS thread (numeric lookups are
#     answered in place) and stops on SIGTERM.

load ../bats/helpers
load compat

TINYPROXY=/usr/bin/tinyproxy

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "tinyproxy: 100 clients x 30 requests through the proxy, every body checked, one OS thread" {
    compat_row tinyproxy tinyproxy "100 clients x 30 GETs (1 B-300 kB) through the proxy, bodies checked"
    require_programs "$TINYPROXY"
    start_server origin native http_server
    local dir=$BATS_TEST_TMPDIR/tinyproxy port pid
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/tinyproxy.conf" <<CONF
Port $port
Listen 127.0.0.1
Timeout 120
MaxClients 512
LogFile "$dir/tinyproxy.log"
LogLevel Warning
PidFile "$dir/tinyproxy.pid"
CONF
    start_bg tinyproxy timeout -s KILL 300 "$GREENRUN" -- "$TINYPROXY" \
        -d -c "$dir/tinyproxy.conf"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" tinyproxy)
    run_load "$pid" -- http --port "$SERVER_PORT" --proxy "$port" \
        --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "tinyproxy's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
