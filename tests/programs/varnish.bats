#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Varnish Cache 7.1,
# an HTTP cache with pools of worker threads.  The manager process
# compiles the VCL (with cc) and forks the cache process, which runs an
# acceptor thread a pool, the pools' worker threads (a thread per
# request, here 2 pools of 20 to 200), an expiry thread, a backend poller
# and more, all of them meeting on mutexes and condition variables.
#
#   - 100 concurrent clients, 30 requests each (3,000), through varnishd
#     to tests/fixtures/http_server on 127.0.0.1, most of them answered
#     from the cache; every body is checked byte for byte; varnish's own
#     counters show most answered from the cache by at least its 40
#     worker threads; the cache process stays on one OS thread, and
#     varnishd stops on SIGTERM.

load ../bats/helpers
load compat
load ../bats/programs_helpers

VARNISHD=/usr/sbin/varnishd
VARNISHSTAT=/usr/bin/varnishstat

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

# counter DIR NAME: varnish's counter MAIN.NAME.
counter() {
    timeout -s KILL 30 "$VARNISHSTAT" -n "$1" -1 -f "MAIN.$2" |
        awk -v n="MAIN.$2" '$1 == n { print $2 }'
}

@test "varnishd (2 thread pools): 100 clients x 30 requests through the cache, every body checked, cache process on one OS thread" {
    compat_row "varnishd (2 thread pools of 20-200 threads)" varnish "100 clients x 30 GETs (1 B-300 kB) through the cache, bodies checked"
    require_programs "$VARNISHD" "$VARNISHSTAT"
    start_server origin native http_server
    local dir=$BATS_TEST_TMPDIR/varnish port manager cache hits threads
    mkdir -p "$dir"
    port=$(free_port)
    start_bg varnishd timeout -s KILL 300 "$GREENRUN" -- "$VARNISHD" -F \
        -j none -n "$dir/work" -a "127.0.0.1:$port" \
        -b "127.0.0.1:$SERVER_PORT" -s malloc,64m -p thread_pools=2 \
        -p thread_pool_min=20 -p thread_pool_max=200
    wait_for_line "$BATS_TEST_TMPDIR/varnishd.err" 'Child launched OK' 60 \
        "$BG_PID" ||
        wait_for_line "$BATS_TEST_TMPDIR/varnishd.out" 'Child launched OK' \
            5 "$BG_PID"
    wait_port "$port" "$BG_PID" 20
    manager=$(greenrun_child "$BG_PID" varnishd)
    cache=$(pgrep -P "$manager")
    [ -n "$cache" ] && [ "$(wc -w <<<"$cache")" = 1 ] || {
        echo "varnishd's children: '$cache' (expected one)"
        return 1
    }
    assert_greenrun_process "$cache" cache-main
    run_load "$cache" -- http --port "$port" --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "the cache process's OS threads under load"
    # The load asks for about 100 distinct objects: the rest are hits.
    # (Counters are flushed by each worker now and then, and a request
    # that waited for an object being fetched counts twice in client_req,
    # natively too: only bounds are exact.)
    hits=$(counter "$dir/work" cache_hit)
    [ "$hits" -ge 2000 ] || {
        echo "only $hits of 3,000 requests were answered from the cache"
        return 1
    }
    threads=$(counter "$dir/work" threads)
    [ "$threads" -ge 40 ] || {
        echo "varnish counts $threads worker threads, fewer than its minimum"
        return 1
    }
    kill -TERM "$manager"
    wait_bg "$BG_PID" 30
}
