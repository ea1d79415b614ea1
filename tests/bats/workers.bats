#!/usr/bin/env bats
# Feature: green threads on several worker OS threads (GREENRUN_WORKERS,
# --workers; default 1).  A program's threads are spread over the workers
# as they are created; every primitive works across workers; a close on
# one worker wakes a reader on another; a forked child keeps one worker;
# --stats reports each worker's share.  (The whole suite also runs with
# GREENRUN_WORKERS=2: scripts/run-tests.)

load helpers
load programs_helpers

setup() {
    greenrun_setup
    require_fixtures os_threads stress_diff faults procs sleepers \
        libmimalloc_standin.so
}

teardown() {
    greenrun_teardown
}

@test "workers: a program's threads run on GREENRUN_WORKERS OS threads (1, 2, 3)" {
    for w in 1 2 3; do
        run timeout -s KILL 30 env GREENRUN_WORKERS=$w "$GREENRUN" \
            "$FIXTURES/os_threads" 12
        [ "$status" -eq 0 ]
        assert_equal "$output" "threads: 12, distinct OS threads: $w" \
            "GREENRUN_WORKERS=$w"
    done
    run timeout -s KILL 30 "$GREENRUN" --workers 2 "$FIXTURES/os_threads" 12
    assert_equal "$output" "threads: 12, distinct OS threads: 2" "--workers 2"
    run timeout -s KILL 30 "$FIXTURES/os_threads" 12
    assert_equal "$output" "threads: 12, distinct OS threads: 12" "natively"
}

@test "workers: auto is one worker per CPU of the process's affinity mask" {
    run timeout -s KILL 30 env GREENRUN_WORKERS=auto taskset -c 0 \
        "$GREENRUN" "$FIXTURES/os_threads" 12
    assert_equal "$output" "threads: 12, distinct OS threads: 1" "on one CPU"
    local cpus
    cpus=$(taskset -c 0-1 nproc 2>/dev/null) || skip "taskset"
    run timeout -s KILL 30 env GREENRUN_WORKERS=auto taskset -c 0-1 \
        "$GREENRUN" "$FIXTURES/os_threads" 12
    assert_equal "$output" "threads: 12, distinct OS threads: $cpus" \
        "on $cpus CPUs"
}

@test "workers: a bad GREENRUN_WORKERS value stops the program before main" {
    assert_refuses_values GREENRUN_WORKERS --workers \
        "greenrun: GREENRUN_WORKERS=%s is not valid: expected auto (one per CPU) or a whole number from 1 to 1024" \
        0 -1 abc 1025 1.5 2x
}

@test "workers: a program that starts no thread stays on one OS thread" {
    run timeout -s KILL 10 env GREENRUN_WORKERS=4 "$GREENRUN" \
        sh -c 'grep "^Threads:" /proc/$$/status'
    [ "$status" -eq 0 ]
    assert_equal "$output" $'Threads:\t1' "a shell under 4 workers"
}

@test "workers: stress_diff on 2, 3 and 4 workers ends as natively" {
    run_case native.out native "$FIXTURES/stress_diff" 9 64 6
    for w in 2 3 4; do
        GREENRUN_WORKERS=$w run_case "w$w.out" greenrun \
            "$FIXTURES/stress_diff" 9 64 6
        assert_equal "$(<"$BATS_TEST_TMPDIR/w$w.out.status")" 0 \
            "exit status on $w workers"
        assert_equal "$(<"$BATS_TEST_TMPDIR/w$w.out.out")" \
            "$(<"$BATS_TEST_TMPDIR/native.out.out")" "output on $w workers"
    done
    assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/native.out.out")" \
        consistent "native verdict"
}

# As in faults.bats, greenrun differs from native on purpose here: the
# reader wakes with EBADF.  The reader is the program's first thread,
# placed on the second worker; main closes on the first.
@test "workers: close() on one worker wakes a reader blocked on another with EBADF" {
    run timeout -s KILL 30 env GREENRUN_WORKERS=2 "$GREENRUN" \
        "$FIXTURES/faults" close-under-reader </dev/null
    [ "$status" -eq 0 ]
    assert_equal "$output" "read returned -1 (EBADF)" "reader's result"
}

@test "workers: a forked child keeps one worker and runs as natively" {
    run timeout -s KILL 30 "$FIXTURES/procs" fork
    local native=$output
    run timeout -s KILL 30 env GREENRUN_WORKERS=2 "$GREENRUN" \
        "$FIXTURES/procs" fork
    [ "$status" -eq 0 ]
    assert_equal "$output" "$native" "output"
}

@test "workers: --stats gives the total and each worker's share" {
    local file=$BATS_TEST_TMPDIR/stats line
    run timeout -s KILL 30 env GREENRUN_WORKERS=2 "$GREENRUN" \
        --stats="$file" "$FIXTURES/sleepers" 100 10
    [ "$status" -eq 0 ]
    line=$(<"$file")
    echo "stats: $line"
    [[ $line =~ ^greenrun:\ stats:\ pid\ [0-9]+:\ 101\ green\ threads\ .*\ calls\ offloaded\ to\ the\ pool\;\ per\ worker\ \(threads,\ switches,\ parks,\ preemptions\):\ \[([0-9]+),\ [0-9]+,\ [0-9]+,\ [0-9]+\]\ \[([0-9]+),\ [0-9]+,\ [0-9]+,\ [0-9]+\]$ ]]
    # The main thread and 100 sleepers, 50 placed on each worker.
    assert_equal "${BASH_REMATCH[1]}" 51 "threads of worker 0"
    assert_equal "${BASH_REMATCH[2]}" 50 "threads of worker 1"
}

@test "workers: a program whose malloc is not glibc's stays on one worker, and says why" {
    skip_under_sanitizer "the sanitizer's runtime is preloaded before it"
    run --separate-stderr timeout -s KILL 30 env \
        LD_PRELOAD="$FIXTURES/libmimalloc_standin.so" GREENRUN_WORKERS=2 \
        "$GREENRUN" "$FIXTURES/os_threads" 4
    [ "$status" -eq 0 ]
    assert_equal "$output" "threads: 4, distinct OS threads: 1" "output"
    assert_equal "$stderr" "greenrun: GREENRUN_WORKERS ignored: this program's malloc is not the C library's (jemalloc, tcmalloc...), and it takes locks greenrun's workers cannot share; running on one worker" "stderr"
}
