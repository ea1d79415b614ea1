#!/usr/bin/env bats
# Feature: greenrun's cache of what each descriptor is (its kind, the
# program's O_NONBLOCK, its timeouts) follows the number as the program
# frees and reuses it.  One number is freed in every way a program can
# free it (close, close_range, closefrom, closedir, fclose, dup2, dup3,
# syscall(SYS_close)) and made into every kind of file in turn; a thread
# reads it while another ticks.  A stale entry shows as ENOTSOCK, as a
# read that parks where EAGAIN was due, or as a read that blocks the OS
# thread and with it the ticks (the run hangs and is killed).

load helpers

setup() {
    greenrun_setup
    require_fixtures fd_reuse
}

teardown() {
    greenrun_teardown
}

@test "one fd number reused for every kind of file reads as natively" {
    assert_same_as_native reuse "$FIXTURES/fd_reuse"
    [ "$NATIVE_STATUS" -eq 0 ]
    run grep -c '^round' "$BATS_TEST_TMPDIR/reuse.native.out"
    [ "$output" -eq 72 ]
}

@test "a socket freed where no hook sees it, then a regular file, is read as a file" {
    assert_same_as_native raw "$FIXTURES/fd_reuse" raw
    [ "$NATIVE_STATUS" -eq 0 ]
    run grep -c 'regular file: 9 bytes: file-data' \
        "$BATS_TEST_TMPDIR/raw.native.out"
    [ "$output" -eq 1 ]
}
