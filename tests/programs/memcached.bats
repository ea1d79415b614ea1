#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): memcached 1.6, a pool
# of worker threads, each running a libevent loop, plus its maintenance
# threads (LRU crawler and maintainer, slab rebalancer, logger), all
# handing work to one another through pipes and condition variables.
#
#   - 50 concurrent clients set 200 keys each (values of 1 B to 64 kB),
#     read them back, fetch another client's keys with one multi-key get
#     and increment one shared counter, which must end at 10,000; memcached
#     runs 4 worker threads, stays on one OS thread and stops on SIGTERM.

load ../bats/helpers
load compat

MEMCACHED=/usr/bin/memcached

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "memcached -t 4: 50 clients set, get and multi-get 200 keys each, values and a shared counter checked, one OS thread" {
    compat_row memcached memcached "50 clients x 200 keys: set, get, multi-get, incr; values and counter checked"
    require_programs "$MEMCACHED"
    local port pid
    port=$(free_port)
    start_bg memcached timeout -s KILL 300 "$GREENRUN" -- "$MEMCACHED" \
        -u root -l 127.0.0.1 -p "$port" -U 0 -t 4 -c 1024 -m 256
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" memcached)
    printf 'set counter 0 0 1\r\n0\r\nquit\r\n' |
        timeout -s KILL 10 bash -c "cat >/dev/tcp/127.0.0.1/$port"
    run_load "$pid" -- memcache --port "$port" --clients 50 --keys 200
    compat_threads "$MAX_THREADS"
    assert_load_ok
    # Per client: 200 sets, 200 gets, 200 multi-get keys, 200 increments;
    # and the counter read once.
    assert_equal "$LOAD_OUT" "40001 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "memcached's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
