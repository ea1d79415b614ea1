#!/usr/bin/env bats
# Feature: fortified programs.  Built with _FORTIFY_SOURCE, as Debian builds
# its packages, a program calls glibc's __read_chk, __poll_chk... where its
# source says read, poll...; glibc's versions call its internal functions,
# out of every hook's reach, so greenrun hooks them too (hooks/fortify.c).
# The list of variants to expect comes from glibc's own exports.

bats_require_minimum_version 1.5.0 # run --separate-stderr

load helpers
load list_helpers

setup() {
    greenrun_setup
    root="$BATS_TEST_DIRNAME/../.."
    build=$GREENRUN_BUILD
    if [ ! -x "$FIXTURES/io_fortify" ]; then
        echo "fixture missing: $FIXTURES/io_fortify (make all)"
        return 1
    fi
}

teardown() {
    greenrun_teardown
}

@test "the fortified fixture calls each of glibc's *_chk of a hooked function" {
    expected=$(hooked_chk_names)
    [ -n "$expected" ]
    missing=$(comm -23 <(echo "$expected" | sort) \
        <(nm -D --undefined-only "$FIXTURES/io_fortify" | awk '{print $2}' |
            sed 's/@.*//' | sort -u))
    if [ -n "$missing" ]; then
        echo "io_fortify does not call: $missing"
        return 1
    fi
}

@test "fortified blocking calls park green and print what they print natively" {
    stats=$BATS_TEST_TMPDIR/stats
    # Both threads on one OS thread: a fortified call that blocked it
    # instead of parking would hang, and time out.  The file pool makes
    # pread park too (a regular file is never waited on otherwise).
    GREENRUN_STATS=$stats GREENRUN_FILE_POOL=1 \
        assert_same_as_native --killed fortify "$FIXTURES/io_fortify"
    cat "$BATS_TEST_TMPDIR/fortify.greenrun.err"
    [ "$NATIVE_STATUS" -eq 0 ]
    [ "$(grep -c 'ticked meanwhile: yes' \
        "$BATS_TEST_TMPDIR/fortify.greenrun.out")" -eq 5 ]
    # The two preads, and with the syscall trap any file I/O stdio does
    # inside libc.
    offloaded=$(sed -n 's/.* \([0-9]*\) calls offloaded to the pool.*/\1/p' \
        "$stats")
    [ "${offloaded:-0}" -ge 2 ]
}

@test "a fortified read longer than its buffer aborts as natively" {
    run --separate-stderr timeout -s KILL "$CMD_TIMEOUT" \
        "$FIXTURES/io_fortify" overflow
    [ "$status" -eq 134 ]
    native_out=$output
    [[ $stderr == *"*** buffer overflow detected ***: terminated"* ]]
    run --separate-stderr timeout -s KILL "$CMD_TIMEOUT" \
        "$GREENRUN" -- "$FIXTURES/io_fortify" overflow
    [ "$status" -eq 134 ]
    [ "$output" = "$native_out" ]
    [[ $stderr == *"*** buffer overflow detected ***: terminated"* ]]
}
