# Shared by launcher.bats and config.bats: where the launcher and the
# library under test are, and a clean environment for each test.

GREENRUN_BUILD=${GREENRUN_BUILD:-$BATS_TEST_DIRNAME/../../build}
greenrun=$BATS_TEST_DIRNAME/../../scripts/greenrun

# Every test starts from the same environment, whatever the caller had set,
# in a scratch directory so that nothing a program writes lands elsewhere.
launcher_setup() {
    unset GREENRUN_STACK_SIZE GREENRUN_STATS GREENRUN_MONITOR_MS \
        GREENRUN_DEBUG GREENRUN_FILE_POOL GREENRUN_LIB LD_PRELOAD
    cd "$BATS_TEST_TMPDIR" || return 1
}

# Tests that run a program use the library of the build under test (which
# may be build/asan); a missing library fails them with the launcher's own
# message rather than skipping.
use_built_library() {
    export GREENRUN_LIB=$GREENRUN_BUILD/libgreenrun.so
}

# expect_eq WHAT EXPECTED ACTUAL: fails, printing both values, unless equal.
expect_eq() {
    if [ "$2" != "$3" ]; then
        printf '%s\n  expected: %q\n  actual:   %q\n' "$1" "$2" "$3" >&2
        return 1
    fi
}
