#!/usr/bin/env bats
# Feature: fairness between green threads whose I/O never waits.  A thread
# whose socket or pipe always has room and data never parks; without a
# bound it would keep the OS thread until it is done, while natively the
# other threads run beside it.  After a bounded run of such calls a hooked
# I/O call lets the others run (sched/yield.h).  The tests state an
# ordering fact, not a timing: the thread that finishes first saw the
# other make progress before it finished, natively and under greenrun.

load helpers

setup() {
    greenrun_setup
    [ -x "$FIXTURES/fair_streams" ] || {
        echo "fixture missing: $FIXTURES/fair_streams (make -C /work/main all)"
        return 1
    }
}

teardown() {
    greenrun_teardown
}

# run_killed PREFIX MODE CMD...: run_to's files, but a hang ends with
# SIGKILL.
run_killed() {
    local prefix=$BATS_TEST_TMPDIR/$1 mode=$2 st=0
    shift 2
    mode_cmd "$mode" "$@"
    timeout -s KILL "$CMD_TIMEOUT" "${CMD[@]}" \
        >"$prefix.out" 2>"$prefix.err" 3>&- || st=$?
    echo "$st" >"$prefix.status"
}

# same_streams KIND: fair_streams KIND natively and under greenrun print
# the same, and the first to finish saw the other's progress.
same_streams() {
    run_killed "$1.native" native "$FIXTURES/fair_streams" "$1" 2000
    run_killed "$1.greenrun" greenrun "$FIXTURES/fair_streams" "$1" 2000
    run diff -u <(transcript "$1.native") <(transcript "$1.greenrun")
    echo "$output"
    [ "$status" -eq 0 ]
    assert_equal "$(transcript "$1.native")" "thread 0: 131072000 bytes, intact
thread 1: 131072000 bytes, intact
the first to finish saw the other make progress: yes
exit=0" "native output"
}

@test "two threads streaming through socketpairs that never block both make progress" {
    same_streams socketpair
}

@test "two threads streaming through pipes that never block both make progress" {
    same_streams pipe
}
