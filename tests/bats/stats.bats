#!/usr/bin/env bats
# Feature: the stats report (--stats[=PATH], GREENRUN_STATS).  At exit a
# program under greenrun prints one line
#   greenrun: stats: pid P: N green threads (peak M alive), S switches,
#   K parks (F on fds, T with a timeout), ... E monitor events[, ...]
# on stderr, or appends it to PATH; exactly once per process, whether it
# ends by returning from main, exit() or _exit(); nothing without the
# setting.  The program's own output is unchanged.

load helpers

setup() {
    greenrun_setup
    require_fixtures procs
}

teardown() {
    greenrun_teardown
}

# The stable head of the line: pid, threads, peak, switches, parks, fds,
# timeouts (BASH_REMATCH 1..7), and the monitor events (8) further on.
STATS_RE='^greenrun: stats: pid ([0-9]+): ([0-9]+) green threads \(peak ([0-9]+) alive\), ([0-9]+) switches, ([0-9]+) parks \(([0-9]+) on fds, ([0-9]+) with a timeout\), .*[ ,]([0-9]+) monitor events(,.*)?$'

# stats_lines FILE: the stats lines in FILE.
stats_lines() {
    grep 'greenrun: stats' "$1" || true
}

# one_stats_line FILE: FILE holds exactly one stats line, and it is well
# formed; its fields are left in BASH_REMATCH.
one_stats_line() {
    local line
    line=$(stats_lines "$1")
    echo "stats: $line"
    assert_equal "$(grep -c . <<<"$line")" 1 "number of stats lines" ||
        return 1
    [[ $line =~ $STATS_RE ]] || {
        echo "malformed stats line: $line"
        return 1
    }
}

@test "--stats: sleepers 100 10 reports 101 green threads (peak 101 alive) once, at exit" {
    start_bg sleepers "$GREENRUN" --stats -- "$FIXTURES/sleepers" 100 10
    wait_bg "$BG_PID" 30
    run_to sleepers.native native "$FIXTURES/sleepers" 100 10
    echo "--- stderr:"
    cat "$BATS_TEST_TMPDIR/sleepers.err"
    assert_equal "$BG_STATUS" 0 "exit status under greenrun"
    assert_equal "$(<"$BATS_TEST_TMPDIR/sleepers.out")" \
        "$(<"$BATS_TEST_TMPDIR/sleepers.native.out")" "stdout vs native"
    assert_equal "$(<"$BATS_TEST_TMPDIR/sleepers.out")" \
        "started 100 threads, 100 woke" "stdout"
    # The stats line is all there is on stderr.
    assert_equal "$(grep -vc 'greenrun: stats' "$BATS_TEST_TMPDIR/sleepers.err")" \
        0 "other lines on stderr"
    one_stats_line "$BATS_TEST_TMPDIR/sleepers.err"
    # The launcher execs the program: the pid is the one started.
    assert_equal "${BASH_REMATCH[1]}" "$BG_PID" "pid in the report"
    assert_equal "${BASH_REMATCH[2]}" 101 "green threads"
    assert_equal "${BASH_REMATCH[3]}" 101 "peak alive"
    # Each sleeper parks at least once on a timeout and is switched to.
    [ "${BASH_REMATCH[4]}" -ge 100 ]
    [ "${BASH_REMATCH[5]}" -ge 100 ]
    [ "${BASH_REMATCH[7]}" -ge 100 ]
    assert_equal "${BASH_REMATCH[8]}" 0 "monitor events"
}

@test "--stats=FILE: the line goes to the file, nothing to stderr" {
    local file=$BATS_TEST_TMPDIR/stats.txt

    run_to sleepers native "$GREENRUN" --stats="$file" -- \
        "$FIXTURES/sleepers" 100 10
    assert_equal "$(transcript sleepers)" "started 100 threads, 100 woke
exit=0" "output"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/sleepers.err")" "" "stderr"
    [ -f "$file" ]
    assert_equal "$(wc -l <"$file")" 1 "lines in the file"
    one_stats_line "$file"
    assert_equal "${BASH_REMATCH[2]}" 101 "green threads"
}

@test "GREENRUN_STATS=PATH appends one line per process (a shell and its child)" {
    local file=$BATS_TEST_TMPDIR/stats.txt pids

    echo "an earlier line" >"$file"
    GREENRUN_STATS=$file run_to sh greenrun /bin/sh -c '/bin/true; echo hi'
    assert_equal "$(transcript sh)" "hi
exit=0" "output"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/sh.err")" "" "stderr"
    cat "$file"
    assert_equal "$(head -n 1 "$file")" "an earlier line" "kept first line"
    assert_equal "$(grep -Ec "${STATS_RE:1}" "$file")" 2 "stats lines"
    pids=$(sed -n 's/^greenrun: stats: pid \([0-9]*\):.*/\1/p' "$file" |
        sort -u | wc -l)
    assert_equal "$pids" 2 "distinct pids"
}

@test "without --stats nothing is reported" {
    run_to sleepers greenrun "$FIXTURES/sleepers" 100 10
    assert_equal "$(transcript sleepers)" "started 100 threads, 100 woke
exit=0" "output"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/sleepers.err")" "" "stderr"
}

@test "a program ending with _exit reports once" {
    run_to procs native "$GREENRUN" --stats -- "$FIXTURES/procs" _exit
    assert_equal "$(transcript procs)" "leaving with _exit(4)
exit=4" "output and status"
    one_stats_line "$BATS_TEST_TMPDIR/procs.err"
    assert_equal "${BASH_REMATCH[2]}" 1 "green threads"
}

@test "sh -c 'echo hi' (dash exits with _exit) reports once" {
    run_to sh native "$GREENRUN" --stats -- /bin/sh -c 'echo hi'
    assert_equal "$(transcript sh)" "hi
exit=0" "output and status"
    one_stats_line "$BATS_TEST_TMPDIR/sh.err"
    assert_equal "${BASH_REMATCH[2]}" 1 "green threads"
    assert_equal "${BASH_REMATCH[3]}" 1 "peak alive"
}
