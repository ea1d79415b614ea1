#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Waitress 2.1, the
# pure-Python WSGI server, on Debian's CPython: its main thread runs the
# socket loop (asyncore-style, select), and a pool of worker threads (here
# 16) takes requests from a queue under a condition variable, the GIL
# passing between them.
#
#   - 100 concurrent clients, 30 requests each (3,000), to a WSGI
#     application that serves /bytes/N; every body is checked byte for
#     byte; python3 stays on one OS thread and stops on SIGTERM.

load ../bats/helpers
load compat

PYTHON=/usr/bin/python3

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "waitress --threads=16 (CPython): 100 clients x 30 requests, every body checked, one OS thread" {
    compat_row "waitress (Python WSGI server, 16 threads)" python3-waitress "100 clients x 30 GETs (1 B-300 kB) from a WSGI application, bodies checked"
    require_programs "$PYTHON" /usr/lib/python3/dist-packages/waitress
    local dir=$BATS_TEST_TMPDIR/waitress port pid
    mkdir -p "$dir"
    cat >"$dir/bytes_app.py" <<'PY'
def app(environ, start_response):
    """GET /bytes/N: N bytes, byte i being 'a' + i % 26 (load.py's)."""
    n = int(environ["PATH_INFO"].rsplit("/", 1)[1])
    body = (b"abcdefghijklmnopqrstuvwxyz" * (n // 26 + 1))[:n]
    start_response("200 OK", [("Content-Length", str(n))])
    return [body]
PY
    port=$(free_port)
    start_bg waitress env PYTHONPATH="$dir" timeout -s KILL 300 \
        "$GREENRUN" -- "$PYTHON" -m waitress --threads=16 \
        --listen="127.0.0.1:$port" --connection-limit=200 bytes_app:app
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" python3)
    run_load "$pid" -- http --port "$port" --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "python3's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
