#!/usr/bin/env bats
# Feature: multi-threaded programs shipped by Debian, unmodified, run under
# greenrun on one OS thread and produce exactly their native output:
#   - pigz -p 4 (Debian pigz): parallel gzip, compression and decompression;
#   - xz -T4 (Debian xz-utils): 1 MiB blocks, so that 4 threads share them
#     (compression and decompression);
#   - zstd -T4 (Debian zstd): 1 MiB jobs, likewise.
# Multi-threaded compressors are deterministic: the same options give the
# same bytes whatever the scheduling, so a native run and a greenrun run
# must be byte-identical, and the result must decompress to the input.
# When strace is installed it counts the threads each run creates (clone
# with CLONE_THREAD): natively some, under greenrun none, so the program
# ran on its one OS thread from start to end.

load helpers
load programs_helpers

setup_file() {
    # 16 MB that compress at different rates: text, random bytes, text.
    INPUT=$BATS_FILE_TMPDIR/input
    export INPUT
    {
        seq 1 800000
        head -c 6000000 /dev/urandom
        seq 1 400000 | sed 's/$/ lorem ipsum dolor sit amet/'
    } | head -c 16000000 >"$INPUT"
    # xz is slow: half of it (text and random bytes) for xz.
    XZ_INPUT=$BATS_FILE_TMPDIR/xz_input
    export XZ_INPUT
    head -c 8000000 "$INPUT" >"$XZ_INPUT"
}

setup() {
    programs_setup
    mkdir -p "$BATS_TEST_TMPDIR/runs"
}

teardown() {
    greenrun_teardown
}

# need PROGRAM PACKAGE: skip unless PROGRAM is installed.
need() {
    command -v "$1" >/dev/null ||
        skip "$1 is not installed (Debian package $2; make deps)"
}

# both_ways NAME INPUT CMD...: run CMD <INPUT natively and under greenrun
# (programs_helpers' run_case, allowed a minute); both must exit 0, their
# outputs (runs/NAME.native.out and runs/NAME.greenrun.out) must be
# identical, and (with strace) natively CMD must create threads and under
# greenrun none.
both_ways() {
    local name=$1 input=$2 dir=$BATS_TEST_TMPDIR/runs
    shift 2

    FIXTURE_TIMEOUT=60 run_case "runs/$name.native" native "$@" <"$input"
    FIXTURE_TIMEOUT=60 run_case "runs/$name.greenrun" greenrun "$@" \
        <"$input"
    assert_equal "$(<"$dir/$name.native.status")" 0 \
        "native '$*' exit status"
    if [ "$(<"$dir/$name.greenrun.status")" -ne 0 ]; then
        show_file "greenrun stderr" "$dir/$name.greenrun.err"
        assert_equal "$(<"$dir/$name.greenrun.status")" 0 \
            "greenrun '$*' exit status"
    fi
    if ! cmp "$dir/$name.native.out" "$dir/$name.greenrun.out"; then
        echo "'$*': greenrun output ($(stat -c %s \
            "$dir/$name.greenrun.out") bytes) differs from native" \
            "($(stat -c %s "$dir/$name.native.out") bytes)"
        show_file "greenrun stderr" "$dir/$name.greenrun.err"
        return 1
    fi
    assert_no_os_threads "$name"
}

# decompresses_to FILE ORIGINAL CMD...: CMD <FILE (run natively) gives
# back ORIGINAL.
decompresses_to() {
    local file=$1 original=$2
    shift 2

    if ! "$@" <"$file" | cmp - "$original"; then
        echo "'$*' of $file does not give back ${original##*/}"
        return 1
    fi
}

@test "pigz -p 4 under greenrun: byte-identical to native, on 1 OS thread, decompresses to the input" {
    need pigz pigz
    both_ways pigz "$INPUT" pigz -p 4 -c
    decompresses_to "$BATS_TEST_TMPDIR/runs/pigz.greenrun.out" "$INPUT" \
        gzip -dc
}

@test "pigz -d under greenrun: decompresses to the input, on 1 OS thread" {
    need pigz pigz
    pigz -p 4 -c <"$INPUT" >"$BATS_TEST_TMPDIR/input.gz"
    both_ways unpigz "$BATS_TEST_TMPDIR/input.gz" pigz -d -p 4 -c
    cmp "$BATS_TEST_TMPDIR/runs/unpigz.greenrun.out" "$INPUT"
}

@test "xz -T4 (1 MiB blocks) under greenrun: byte-identical to native, on 1 OS thread, decompresses to the input" {
    need xz xz-utils
    both_ways xz "$XZ_INPUT" xz -T4 -1 --block-size=1MiB -c
    decompresses_to "$BATS_TEST_TMPDIR/runs/xz.greenrun.out" "$XZ_INPUT" \
        xz -dc
}

@test "xz -T4 -d under greenrun: multi-threaded decompression gives back the input, on 1 OS thread" {
    need xz xz-utils
    xz -T4 -1 --block-size=1MiB -c <"$XZ_INPUT" >"$BATS_TEST_TMPDIR/input.xz"
    both_ways unxz "$BATS_TEST_TMPDIR/input.xz" xz -T4 -dc
    cmp "$BATS_TEST_TMPDIR/runs/unxz.greenrun.out" "$XZ_INPUT"
}

@test "zstd -T4 (1 MiB jobs) under greenrun: byte-identical to native, on 1 OS thread, decompresses to the input" {
    need zstd zstd
    both_ways zstd "$INPUT" zstd -q -T4 -B1MiB -c
    decompresses_to "$BATS_TEST_TMPDIR/runs/zstd.greenrun.out" "$INPUT" \
        zstd -q -dc
}
