#!/usr/bin/env bats
# Feature: dlsym(RTLD_NEXT) from a library (hooks/dlsym.c).  A library
# loaded after greenrun that looks up a hooked function past itself, as
# jemalloc looks up pthread_create for its background thread, gets the
# hook, as a call by name would; a library that wraps a function itself
# still gets the function past it, and greenrun calls its wrapper.

load helpers

setup() {
    greenrun_setup
    require_fixtures next_lookup
}

teardown() {
    greenrun_teardown
}

@test "dlsym(RTLD_NEXT) from a library: pthread_create is the hook and its thread a green one; a wrapper of write still wraps" {
    skip_under_sanitizer "ASan's interceptors stand between greenrun and glibc, and a lookup past them is left as it is"
    run_to lookup native "$FIXTURES/next_lookup"
    run_to lookup.green greenrun "$FIXTURES/next_lookup"
    local common="pthread_create: the one calls reach
getppid: the one calls reach
write: another
turns: 200
OS threads while both ran: %s
a line through the wrapper
the wrapper counted it: yes
exit=0"
    # shellcheck disable=SC2059 # the format is the expected output
    assert_equal "$(transcript lookup)" "$(printf "$common" 2)" "native output"
    # One started past greenrun would be one OS thread more, or hang.
    # shellcheck disable=SC2059
    assert_equal "$(transcript lookup.green)" \
        "$(printf "$common" "$GREENRUN_OS_THREADS")" "output under greenrun"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/lookup.green.err")" "" "stderr"
}
