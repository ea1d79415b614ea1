#!/usr/bin/env bats
# Feature: each green thread has its own thread-local storage and thread
# descriptor (GREENRUN_TLS=private, the default), as a thread does: the
# program's __thread and thread_local variables, errno, the stack-protector
# canary, its locale, stdio lock ownership, malloc's per-thread cache,
# dynamic TLS of libraries loaded later, and destructors at thread exit in
# glibc's order.  Each fixture prints the same natively and under greenrun.

load helpers

setup() {
    greenrun_setup
    # The shared-mode test and the settings tests run everywhere.
    case $BATS_TEST_DESCRIPTION in
    *shared* | *--debug* | *"bad GREENRUN_TLS"*) ;;
    *) require_private_tls ;;
    esac
}

teardown() {
    greenrun_teardown
}

@test "tls: __thread, errno, canary, locale, stdio lock owner and malloc stay per thread across blocking calls" {
    GREENRUN_TLS=private assert_same_as_native identity \
        "$FIXTURES/tls_identity" 24 20
    grep -q "^stdio lock held by another thread: busy$" \
        "$BATS_TEST_TMPDIR/identity.native.out"
}

@test "tls: C++ thread_local objects per thread; their destructors, then key destructors, at each thread's exit" {
    GREENRUN_TLS=private assert_same_as_native cxx "$FIXTURES/tls_cxx"
    grep -q "~Current(request-3);key destructor" \
        "$BATS_TEST_TMPDIR/cxx.native.out"
}

@test "tls: __thread variables of a library loaded with dlopen while threads run" {
    GREENRUN_TLS=private assert_same_as_native dlopen \
        "$FIXTURES/tls_dlopen" "$FIXTURES/tls_module.so"
}

@test "tls: 100,000 short-lived threads using malloc: memory does not grow" {
    GREENRUN_TLS=private assert_same_as_native churn \
        "$FIXTURES/tls_churn" 100000
    grep -q "less than 16 MiB: yes" "$BATS_TEST_TMPDIR/churn.native.out"
}

@test "tls: 100,000 threads ending 2,000 at a time: memory does not grow" {
    GREENRUN_TLS=private assert_same_as_native burst \
        "$FIXTURES/tls_churn" 100000 2000
    grep -q "less than 16 MiB: yes" "$BATS_TEST_TMPDIR/burst.native.out"
}

@test "tls: GREENRUN_TLS=shared keeps the old sharing, which the fixture sees" {
    # One worker: the sharing is between the threads of one OS thread.
    GREENRUN_WORKERS=1 GREENRUN_TLS=shared run_to shared greenrun \
        "$FIXTURES/tls_identity" 4 3
    grep -q "^stdio lock held by another thread: taken (wrong)$" \
        "$BATS_TEST_TMPDIR/shared.out"
    grep -q "^thread 1: [1-9][0-9]* failures" "$BATS_TEST_TMPDIR/shared.out"
}

@test "tls: --debug says which mode runs and how the switch is made" {
    run timeout -s KILL 10 env -u GREENRUN_TLS "$GREENRUN" --debug true
    [ "$status" -eq 0 ]
    [[ "$output" == *"greenrun: thread-local storage: private per green thread (switched with "* ||
        "$output" == *"greenrun: thread-local storage: shared by the green threads of an OS thread (the AddressSanitizer build)"* ]]
    run timeout -s KILL 10 "$GREENRUN" --debug --tls shared true
    [ "$status" -eq 0 ]
    [[ "$output" == *"greenrun: thread-local storage: shared by the green threads of an OS thread (GREENRUN_TLS=shared)"* ]]
}

@test "tls: a bad GREENRUN_TLS or --tls value stops the program before main" {
    local msg="greenrun: GREENRUN_TLS=%s is not valid: expected private or shared"
    for v in PRIVATE 1 none; do
        run timeout -s KILL 10 env GREENRUN_TLS="$v" "$GREENRUN" true
        [ "$status" -eq 2 ]
        assert_equal "$output" "$(printf "$msg" "$v")" "GREENRUN_TLS=$v"
        run timeout -s KILL 10 "$GREENRUN" --tls "$v" true
        [ "$status" -eq 2 ]
        assert_equal "$output" "$(printf "$msg" "$v")" "--tls $v"
    done
}
