#!/usr/bin/env bats
# Feature: GREENRUN_FILE_POOL.  epoll cannot wait on regular files, so by
# default their calls pass straight through (and may block every green
# thread on a slow disk).  With GREENRUN_FILE_POOL=1 (launcher:
# --file-pool) read, write, pread, pwrite, fsync and fdatasync on regular
# files run on the offload pool; the program's output stays the native one.

load helpers

setup() {
    greenrun_setup
    if [ ! -x "$FIXTURES/file_io" ]; then
        echo "fixture missing: $FIXTURES/file_io (make all)"
        return 1
    fi
    unset GREENRUN_FILE_POOL
    export GREENRUN_STATS=$BATS_TEST_TMPDIR/stats
    mkdir -p "$BATS_TEST_TMPDIR/native" "$BATS_TEST_TMPDIR/green"
}

teardown() {
    greenrun_teardown
}

# file_io_both: run file_io natively and under greenrun, each in a
# directory of its own; stdout and status must be the same.
file_io_both() {
    run_to file_io.native native "$FIXTURES/file_io" \
        "$BATS_TEST_TMPDIR/native" 8 100000
    run_to file_io.greenrun greenrun "$FIXTURES/file_io" \
        "$BATS_TEST_TMPDIR/green" 8 100000
    assert_equal "$(<"$BATS_TEST_TMPDIR/file_io.native.status")" 0 \
        "native status"
    assert_same_transcript file_io.native file_io.greenrun
    echo "$(<"$GREENRUN_STATS")"
}

# stat_count WHAT: the number before WHAT in the stats report.
stat_count() {
    sed -n "s/.*, \([0-9]*\) $1.*/\1/p" "$GREENRUN_STATS"
}

@test "GREENRUN_FILE_POOL=1: file calls run on the pool, output native" {
    GREENRUN_FILE_POOL=1 file_io_both
    # 8 threads: 25 writes, a pwrite, fsync, fdatasync, 101 reads and a
    # pread each, less those a thread made while it was alone.
    [ "$(stat_count 'calls offloaded to the pool')" -gt 500 ]
    [ "$(stat_count 'calls on regular files passed through')" -eq 0 ]
}

@test "without GREENRUN_FILE_POOL regular-file calls pass through as before" {
    file_io_both
    [ "$(stat_count 'calls offloaded to the pool')" -eq 0 ]
    [ "$(stat_count 'calls on regular files passed through')" -gt 500 ]
}

@test "GREENRUN_FILE_POOL=0 and an empty value leave the pool off" {
    GREENRUN_FILE_POOL=0 file_io_both
    [ "$(stat_count 'calls offloaded to the pool')" -eq 0 ]
    rm -f "$GREENRUN_STATS"
    GREENRUN_FILE_POOL= file_io_both
    [ "$(stat_count 'calls offloaded to the pool')" -eq 0 ]
}

@test "--file-pool sets GREENRUN_FILE_POOL=1 and takes no value" {
    run --separate-stderr "$GREENRUN" --file-pool \
        sh -c 'echo "$GREENRUN_FILE_POOL"'
    [ "$status" -eq 0 ]
    assert_equal "$output" 1 "GREENRUN_FILE_POOL under --file-pool"
    run --separate-stderr "$GREENRUN" --file-pool=1 sh -c 'echo ran'
    [ "$status" -eq 2 ]
    assert_equal "$output" "" "stdout of a refused --file-pool=1"
    assert_equal "$stderr" \
        "greenrun: --file-pool takes no value (see greenrun --help)" \
        "stderr of --file-pool=1"
    run --separate-stderr "$GREENRUN" --help
    [[ $output == *--file-pool*GREENRUN_FILE_POOL* ]]
}

@test "bad GREENRUN_FILE_POOL values stop the program before main" {
    local v
    for v in 2 yes true on abc -1 10 " 1"; do
        run --separate-stderr env GREENRUN_FILE_POOL="$v" "$GREENRUN" \
            sh -c 'echo ran'
        echo "GREENRUN_FILE_POOL='$v': status $status, stdout '$output'"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        assert_equal "$stderr" \
            "greenrun: GREENRUN_FILE_POOL=$v is not valid: expected 0 or 1" \
            "stderr for GREENRUN_FILE_POOL='$v'"
    done
}
