#!/usr/bin/env bats
# Feature: glibc's malloc under green threads.  malloc takes its arena
# locks only once __libc_single_threaded is false, which glibc's own
# pthread_create makes it, so greenrun's first green thread clears it
# too; and a thread whose time slice ran out inside malloc yields at the
# next safe point after it, never at the system calls malloc makes (brk,
# mmap, munmap...) while it holds an arena lock, which fork and
# greenrun's own allocations would then wait for in the kernel.  Found with rsyslogd under load, which aborted with
# glibc's "break adjusted to free malloc space".

load helpers

setup() {
    greenrun_setup
    require_fixtures malloc_threads
}

teardown() {
    greenrun_teardown
}

EXPECTED="glibc knows the process has threads: yes
4 threads x 3000 blocks: every block kept its contents: yes
50 children forked meanwhile: every one exited 0: yes"

@test "threads allocating while the main thread forks: glibc knows of the threads, every block kept, every child exits 0, as natively" {
    assert_same_as_native malloc "$FIXTURES/malloc_threads"
    assert_equal "$(transcript malloc.native)" "$EXPECTED
exit=0" "native output"
}

@test "the same with time slices: the threads are preempted, inside malloc too, and nothing breaks or hangs" {
    [[ "$(greenrun_features)" == *"preemption: at safe points"* ]] ||
        skip "preemption is not available in this build or kernel"
    local stats=$BATS_TEST_TMPDIR/stats
    # One worker: all the threads share its OS thread, and its slices.
    GREENRUN_TLS=private GREENRUN_WORKERS=1 run_to malloc native \
        "$GREENRUN" --stats="$stats" -- "$FIXTURES/malloc_threads"
    assert_equal "$(transcript malloc)" "$EXPECTED
exit=0" "output under greenrun"
    # The test proves something only if slices ended meanwhile, some of
    # them inside libc (malloc, free), where the yield is deferred.
    grep -Eq ' [1-9][0-9]* preemptions \([1-9][0-9]* ticks deferred\)' \
        "$stats" || {
        echo "greenrun's stats: $(cat "$stats")"
        return 1
    }
}
