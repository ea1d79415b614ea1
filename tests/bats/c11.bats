#!/usr/bin/env bats
# Feature: C11 <threads.h> programs run under greenrun exactly as natively,
# on one OS thread.  tests/fixtures/c11_threads exercises thrd_create/join/
# detach/sleep/yield/exit/current/equal, plain, timed and recursive mtx_t,
# cnd_wait/timedwait/signal/broadcast, tss_t with a destructor and
# call_once, and prints one line per check on stdout.  While its 8 workers
# are all alive and blocked on a cnd_t it prints the "Threads:" line of
# /proc/self/status on stderr: 9 kernel threads natively, 1 under greenrun.

bats_require_minimum_version 1.5.0 # run --separate-stderr

load helpers
load programs_helpers

setup() {
    programs_setup c11_threads
}

teardown() {
    greenrun_teardown
}

# c11_run MODE: run c11_threads natively or under greenrun with `run
# --separate-stderr`: $output, $stderr, $status.
c11_run() {
    mode_cmd "$1" "$FIXTURES/c11_threads"
    run --separate-stderr timeout -k 5 "$FIXTURE_TIMEOUT" "${CMD[@]}"
}

@test "C11 threads: thrd, mtx, cnd, tss and call_once print the same natively and under greenrun" {
    local expected

    expected=$(cat <<'EOF'
8 threads x 100 increments under mtx_plain: 800
sum of results (return and thrd_exit): 284
thrd_current in thread equals thrd_create's id: 8 of 8
thrd_equal(main, main): yes
thrd_equal(main, worker): no
thrd_sleep 20 ms returns: 0
thrd_sleep slept >= 20 ms: yes
thrd_detach: thrd_success
detached thread ran to its end: yes
mtx_init timed: thrd_success
mtx_init recursive: thrd_success
mtx_init timed recursive: thrd_success
mtx_lock timed: thrd_success
mtx_trylock by other thread while held: thrd_busy
mtx_timedlock by other thread while held: thrd_timedout waited yes
mtx_unlock timed: thrd_success
mtx_trylock when free: thrd_success
mtx_unlock: thrd_success
mtx_timedlock released in time: thrd_success
mtx recursive lock, lock, trylock by owner: thrd_success thrd_success thrd_success
mtx recursive trylock by other thread while held: thrd_busy
mtx recursive unlock x3: thrd_success thrd_success thrd_success
mtx recursive trylock by other thread when free: thrd_success
mtx timed recursive lock, timedlock by owner: thrd_success thrd_success
mtx timed recursive timedlock by other thread: thrd_timedout waited yes
cnd_init: thrd_success
cnd_timedwait with nobody signalling: thrd_timedout waited yes
mutex held after cnd_timedwait: trylock by owner: thrd_busy
cnd_signal: thrd_success
cnd_broadcast: thrd_success
cnd_signal then cnd_broadcast to 5 waiters consumed: 1 then 4
tss_create with destructor: thrd_success
tss values stay per thread: 6 of 6
tss destructor at thread end (return and thrd_exit): 6 calls, sum 21
tss value in main untouched: yes
call_once from 10 threads: init ran 1 time(s), 10 saw it done
done: all checks ran
EOF
)
    assert_prints_same c11 "$expected" "$FIXTURES/c11_threads"
}

@test "C11 threads: 8 live workers are 9 kernel threads natively, 1 under greenrun" {
    c11_run native
    assert_equal "$status" 0 "native exit status"
    assert_equal "$stderr" $'Threads:\t9' "native /proc/self/status"
    c11_run greenrun
    assert_equal "$status" 0 "greenrun exit status (stderr: $stderr)"
    assert_equal "$stderr" $'Threads:\t'"$GREENRUN_OS_THREADS" \
        "greenrun /proc/self/status"
}
