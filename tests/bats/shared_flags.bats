#!/usr/bin/env bats
# Feature: greenrun never changes the flags of a descriptor another process
# shares.  O_NONBLOCK belongs to the open file description: set even for
# one call, it is seen by every process holding it, whose blocking calls
# would fail with EAGAIN.  A native watcher process (no LD_PRELOAD) reads
# F_GETFL on a pipe, a socketpair, a listening socket and sockets being
# connected while the program blocks in read, accept and connect on them.

load helpers

setup() {
    greenrun_setup
    require_fixtures shared_flags
}

teardown() {
    greenrun_teardown
}

@test "a process sharing a pipe, sockets and a listener never sees O_NONBLOCK" {
    assert_same_as_native flags "$FIXTURES/shared_flags"
    [ "$NATIVE_STATUS" -eq 0 ]
    run grep -c 'never O_NONBLOCK' "$BATS_TEST_TMPDIR/flags.native.out"
    [ "$output" -eq 4 ]
}
