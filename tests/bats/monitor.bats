#!/usr/bin/env bats
# Feature: the blocking monitor (--monitor MS, GREENRUN_MONITOR_MS).  A
# green thread that holds the OS thread longer than MS while other green
# threads exist is reported on stderr, with its id, its name and its last
# hooked call, and again when it lets go; a program that keeps yielding, or
# has nothing to starve, is never reported.  The program's own output is
# unchanged.

load helpers
load programs_helpers

setup() {
    greenrun_setup
    # The spinner computes in its own code: with time slices it would be
    # preempted, and never reported.  These tests are about the monitor of
    # a cooperative scheduler; preempt.bats has the preemptive case.
    export GREENRUN_SLICE_MS=0
    # A hold matters to the threads that share the holder's OS thread:
    # these tests put every thread on one (with several workers the
    # spinner and the sleeper would each have one of their own).
    export GREENRUN_WORKERS=1
    require_fixtures spinner term_held
}

teardown() {
    greenrun_teardown
}

HELD_RE='^greenrun: monitor: green thread ([0-9]+)( \(([^)]*)\))? has held the OS thread for ([0-9]+) ms \(last hooked call: ([^)]+)\)$'
GONE_RE='^greenrun: monitor: green thread ([0-9]+) let the OS thread go after ([0-9]+) ms$'

# monitor_lines FILE: the monitor's lines in FILE.
monitor_lines() {
    grep 'monitor' "$1" || true
}

@test "monitor: a spinning thread is named, with its last hooked call, and let go" {
    local err held gone

    run_to spinner.native native "$FIXTURES/spinner" 300
    run_to spinner.greenrun native "$GREENRUN" --monitor 100 -- \
        "$FIXTURES/spinner" 300
    assert_same_transcript spinner.native spinner.greenrun

    err=$BATS_TEST_TMPDIR/spinner.greenrun.err
    echo "--- stderr under greenrun:"
    cat "$err"
    held=$(grep 'has held the OS thread' "$err" || true)
    gone=$(grep 'let the OS thread go' "$err" || true)
    assert_equal "$(grep -c . <<<"$held")" 1 "number of 'has held' lines"
    assert_equal "$(grep -c . <<<"$gone")" 1 "number of 'let go' lines"
    [[ $held =~ $HELD_RE ]] || {
        echo "malformed line: $held"
        return 1
    }
    local id=${BASH_REMATCH[1]}
    assert_equal "${BASH_REMATCH[3]}" spinner "thread name in the report"
    assert_equal "${BASH_REMATCH[5]}" usleep "last hooked call"
    [ "${BASH_REMATCH[4]}" -ge 100 ]
    [[ $gone =~ $GONE_RE ]] || {
        echo "malformed line: $gone"
        return 1
    }
    assert_equal "${BASH_REMATCH[1]}" "$id" "id of the thread that let go"
    [ "${BASH_REMATCH[2]}" -ge 100 ]
    # The "has held" report comes before the "let go" one.
    [[ $(monitor_lines "$err") == *"has held"*"let the OS thread go"* ]]
}

@test "monitor: the report is counted in the stats line" {
    local err

    run_to spinner native "$GREENRUN" --monitor 100 --stats -- \
        "$FIXTURES/spinner" 300
    err=$BATS_TEST_TMPDIR/spinner.err
    cat "$err"
    assert_equal "$(<"$BATS_TEST_TMPDIR/spinner.status")" 0 "exit status"
    grep -Eq '^greenrun: stats: .*, 1 monitor events($|,)' "$err"
}

@test "monitor: GREENRUN_MONITOR_MS in the environment works like --monitor" {
    local err

    GREENRUN_MONITOR_MS=100 run_to spinner greenrun "$FIXTURES/spinner" 300
    err=$BATS_TEST_TMPDIR/spinner.err
    cat "$err"
    assert_equal "$(<"$BATS_TEST_TMPDIR/spinner.status")" 0 "exit status"
    grep -q 'green thread [0-9]* (spinner) has held the OS thread' "$err"
}

@test "monitor: a hold shorter than the threshold is not reported" {
    run_to spinner native "$GREENRUN" --monitor 1000 -- \
        "$FIXTURES/spinner" 300
    cat "$BATS_TEST_TMPDIR/spinner.err"
    assert_equal "$(<"$BATS_TEST_TMPDIR/spinner.status")" 0 "exit status"
    assert_equal "$(monitor_lines "$BATS_TEST_TMPDIR/spinner.err")" "" \
        "monitor lines"
    grep -q '^spinner spun for 300 ms$' "$BATS_TEST_TMPDIR/spinner.out"
}

@test "monitor: a thread with no other thread to starve is not reported" {
    run_to spinner native "$GREENRUN" --monitor 100 -- \
        "$FIXTURES/spinner" 300 alone
    cat "$BATS_TEST_TMPDIR/spinner.err"
    assert_equal "$(<"$BATS_TEST_TMPDIR/spinner.status")" 0 "exit status"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/spinner.out")" \
        "main spun for 300 ms" "output"
    assert_equal "$(monitor_lines "$BATS_TEST_TMPDIR/spinner.err")" "" \
        "monitor lines"
}

@test "monitor: echo_server under load (200 connections x 64 KiB) is never reported" {
    local line

    GREENRUN_MONITOR_MS=100 start_server server greenrun echo_server
    assert_greenrun_process "$SERVER_PID" echo_server
    run timeout -k 5 60 "$FIXTURES/echo_client" --port "$SERVER_PORT" \
        --conns 200 --bytes 65536
    echo "echo_client (status $status): $output"
    [ "$status" -eq 0 ]
    line=$output
    [[ $line == "conns=200 bytes_sent=13107200 bytes_received=13107200 mismatches=0 "* ]]
    # The server got the setting (that it takes effect from the
    # environment is the test above).
    tr '\0' '\n' <"/proc/$SERVER_PID/environ" |
        grep -qx 'GREENRUN_MONITOR_MS=100'
    stop_bg
    echo "--- server stderr:"
    cat "$BATS_TEST_TMPDIR/server.err"
    assert_equal "$(monitor_lines "$BATS_TEST_TMPDIR/server.err")" "" \
        "monitor lines of echo_server"
}

@test "monitor: a forked child's spinning thread is reported too" {
    local err

    run_to spinner.native native "$FIXTURES/spinner" 300 forked
    run_to spinner.greenrun native "$GREENRUN" --monitor 100 -- \
        "$FIXTURES/spinner" 300 forked
    assert_same_transcript spinner.native spinner.greenrun
    err=$BATS_TEST_TMPDIR/spinner.greenrun.err
    echo "--- stderr under greenrun:"
    cat "$err"
    grep -Eq '^greenrun: monitor: green thread [0-9]+ \(spinner\) has held the OS thread for [0-9]+ ms \(last hooked call: usleep\)$' "$err"
    grep -q 'let the OS thread go' "$err"
}

@test "monitor: forking at once, while the monitor thread is still starting, never leaves the child stuck" {
    local i out expected="a chain of 2 forks ended with status 0"

    # The monitor thread starts in the constructor, and fork_chain forks
    # first thing in main.  A lock the starting thread held at that moment
    # (an allocator's, with AddressSanitizer's allocator, which does not
    # prepare for fork) would stay held in the child for ever.  One run in
    # fifty or so used to catch it: run it 200 times.
    [ -x "$FIXTURES/fork_chain" ] || {
        echo "fixture missing: $FIXTURES/fork_chain"
        return 1
    }
    for ((i = 0; i < 200; i++)); do
        out=$(timeout -s KILL 20 "$GREENRUN" --monitor 100 -- \
            "$FIXTURES/fork_chain" 2 2>&1) || {
            echo "run $i: status $?: $out"
            return 1
        }
        assert_equal "$out" "$expected" "run $i"
    done
}

# start_term_held NAME MODE ARGS...: start term_held (natively, or under
# greenrun with --monitor 100) in the background and wait until its worker
# is about to block.  Sets TERM_PID, the program's own pid.
start_term_held() {
    local name=$1 mode=$2
    shift 2
    if [ "$mode" = native ]; then
        start_bg "$name" timeout -s KILL 60 "$FIXTURES/term_held" "$@"
    else
        start_bg "$name" timeout -s KILL 60 "$GREENRUN" --monitor 100 -- \
            "$FIXTURES/term_held" "$@"
    fi
    wait_for_line "$BATS_TEST_TMPDIR/$name.out" '^blocking$' 10 "$BG_PID"
    TERM_PID=$(pgrep -P "$BG_PID")
    [ -n "$TERM_PID" ]
}

UNHEEDED_RE='^greenrun: SIGTERM arrived [0-9]+\.[0-9] s ago but green thread [0-9]+ \(worker\) has held the OS thread since, inside flock\(\); the program cannot act on it until that call returns \(kill -KILL ([0-9]+) ends it\)$'

@test "monitor: SIGTERM handled while a thread holds the OS thread in flock: one line says so, naming the thread, its call and kill -KILL" {
    local lock=$BATS_TEST_TMPDIR/lock err=$BATS_TEST_TMPDIR/held.err

    # Natively the program stops on SIGTERM, the stuck thread with it.
    start_term_held native native "$lock"
    kill -TERM "$TERM_PID"
    wait_bg "$BG_PID" 10
    assert_equal "$BG_STATUS" 0 "native exit status"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/native.out")" \
        $'blocking\nmain: stopping on SIGTERM' "native output"

    # Under greenrun the flock holds the OS thread: main never runs again.
    start_term_held held greenrun "$lock"
    kill -TERM "$TERM_PID"
    wait_for_line "$err" '^greenrun: SIGTERM' 10 "$BG_PID"
    echo "--- stderr under greenrun:"
    cat "$err"
    [[ $LINE =~ $UNHEEDED_RE ]] || {
        echo "malformed line: $LINE"
        return 1
    }
    assert_equal "${BASH_REMATCH[1]}" "$TERM_PID" "pid to kill"
    proc_alive "$TERM_PID"
    # Each signal gets its line.
    kill -TERM "$TERM_PID"
    for ((i = 0; i < 200; i++)); do
        [ "$(grep -c '^greenrun: SIGTERM' "$err")" -ge 2 ] && break
        sleep 0.05
    done
    assert_equal "$(grep -cE "$UNHEEDED_RE" "$err")" 2 "lines after two signals"
    kill -KILL "$TERM_PID"
    wait "$BG_PID" 2>/dev/null || true
}

@test "monitor: SIGTERM handled while the other thread sleeps (parked): the program stops as natively, and nothing is said" {
    local lock=$BATS_TEST_TMPDIR/lock mode

    for mode in native greenrun; do
        start_term_held "$mode" "$mode" "$lock" sleep
        kill -TERM "$TERM_PID"
        wait_bg "$BG_PID" 10
        assert_equal "$BG_STATUS" 0 "exit status ($mode)"
        assert_equal "$(cat "$BATS_TEST_TMPDIR/$mode.out")" \
            $'blocking\nmain: stopping on SIGTERM' "output ($mode)"
    done
    cat "$BATS_TEST_TMPDIR/greenrun.err"
    assert_equal "$(grep -c 'SIGTERM' "$BATS_TEST_TMPDIR/greenrun.err")" 0 \
        "lines about SIGTERM"
}
