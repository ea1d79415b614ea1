#!/usr/bin/env bats
# Feature: preemption at safe points (GREENRUN_SLICE_MS, --slice; default
# 10 ms, with the syscall trap).  Programs that rely on the kernel
# preempting their threads - a busy-wait on a flag, a loop of kill() or of
# pthread_mutex_trylock, a hand-rolled spinlock whose holder sleeps, a
# thread computing while another ticks - behave as natively; with --slice 0
# greenrun is cooperative, as before.

load helpers

setup() {
    setup_requiring require_preemption '*GREENRUN_SLICE_MS*'
}

teardown() {
    greenrun_teardown
}

# require_preemption: skip unless --debug says threads are preempted here.
require_preemption() {
    [[ "$(greenrun_features)" == *"preemption: at safe points"* ]] ||
        skip "preemption is not available in this build or kernel"
}

# preempted CASE EXPECTED: preempt_cases CASE natively and under greenrun
# print the same, which is EXPECTED.
preempted() {
    assert_same_as_native "$1" "$FIXTURES/preempt_cases" "$1"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/$1.native.out")" "$2" \
        "native output"
}

@test "preempt: a busy-wait on a flag another thread sets ends" {
    preempted flag "flag: ended in about the native time: yes"
}

@test "preempt: a loop of kill(getpid(), 0) ends" {
    preempted kill "kill: ended in about the native time: yes"
}

@test "preempt: a loop of pthread_mutex_trylock and unlock ends" {
    preempted trylock "trylock: ended in about the native time: yes"
}

@test "preempt: a hand-rolled spinlock whose holder sleeps is taken" {
    preempted spinlock "spinlock: ended in about the native time: yes"
}

@test "preempt: a thread computing for 500 ms does not stop a ticking thread" {
    preempted compute "compute: ticker kept ticking: yes"
}

@test "preempt: a spinning thread is preempted, so the monitor never reports it" {
    # One worker: the spinner must share its OS thread to be preempted.
    GREENRUN_WORKERS=1 run_to spinner native "$GREENRUN" --monitor 100 \
        --stats -- "$FIXTURES/spinner" 300
    if grep 'has held the OS thread' "$BATS_TEST_TMPDIR/spinner.err"; then
        echo "the monitor reported a hold: the spinner was not preempted"
        return 1
    fi
    grep -Eq ' [1-9][0-9]* preemptions' "$BATS_TEST_TMPDIR/spinner.err"
}

@test "preempt: with GREENRUN_SLICE_MS=0 (--slice 0) greenrun is cooperative, as before" {
    # One worker: with two, the ticker has an OS thread of its own.
    GREENRUN_WORKERS=1 run --separate-stderr timeout -s KILL 20 \
        "$GREENRUN" --slice 0 "$FIXTURES/preempt_cases" compute
    [ "$status" -eq 0 ]
    assert_equal "$output" "compute: ticker kept ticking: no" \
        "cooperative output"
}

@test "preempt: a bad GREENRUN_SLICE_MS value stops the program before main" {
    assert_refuses_values GREENRUN_SLICE_MS --slice \
        "greenrun: GREENRUN_SLICE_MS=%s is not valid: expected a whole number of milliseconds from 0 (no preemption) to 10000" \
        -1 abc 10001 1.5
}

@test "preempt: poll, ppoll, select and pselect with a zero timeout never fail with EINTR for the ticks, while another thread computes" {
    require_fixtures zero_timeouts
    assert_same_as_native zero "$FIXTURES/zero_timeouts"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/zero.native.out")" "poll, zero timeout: every call answered 0: yes
ppoll, zero timeout: every call answered 0: yes
select, zero timeout: every call answered 0: yes
pselect, zero timeout: every call answered 0: yes
done" "native output"
}

@test "preempt: a thread holding the lock of a malloc replacement (jemalloc's stand-in) is never switched out, at a safe point or in the vDSO's clock" {
    require_fixtures allocator_yield
    local stats=$BATS_TEST_TMPDIR/stats
    # One worker: on two, the other thread runs beside the holder and
    # sees its lock held, as natively.
    GREENRUN_WORKERS=1 run --separate-stderr timeout -s KILL 60 \
        "$GREENRUN" --stats="$stats" -- "$FIXTURES/allocator_yield"
    [ "$status" -eq 0 ]
    assert_equal "$output" \
        "the other thread found the allocator's lock held: no" "output"
    # The test proves something only if ticks came while the main thread
    # was inside, and the other thread ran meanwhile.
    grep -Eq ' [1-9][0-9]* preemptions \([1-9][0-9]* ticks deferred\)' \
        "$stats" || {
        echo "greenrun's stats: $(cat "$stats")"
        return 1
    }
}
