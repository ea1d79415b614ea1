#!/usr/bin/env bats
# Feature: a blocking call that had to wait and then succeeded leaves errno
# as it found it, as the system call does natively.  Under greenrun the
# call is first tried without blocking, fails with EAGAIN, parks and is
# tried again (sched/io_retry.c); that EAGAIN is greenrun's own and must
# not reach the program.

load helpers

setup() {
    greenrun_setup
    require_fixtures errno_kept
}

teardown() {
    greenrun_teardown
}

@test "errno is kept across reads, writes and accepts that waited" {
    run_killed native native "$FIXTURES/errno_kept"
    run_killed greenrun greenrun "$FIXTURES/errno_kept"
    run diff -u <(transcript native) <(transcript greenrun)
    echo "$output"
    [ "$status" -eq 0 ]
    assert_equal "$(transcript native)" "read from a socket: 3, errno kept
recv from a socket: 3, errno kept
readv from a socket: 3, errno kept
read from a pipe: 3, errno kept
write to a full socket: 1048576, errno kept
accept: 0, errno kept
exit=0" "native output"
}
