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
    require_fixtures fair_streams
}

teardown() {
    greenrun_teardown
}

# same_streams KIND: fair_streams KIND natively and under greenrun print
# the same, and the first to finish saw the other's progress.
same_streams() {
    assert_prints_same --killed "$1" "thread 0: 131072000 bytes, intact
thread 1: 131072000 bytes, intact
the first to finish saw the other make progress: yes" \
        "$FIXTURES/fair_streams" "$1" 2000
}

@test "two threads streaming through socketpairs that never block both make progress" {
    same_streams socketpair
}

@test "two threads streaming through pipes that never block both make progress" {
    same_streams pipe
}
