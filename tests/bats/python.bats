#!/usr/bin/env bats
# Feature: CPython programs run under greenrun, unmodified, on one OS
# thread.  Debian's /usr/bin/python3 (never the `python3` of PATH, which
# may be a pyenv shim, i.e. bash).
#
#   - `python3 -m http.server` (a ThreadingHTTPServer: one thread per
#     connection) serves a 1 MiB file to 500 clients connected at once; a
#     load client running natively checks every body's sha256, and the
#     server's /proc/PID/status says "Threads: 1" throughout the load.
#   - tests/fixtures/py_threading.py drives threading (Lock, RLock,
#     Condition, Event, Semaphore, BoundedSemaphore, Barrier, Timer, local,
#     Thread.join with a timeout) and queue; per section, its native output
#     must be the expected one below and its greenrun output identical, and
#     (with strace installed) the greenrun run must create no OS thread.

load helpers
load programs_helpers

setup() {
    programs_setup
    [ -x "$PY" ] || skip "$PY is not installed (Debian python3)"
    PY_THREADING=$BATS_TEST_DIRNAME/../fixtures/py_threading.py
}

teardown() {
    greenrun_teardown
}

# serve_blob MODE CLIENTS: serve a 1 MiB random file with http.server
# (natively or under greenrun) and run the native load client with CLIENTS
# connections against it, sampling the server's thread count meanwhile.
# Leaves the client's stdout in $output, and SAMPLES and MAX_THREADS.
serve_blob() {
    local mode=$1 n=$2 www=$BATS_TEST_TMPDIR/www client

    mkdir -p "$www"
    head -c 1048576 /dev/urandom >"$www/blob.bin"
    start_http_server server "$mode" "$www"
    if [ "$mode" = greenrun ]; then
        assert_greenrun_process "$SERVER_PID" python3
    fi
    write_http_client "$BATS_TEST_TMPDIR/client.py"
    start_bg client "$PY" "$BATS_TEST_TMPDIR/client.py" "$SERVER_PORT" \
        "$www/blob.bin" "$n" "$SERVER_PID"
    client=$BG_PID
    sample_threads_while "$SERVER_PID" "$client" 90
    wait_bg "$client" 90
    output=$(<"$BATS_TEST_TMPDIR/client.out")
    assert_equal "$BG_STATUS" 0 "load client exit status"
    if ! proc_alive "$SERVER_PID"; then
        echo "http.server ($mode) died during the load"
        return 1
    fi
}

@test "python3 -m http.server under greenrun: 500 concurrent clients each get a 1 MiB file intact, on 1 OS thread" {
    serve_blob greenrun 500
    assert_equal "$output" \
        "threads with 500 connections open: $GREENRUN_OS_THREADS"$'\n'"500 clients: 500 ok, 0 bad" \
        "load client report"
    [ "$SAMPLES" -gt 0 ] || {
        echo "the server's threads were never sampled"
        return 1
    }
    assert_equal "$MAX_THREADS" "$GREENRUN_OS_THREADS" "most threads sampled during the load"
}

@test "python3 -m http.server natively (control): the same probe sees one thread per connection" {
    serve_blob native 50
    assert_equal "$output" \
        "threads with 50 connections open: 51"$'\n'"50 clients: 50 ok, 0 bad" \
        "load client report"
    [ "$MAX_THREADS" -gt 1 ]
}

# py_threading SECTION: run `py_threading.py SECTION` both ways; the
# expected native stdout (without the final "done" line and exit status) is
# read from stdin.
py_threading() {
    local expected

    expected=$(cat)$'\ndone: all checks ran\nexit=0'
    expect_same "py.$1" "$expected" "$PY" "$PY_THREADING" "$1"
}

@test "Python threading.Lock: contention, non-blocking and timed acquire, release by another thread" {
    py_threading lock <<'EOF'
Lock: 8 threads x 1000 increments: 8000
Lock.acquire(blocking=False) by other thread while held: False
Lock.acquire(timeout) by other thread while held: False, waited True
Lock.locked(): True
Lock released by another thread, locked(): False
EOF
}

@test "Python threading.RLock: nesting, timed acquire, release by a non-owner" {
    py_threading rlock <<'EOF'
RLock nested 5 deep: 5
RLock.acquire(blocking=False) by other thread while held: False
RLock.acquire(timeout) by other thread while held: False, waited True
RLock.release by a non-owner: RuntimeError
RLock acquire by other thread when free: True
EOF
}

@test "Python threading.Condition: wait and wait_for time out, notify and notify_all" {
    py_threading condition <<'EOF'
Condition.wait(timeout) with nobody notifying: False, waited True
Condition.wait_for(false, timeout): False, waited True
Condition notify then notify_all to 5 waiters consumed: 1 then 4
EOF
}

@test "Python threading.Event: timed wait, set wakes every waiter" {
    py_threading event <<'EOF'
Event.wait(timeout) unset: False, waited True
Event.set wakes 5 waiters: [True, True, True, True, True]
Event.is_set: True
Event.wait(0) after clear: False
EOF
}

@test "Python threading.Semaphore and BoundedSemaphore: limits, timed acquire, Timer release" {
    py_threading semaphore <<'EOF'
Semaphore(3) with 10 threads, most inside at once: 3
Semaphore.acquire(blocking=False) at 0: False
Semaphore.acquire(timeout) at 0: False, waited True
Semaphore.acquire(timeout=5) released by a Timer: True
BoundedSemaphore released too often: ValueError
EOF
}

@test "Python threading.Barrier: indices per round, action, timeout breaks it" {
    py_threading barrier <<'EOF'
Barrier(4) x 3 rounds, wait() indices per round: [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]
Barrier action calls: 3
Barrier.wait(timeout) alone: BrokenBarrierError, waited True
Barrier broken: True
EOF
}

@test "Python queue.Queue, PriorityQueue, LifoQueue, SimpleQueue and ThreadPoolExecutor" {
    py_threading queue <<'EOF'
Queue(5): 3 producers x 100, 2 consumers, sum: 315150
Queue.get(timeout) empty: queue.Empty, waited True
Queue.put(timeout) full: queue.Full, waited True
PriorityQueue order: [1, 2, 3, 4, 5]
LifoQueue order: [3, 2, 1, 0]
SimpleQueue.get(timeout=5) fed by a Timer: late
ThreadPoolExecutor(4).map squares, sum: 40425
EOF
}

@test "Python Thread.join(timeout), threading.Timer, threading.local, active_count, concurrent sleeps" {
    py_threading thread <<'EOF'
Thread.join(timeout) on a blocked thread: alive True, waited True
Thread.join() after release: alive False
Timer(0.02) fired: ['fired']
Timer cancelled before firing: []
local(): each of 8 threads kept its value: 8 of 8
local() in main untouched: main
active_count with 6 live threads: 7
idents distinct and not main's: True
names: ['MainThread', 'live-0', 'live-1', 'live-2', 'live-3', 'live-4', 'live-5']
20 threads x sleep(0.1) overlap (took < 1.5 s): True
EOF
}
