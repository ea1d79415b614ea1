#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): HAProxy 2.6 with
# nbthread 4: four threads, each with its own epoll loop, sharing the
# listener and the backend's connections, and synchronising with
# spinlocks, atomics and thread isolation (a thread waits, spinning,
# until the others reach a point where it may run alone).
#
#   - 100 concurrent clients, 30 requests each (3,000), through haproxy
#     (mode http) to tests/fixtures/http_server on 127.0.0.1; every body
#     is checked byte for byte; haproxy stays on one OS thread and stops
#     on SIGTERM.

load ../bats/helpers
load compat

HAPROXY=/usr/sbin/haproxy

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "haproxy nbthread 4: 100 clients x 30 requests through the proxy, every body checked, one OS thread" {
    compat_row "haproxy (nbthread 4)" haproxy "100 clients x 30 GETs (1 B-300 kB) through the reverse proxy, bodies checked"
    require_programs "$HAPROXY"
    start_server origin native http_server
    local dir=$BATS_TEST_TMPDIR/haproxy port pid
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/haproxy.cfg" <<CONF
global
    nbthread 4
    maxconn 1000
defaults
    mode http
    timeout connect 10s
    timeout client 60s
    timeout server 60s
frontend web
    bind 127.0.0.1:$port
    default_backend origin
backend origin
    server origin 127.0.0.1:$SERVER_PORT
CONF
    start_bg haproxy timeout -s KILL 300 "$GREENRUN" --stats="$dir/stats" \
        -- "$HAPROXY" -db -f "$dir/haproxy.cfg"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" haproxy)
    run_load "$pid" -- http --port "$port" --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "haproxy's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
    # Its four threads ran, as green threads.
    grep -Eq 'green threads \(peak ([4-9]|[1-9][0-9]+) alive\)' "$dir/stats" || {
        echo "greenrun's stats: $(cat "$dir/stats")"
        return 1
    }
}
