#!/usr/bin/env bats
# Feature: C++17 programs using the standard thread library run under
# greenrun exactly as natively.  tests/fixtures/cxx_threads (built here with
# g++, see setup_file) checks one part of the library per section and
# prints one line per check; each test runs a section natively and under
# greenrun and requires the native output to be the expected one below and
# the greenrun output (stdout, stderr, exit status) to be identical.
#
# libstdc++ reaches glibc through the newer entry points:
# condition_variable::wait_for is pthread_cond_clockwait,
# timed_mutex::try_lock_for is pthread_mutex_clocklock, shared_mutex is a
# pthread_rwlock_t, futures wait on a futex.  The fixture never relies on
# thread_local, which green threads of one OS thread share.

load helpers
load programs_helpers

setup_file() {
    CXX_THREADS=$BATS_FILE_TMPDIR/cxx_threads
    export CXX_THREADS
    if ! command -v g++ >/dev/null; then
        return 0 # each test skips, saying why
    fi
    g++ -std=c++17 -O2 -pthread -o "$CXX_THREADS" \
        "$BATS_TEST_DIRNAME/../fixtures/cxx_threads.cc"
}

setup() {
    programs_setup
    [ -n "$(command -v g++)" ] || skip "g++ is not installed (Debian g++)"
    [ -x "$CXX_THREADS" ] || {
        echo "cxx_threads was not built in setup_file"
        return 1
    }
}

teardown() {
    greenrun_teardown
}

# cxx SECTION: run `cxx_threads SECTION` both ways; the expected native
# stdout (without the final "done" line and exit status) is read from
# stdin.
cxx() {
    local expected

    expected=$(cat)$'\ndone: all checks ran\nexit=0'
    expect_same "$1" "$expected" "$CXX_THREADS" "$1"
}

@test "C++ std::thread: join, ids, detach, sleep_for/sleep_until, std::mutex under contention" {
    cxx thread <<'EOF'
8 std::threads x 500 increments under std::mutex: 4000
thread::get_id equals this_thread::get_id inside: 8 of 8
threads joinable after join: no
4 live threads have distinct ids, unlike main's: 4 of 4
sleep_for 20 ms slept >= 20 ms: yes
sleep_until +20 ms slept >= 20 ms: yes
detached std::thread ran to its end: yes
EOF
}

@test "C++ mutexes: std::mutex, recursive_mutex, timed_mutex::try_lock_for/until, recursive_timed_mutex" {
    cxx mutex <<'EOF'
std::mutex try_lock by other thread while held: no
std::mutex try_lock when free: yes
recursive_mutex try_lock by owner: yes
recursive_mutex try_lock by other thread while held: no
recursive_mutex try_lock by other thread when free: yes
timed_mutex try_lock_for by other thread while held: no, waited yes
timed_mutex try_lock_until (system_clock) while held: no, waited yes
timed_mutex try_lock_for released in time: yes
recursive_timed_mutex try_lock_for by owner: yes
recursive_timed_mutex try_lock_for by other thread: no, waited yes
EOF
}

@test "C++ std::scoped_lock of two mutexes in opposite orders by 6 threads neither deadlocks nor livelocks" {
    cxx scoped_lock <<'EOF'
scoped_lock(a, b) / (b, a) in 6 threads x 200: 1200
EOF
}

@test "C++ std::condition_variable: wait_for/wait_until time out, notify_one/notify_all, a bounded queue" {
    cxx cond <<'EOF'
condition_variable wait_for with nobody notifying: timeout, waited yes
lock owned after wait_for: yes
wait_for with a false predicate: no, waited yes
wait_until (system_clock) with nobody notifying: timeout, waited yes
wait_for notified in time: yes
notify_one then notify_all to 5 waiters consumed: 5
bounded queue 3 producers x 300, 3 consumers, sum: 1035450
EOF
}

@test "C++ std::shared_mutex and shared_timed_mutex: shared readers, exclusive writers, timed tries" {
    cxx shared <<'EOF'
shared_mutex try_lock_shared by other thread while shared: yes
shared_mutex try_lock by other thread while shared: no
shared_mutex try_lock_shared by other thread while exclusive: no
4 readers hold shared_mutex at once: yes
shared_mutex 6 threads mixing readers and writers: 200 writes, 0 torn reads
shared_timed_mutex try_lock_shared_for while exclusive: no, waited yes
shared_timed_mutex try_lock_for while shared: no, waited yes
EOF
}

@test "C++ std::async(launch::async), futures, promise, packaged_task, call_once" {
    cxx async <<'EOF'
20 std::async(launch::async) squares, sum: 2470
future wait_for before the result: timeout
future get: 7
exception through a future: boom
promise value: kept
packaged_task on a thread: 42
call_once from 10 threads: ran 1, 10 saw it done
EOF
}
