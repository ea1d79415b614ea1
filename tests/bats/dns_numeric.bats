#!/usr/bin/env bats
# Feature: numeric hosts and services are answered in place.  getaddrinfo
# of "127.0.0.1", "::1", "fe80::1%lo" with a numeric port needs no name
# service, so under greenrun it is not sent to the lookup threads (which
# stay, once started): a program making thousands of such calls keeps its
# one OS thread, and gets what it gets natively.  No DNS server is needed.

load helpers

setup() {
    greenrun_setup
    require_fixtures numeric_lookup
}

teardown() {
    greenrun_teardown
}

@test "8 threads x 50 rounds of numeric getaddrinfo: native answers, 1 OS thread, nothing offloaded" {
    export GREENRUN_STATS=$BATS_TEST_TMPDIR/stats
    assert_same_as_native --killed numeric "$FIXTURES/numeric_lookup" 8 50
    cat "$BATS_TEST_TMPDIR/numeric.greenrun.err"
    assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/numeric.native.out")" \
        "8 threads x 50 rounds: all the same" "native summary"
    # Natively each thread is an OS thread; under greenrun all 8 run on
    # the main one, and no lookup thread was started.
    assert_equal "$(<"$BATS_TEST_TMPDIR/numeric.native.err")" "tasks: 9" \
        "native tasks"
    assert_equal "$(grep '^tasks:' "$BATS_TEST_TMPDIR/numeric.greenrun.err")" \
        "tasks: $GREENRUN_OS_THREADS" "tasks under greenrun"
    grep -Eq ', 0 calls offloaded to the pool(;|$)' "$BATS_TEST_TMPDIR/stats"
}
