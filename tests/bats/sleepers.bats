#!/usr/bin/env bats
# Feature: many sleeping threads.  Under greenrun, 10,000 threads that each
# call sleep(1) all wake, on one OS thread, and the program prints what it
# prints natively.

load helpers

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "greenrun sleepers 10000 1000: all 10000 wake, on one OS thread" {
    local start elapsed_ms out

    start=$(date +%s%N)
    start_bg sleepers "$GREENRUN" -- "$FIXTURES/sleepers" 10000 1000
    # The launcher execs the program: wait until BG_PID is sleepers with
    # the library loaded, then sample it until it exits.
    wait_greenrun_process "$BG_PID" sleepers
    sample_while "$BG_PID" "$BG_PID" "$CMD_TIMEOUT"
    wait_bg "$BG_PID" 5
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    out=$(<"$BATS_TEST_TMPDIR/sleepers.out")

    echo "status $BG_STATUS, output '$out', $elapsed_ms ms," \
        "$SAMPLES samples, max Threads: $MAX_THREADS"
    assert_equal "$out" "started 10000 threads, 10000 woke" "sleepers output"
    assert_equal "$BG_STATUS" 0 "sleepers exit status"
    [ "$SAMPLES" -ge 1 ]
    assert_equal "$MAX_THREADS" "$GREENRUN_OS_THREADS" \
        "max Threads: of sleepers under greenrun"
    # Natively this takes about 1.7 s with 10,000 OS threads; the bound is
    # loose on purpose and only catches sleeps that run one after another.
    [ "$elapsed_ms" -lt 10000 ]
}

@test "greenrun sleepers 200 20: output and status identical to native" {
    assert_same_as_native sleepers "$FIXTURES/sleepers" 200 20
    assert_equal "$(<"$BATS_TEST_TMPDIR/sleepers.native.out")" \
        "started 200 threads, 200 woke" "native output"
    assert_equal "$NATIVE_STATUS" 0 "native status"
}
