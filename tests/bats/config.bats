#!/usr/bin/env bats
# Configuration: every GREENRUN_* variable, set in the environment or through
# the launcher's flags, is validated by libgreenrun.so before the program's
# main runs.  A bad value gives exactly one line on stderr and exit status 2;
# a good one runs the program normally.

bats_require_minimum_version 1.5.0

load launcher_helpers

setup() {
    launcher_setup
    use_built_library
}

stack_msg() {
    echo "greenrun: GREENRUN_STACK_SIZE=$1 is not valid: expected a size from 16k to 1g, such as 64k, 256k or 1m"
}

monitor_msg() {
    echo "greenrun: GREENRUN_MONITOR_MS=$1 is not valid: expected a whole number of milliseconds from 1 to 3600000"
}

debug_msg() {
    echo "greenrun: GREENRUN_DEBUG=$1 is not valid: expected 0 or 1"
}

stats_msg() {
    echo "greenrun: GREENRUN_STATS=$1 is not valid: expected 0, 1 (stderr) or the path of a file to write"
}

failures=0

# refused MESSAGE COMMAND...: checks that COMMAND, which would print "ran",
# exits 2 with MESSAGE as its whole stderr and prints nothing.  It notes a
# failure and carries on, so that one run reports every bad value.
refused() {
    local msg=$1
    shift
    run --separate-stderr "$@"
    if [ "$status" -ne 2 ] || [ "$stderr" != "$msg" ] ||
        [ "${#stderr_lines[@]}" -ne 1 ] || [ -n "$output" ]; then
        printf 'FAIL: %s\n  status %s (expected 2)\n  stdout %q\n' \
            "$*" "$status" "$output" >&2
        printf '  stderr   %q\n  expected %q\n' "$stderr" "$msg" >&2
        failures=$((failures + 1))
    fi
}

# accepted COMMAND...: checks that COMMAND exits 0 and prints "ran".
# Unless $quiet is 0, its stderr must be empty too: a valid value alone
# makes the library print nothing.
accepted() {
    run --separate-stderr "$@"
    if [ "$status" -ne 0 ] || [ "$output" != ran ] ||
        { [ "${quiet:-1}" = 1 ] && [ -n "$stderr" ]; }; then
        printf 'FAIL: %s\n  status %s (expected 0)\n  stdout %q\n  stderr %q\n' \
            "$*" "$status" "$output" "$stderr" >&2
        failures=$((failures + 1))
    fi
}

ran=(sh -c 'echo ran')

@test "bad GREENRUN_STACK_SIZE values stop the program before main" {
    # 18014398509482048k and 17592186044480m wrap around to 64k and 64m
    # in 64 bits: they catch a multiplication that overflows.
    for v in abc 1 99T 0 -5 12kb 15k 16383 2g 1025m 1073741825 1.5m \
        k 64kk 99999999999999999999 18014398509482048k 17592186044480m; do
        refused "$(stack_msg "$v")" env GREENRUN_STACK_SIZE="$v" \
            "$greenrun" "${ran[@]}"
    done
    [ "$failures" -eq 0 ]
}

@test "bad --stack-size values stop the program before main" {
    refused "$(stack_msg 99T)" "$greenrun" --stack-size 99T "${ran[@]}"
    refused "$(stack_msg abc)" "$greenrun" --stack-size=abc "${ran[@]}"
    refused "$(stack_msg 0)" "$greenrun" --stack-size 0 "${ran[@]}"
    [ "$failures" -eq 0 ]
}

@test "bad GREENRUN_MONITOR_MS values stop the program before main" {
    # 4294967297 is 2^32 + 1: it catches a value kept in 32 bits.
    for v in abc 0 -5 3600001 1.5 10ms 4294967297 99999999999999999999; do
        refused "$(monitor_msg "$v")" env GREENRUN_MONITOR_MS="$v" \
            "$greenrun" "${ran[@]}"
    done
    [ "$failures" -eq 0 ]
}

@test "bad --monitor values stop the program before main" {
    refused "$(monitor_msg 0)" "$greenrun" --monitor 0 "${ran[@]}"
    refused "$(monitor_msg abc)" "$greenrun" --monitor=abc "${ran[@]}"
    [ "$failures" -eq 0 ]
}

@test "bad GREENRUN_DEBUG values stop the program before main" {
    for v in 2 yes true abc -1 10; do
        refused "$(debug_msg "$v")" env GREENRUN_DEBUG="$v" \
            "$greenrun" "${ran[@]}"
    done
    [ "$failures" -eq 0 ]
}

@test "a GREENRUN_STATS file that cannot be written stops the program" {
    for v in "$BATS_TEST_TMPDIR/no/such/dir/s.txt" "$BATS_TEST_TMPDIR"; do
        refused "$(stats_msg "$v")" env GREENRUN_STATS="$v" \
            "$greenrun" "${ran[@]}"
    done
    v=$BATS_TEST_TMPDIR/no/such/dir/s.txt
    refused "$(stats_msg "$v")" "$greenrun" --stats="$v" "${ran[@]}"
    [ "$failures" -eq 0 ]
}

@test "a long bad value is still reported whole, on one line" {
    long=$(printf 'x%.0s' {1..600})
    refused "$(stack_msg "$long")" env GREENRUN_STACK_SIZE="$long" \
        "$greenrun" "${ran[@]}"
    path=$BATS_TEST_TMPDIR/no/such/dir/$long
    refused "$(stats_msg "$path")" env GREENRUN_STATS="$path" \
        "$greenrun" "${ran[@]}"
    [ "$failures" -eq 0 ]
}

@test "bad values are refused without the launcher too" {
    # The library validates on its own: plain LD_PRELOAD gives the same line.
    # The launcher's list and ASan options are reused because a sanitizer
    # build needs libasan preloaded too.
    preload=$("$greenrun" sh -c 'echo $LD_PRELOAD')
    asan_options=$("$greenrun" sh -c 'echo "${ASAN_OPTIONS:-}"')
    [[ $preload == *libgreenrun.so* ]]
    refused "$(stack_msg abc)" env LD_PRELOAD="$preload" \
        ASAN_OPTIONS="$asan_options" GREENRUN_STACK_SIZE=abc "${ran[@]}"
    refused "$(debug_msg 2)" env LD_PRELOAD="$preload" \
        ASAN_OPTIONS="$asan_options" GREENRUN_DEBUG=2 "${ran[@]}"
    [ "$failures" -eq 0 ]
}

@test "good stack sizes run the program normally" {
    for v in 64k 1m 65536 1G 16k 16384 256K 1M 1g 1024m 1073741824; do
        accepted env GREENRUN_STACK_SIZE="$v" "$greenrun" "${ran[@]}"
    done
    accepted "$greenrun" --stack-size 64k "${ran[@]}"
    accepted "$greenrun" --stack-size=1m "${ran[@]}"
    [ "$failures" -eq 0 ]
}

@test "good monitor periods run the program normally" {
    for v in 1 100 3600000; do
        accepted env GREENRUN_MONITOR_MS="$v" "$greenrun" "${ran[@]}"
    done
    accepted "$greenrun" --monitor 100 "${ran[@]}"
    accepted "$greenrun" --monitor=100 "${ran[@]}"
    [ "$failures" -eq 0 ]
}

# accepted_switch VAR FLAG: VAR=0 runs the program quietly; VAR=1 and FLAG
# run it too (the setting may then print on stderr).
accepted_switch() {
    accepted env "$1=0" "$greenrun" "${ran[@]}"
    quiet=0 accepted env "$1=1" "$greenrun" "${ran[@]}"
    quiet=0 accepted "$greenrun" "$2" "${ran[@]}"
}

@test "good debug values run the program normally" {
    accepted_switch GREENRUN_DEBUG --debug
    [ "$failures" -eq 0 ]
}

@test "good stats values run the program normally" {
    accepted_switch GREENRUN_STATS --stats
    # Stats for a file go to the file, not to stderr.
    accepted "$greenrun" --stats="$BATS_TEST_TMPDIR/s.txt" "${ran[@]}"
    [ "$failures" -eq 0 ]
    [ -f "$BATS_TEST_TMPDIR/s.txt" ]
}

@test "empty values count as unset" {
    for var in GREENRUN_STACK_SIZE GREENRUN_MONITOR_MS GREENRUN_DEBUG \
        GREENRUN_STATS; do
        accepted env "$var=" "$greenrun" "${ran[@]}"
    done
    [ "$failures" -eq 0 ]
}

@test "a threaded program gives its native output under good values" {
    sleepers=$GREENRUN_BUILD/fixtures/sleepers
    native=$("$sleepers" 20 1)
    run --separate-stderr "$greenrun" --stack-size 64k --monitor 1000 \
        --stats="$BATS_TEST_TMPDIR/s.txt" "$sleepers" 20 1
    [ "$status" -eq 0 ]
    expect_eq stdout "$native" "$output"
    expect_eq stderr "" "$stderr"
}
