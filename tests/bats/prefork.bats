#!/usr/bin/env bats
# Feature: a pre-forked server's children share one listening socket, each
# with several threads in accept() and a ticker.  Every connection wakes
# every child, and all but one find it gone: their accept must not block
# the process (the ticker, the child's other connections and its answers
# to the parent would stop, and the run hang), nor change the listener's
# flags under the others.  With io_uring the accept is made without
# waiting; without it (a seccomp filter refuses io_uring_setup), it runs
# on a helper thread.

load helpers

setup() {
    greenrun_setup
    require_fixtures prefork
}

teardown() {
    greenrun_teardown
}

@test "children sharing a listener serve every connection and keep ticking" {
    assert_same_as_native uring "$FIXTURES/prefork" 3 4 200 8
    [ "$NATIVE_STATUS" -eq 0 ]
    run cat "$BATS_TEST_TMPDIR/uring.native.out"
    [ "$output" = "200 rounds of 8 connections to 3 children: 1600 answered right" ]
}

@test "without io_uring, children sharing a listener still serve every connection" {
    assert_same_as_native plain "$FIXTURES/prefork" 3 4 200 8 no-io-uring
    [ "$NATIVE_STATUS" -eq 0 ]
    run cat "$BATS_TEST_TMPDIR/plain.native.out"
    [ "$output" = "200 rounds of 8 connections to 3 children: 1600 answered right" ]
}
