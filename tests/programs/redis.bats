#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Redis 7.0 with
# io-threads 4: the main thread hands reads and writes of clients to three
# I/O threads, which busy-wait (up to a million turns of a loop) on an
# atomic counter before they sleep on a mutex; plus its background
# threads (bio: close, fsync, lazy free).  On one OS thread a spinning
# I/O thread holds it until its time slice ends.
#
#   - 50 concurrent clients SET, GET and MGET 200 keys each (values of
#     1 B to 64 kB) and INCR one shared counter, which must end at
#     10,000; redis stays on one OS thread and stops on SIGTERM.
#   - jemalloc's background thread, started through dlsym(RTLD_NEXT),
#     is a green thread too.

load ../bats/helpers
load compat

REDIS=/usr/bin/redis-server

setup() {
    greenrun_setup
}

teardown() {
    local log=$BATS_TEST_TMPDIR/redis/redis.log sig where
    # A crash, found at whatever step: the matrix names the signal and,
    # from redis' own stack trace, greenrun's functions on it.
    if grep -q 'crashed by signal' "$log" 2>/dev/null; then
        sig=$(grep -m1 -o 'crashed by signal: [0-9]*' "$log")
        where=$(sed -n 's/.*libgreenrun\.so(+\(0x[0-9a-f]*\)).*/\1/p' "$log" |
            addr2line -f -e "$GREENRUN_LIB" 2>/dev/null |
            awk 'NR % 2 == 1' | paste -sd, - | sed 's/,/ < /g')
        compat_note "redis ${sig#redis }${where:+ in $where}"
    fi
    greenrun_teardown
}

@test "redis-server --io-threads 4: 50 clients SET, GET and MGET 200 keys each, values and a shared counter checked, one OS thread" {
    compat_row "redis-server (io-threads 4)" redis-server "50 clients x 200 keys: SET, GET, MGET, INCR; values and counter checked"
    require_programs "$REDIS"
    # redis turns on jemalloc's background thread (jemalloc-bg-thread
    # yes), which jemalloc starts with the pthread_create it finds through
    # dlsym(RTLD_NEXT): greenrun's hook (hooks/dlsym.c), so a green thread.
    # The load takes about 90 s with 10 ms time slices (14 s natively): the
    # I/O threads busy-wait for work and the main thread for them, so each
    # turn of the event loop costs slices.
    local dir=$BATS_TEST_TMPDIR/redis port pid
    mkdir -p "$dir"
    port=$(free_port)
    start_bg redis timeout -s KILL 300 "$GREENRUN" -- "$REDIS" \
        --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' \
        --appendonly no --io-threads 4 --io-threads-do-reads yes \
        --daemonize no --logfile "$dir/redis.log"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" redis-server)
    printf 'SET counter 0\r\nQUIT\r\n' |
        timeout -s KILL 10 bash -c "cat >/dev/tcp/127.0.0.1/$port"
    run_load "$pid" -- redis --port "$port" --clients 50 --keys 200
    compat_threads "$MAX_THREADS"
    assert_load_ok
    # Per client: 200 SETs, 200 GETs, 200 MGET keys, 200 INCRs; and the
    # counter read once.
    assert_equal "$LOAD_OUT" "40001 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "redis-server's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
