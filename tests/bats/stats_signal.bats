#!/usr/bin/env bats
# Feature: --stats reports a program that a signal ends.  SIGTERM, SIGINT,
# SIGHUP and SIGPIPE end a program that keeps their default action without
# running atexit handlers; under --stats the report is printed first, and
# the program still dies of the signal (same exit status as natively).
# The program sees SIG_DFL for them through sigaction, exactly as
# natively, and a handler it installs runs as natively.

load helpers

setup() {
    greenrun_setup
    require_fixtures fatal_signal
}

teardown() {
    greenrun_teardown
}

STATS_RE='^greenrun: stats: pid ([0-9]+): ([0-9]+) green threads \(peak ([0-9]+) alive\), '

# kill_when_ready NAME SIG CMD...: start CMD (stdout in NAME.out), wait
# for it to print "ready", send SIG and wait for the end; sets BG_STATUS.
# A watchdog kills CMD should it hang.
kill_when_ready() {
    local name=$1 sig=$2 i
    shift 2
    start_bg "$name" timeout -s KILL "$CMD_TIMEOUT" "$@"
    for ((i = 0; i < 200; i++)); do
        grep -q '^ready$' "$BATS_TEST_TMPDIR/$name.out" && break
        sleep 0.05
    done
    grep -q '^ready$' "$BATS_TEST_TMPDIR/$name.out" || {
        echo "$name never said ready"
        return 1
    }
    # timeout's child is the program (the launcher execs it).
    kill "-$sig" "$(pgrep -P "$BG_PID")"
    wait_bg "$BG_PID" "$CMD_TIMEOUT"
}

# stats_line_count FILE: how many stats lines FILE holds.
stats_line_count() {
    grep -cE "$STATS_RE" "$1" || true
}

@test "--stats: a threaded program killed with SIGTERM reports, then dies of SIGTERM" {
    kill_when_ready native TERM "$FIXTURES/fatal_signal" wait
    local native=$BG_STATUS
    kill_when_ready green TERM "$GREENRUN" --stats -- \
        "$FIXTURES/fatal_signal" wait
    cat "$BATS_TEST_TMPDIR/green.err"
    assert_equal "$native" 143 "native status (128 + SIGTERM)"
    assert_equal "$BG_STATUS" "$native" "status under greenrun"
    assert_equal "$(<"$BATS_TEST_TMPDIR/green.out")" \
        "$(<"$BATS_TEST_TMPDIR/native.out")" "stdout"
    assert_equal "$(stats_line_count "$BATS_TEST_TMPDIR/green.err")" 1 \
        "stats lines"
    # The main thread and the 4 readers.
    [[ $(<"$BATS_TEST_TMPDIR/green.err") =~ $STATS_RE ]]
    assert_equal "${BASH_REMATCH[2]}" 5 "green threads"
}

@test "--stats=FILE: SIGHUP reports to the file; SIGINT that the program set back to SIG_DFL too" {
    local file=$BATS_TEST_TMPDIR/stats.txt
    kill_when_ready hup HUP "$GREENRUN" --stats="$file" -- \
        "$FIXTURES/fatal_signal" wait
    assert_equal "$BG_STATUS" 129 "status (128 + SIGHUP)"
    assert_equal "$(stats_line_count "$file")" 1 "stats lines after SIGHUP"
    # A background job starts with SIGINT ignored; the program makes it
    # SIG_DFL again, and is reported when it dies of it.
    kill_when_ready int INT "$GREENRUN" --stats="$file" -- \
        "$FIXTURES/fatal_signal" wait --default 2
    assert_equal "$BG_STATUS" 130 "status (128 + SIGINT)"
    assert_equal "$(stats_line_count "$file")" 2 "stats lines after SIGINT"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/hup.err" "$BATS_TEST_TMPDIR/int.err")" \
        "" "stderr"
}

@test "--stats: a program with its own SIGTERM handler runs it and reports once, at exit" {
    kill_when_ready native TERM "$FIXTURES/fatal_signal" handler
    local native=$BG_STATUS
    kill_when_ready green TERM "$GREENRUN" --stats -- \
        "$FIXTURES/fatal_signal" handler
    assert_equal "$native" 0 "native status"
    assert_equal "$BG_STATUS" 0 "status under greenrun"
    assert_equal "$(<"$BATS_TEST_TMPDIR/green.out")" "ready
threads done" "stdout"
    assert_equal "$(<"$BATS_TEST_TMPDIR/native.out")" "ready
threads done" "native stdout"
    assert_equal "$(stats_line_count "$BATS_TEST_TMPDIR/green.err")" 1 \
        "stats lines"
}

@test "--stats: sigaction shows the program SIG_DFL, flags and mask as natively" {
    run_killed show.native native "$FIXTURES/fatal_signal" show
    run_killed show.green native "$GREENRUN" --stats -- \
        "$FIXTURES/fatal_signal" show
    assert_same_transcript show.native show.green
    grep -q 'at start: Terminated: default' "$BATS_TEST_TMPDIR/show.native.out"
}

@test "without --stats a program killed with SIGTERM prints nothing" {
    kill_when_ready green TERM "$GREENRUN" -- "$FIXTURES/fatal_signal" wait
    assert_equal "$BG_STATUS" 143 "status"
    assert_equal "$(<"$BATS_TEST_TMPDIR/green.err")" "" "stderr"
}
