#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): nghttpx 1.52, the
# HTTP/2 and HTTP/1.1 reverse proxy of nghttp2, with --workers=4: the
# master process forks a worker process, whose main thread accepts and
# hands connections to 4 worker threads, each running a libev loop (the
# same libev greenrun's hub runs on, with loops of their own).
#
#   - 100 concurrent clients, 30 requests each (3,000), through nghttpx
#     to tests/fixtures/http_server on 127.0.0.1; every body is checked
#     byte for byte; the worker process stays on one OS thread, and
#     nghttpx stops on SIGTERM.

load ../bats/helpers
load compat

NGHTTPX=/usr/sbin/nghttpx

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "nghttpx --workers=4: 100 clients x 30 requests through the reverse proxy, every body checked, worker process on one OS thread" {
    compat_row "nghttpx (4 worker threads)" nghttp2-proxy "100 clients x 30 GETs (1 B-300 kB) through the reverse proxy, bodies checked"
    require_programs "$NGHTTPX"
    start_server origin native http_server
    local dir=$BATS_TEST_TMPDIR/nghttpx port master worker
    mkdir -p "$dir"
    port=$(free_port)
    start_bg nghttpx timeout -s KILL 300 "$GREENRUN" -- "$NGHTTPX" \
        --conf=/dev/null --frontend="127.0.0.1,$port;no-tls" \
        --backend="127.0.0.1,$SERVER_PORT" --workers=4 \
        --errorlog-file="$dir/error.log" --pid-file="$dir/nghttpx.pid"
    wait_port "$port" "$BG_PID" 20
    master=$(greenrun_child "$BG_PID" nghttpx)
    worker=$(pgrep -P "$master")
    [ -n "$worker" ] && [ "$(wc -w <<<"$worker")" = 1 ] || {
        echo "nghttpx's worker processes: '$worker' (expected one)"
        return 1
    }
    assert_greenrun_process "$worker" nghttpx
    run_load "$worker" -- http --port "$port" --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "the worker process's OS threads under load"
    assert_equal "$(grep -c 'Created worker thread' "$dir/error.log")" 4 \
        "worker threads nghttpx created"
    kill -TERM "$master"
    wait_bg "$BG_PID" 30
}
