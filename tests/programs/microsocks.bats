#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): MicroSocks, a SOCKS5
# proxy with a thread per client connection.
#
#   - 100 concurrent clients, 30 requests each (3,000), through microsocks
#     to tests/fixtures/http_server on 127.0.0.1; every body is checked
#     byte for byte; microsocks stays on one OS thread.  It has no
#     handler for SIGTERM: it dies of it, as natively.

load ../bats/helpers
load compat

MICROSOCKS=/usr/bin/microsocks

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "microsocks: 100 clients x 30 requests through the SOCKS5 proxy, every body checked, one OS thread" {
    compat_row microsocks microsocks "100 clients x 30 GETs (1 B-300 kB) through SOCKS5, bodies checked"
    require_programs "$MICROSOCKS"
    start_server origin native http_server
    local port pid
    port=$(free_port)
    start_bg microsocks timeout -s KILL 300 "$GREENRUN" -- "$MICROSOCKS" \
        -i 127.0.0.1 -p "$port"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" microsocks)
    run_load "$pid" -- http --port "$SERVER_PORT" --socks "$port" \
        --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "microsocks' OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
