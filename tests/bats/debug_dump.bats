#!/usr/bin/env bats
# Feature: the dump of every green thread (shim/debug.c) and the --debug
# lines.  The fixture `parked` leaves six green threads waiting, each on
# something else; the dump must name each one's state and show its
# backtrace, on SIGRTMAX-2 (the program runs on), on SIGQUIT (the program
# then dies of it, as natively) and at exit under --debug.

load helpers

setup() {
    greenrun_setup
    require_fixtures parked
}

teardown() {
    greenrun_teardown
}

# await_in FILE TEXT: wait (at most 10 s) until FILE has a line with TEXT.
await_in() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -qF -- "$2" "$1" && return 0
        sleep 0.05
    done
    echo "no \"$2\" in $1:"
    cat "$1"
    return 1
}

# assert_states FILE: every thread of the fixture, in id order, with what
# it waits for and the call it is in.
assert_states() {
    local f=$1
    grep -Eq '^green thread 1( "[^"]*")?: (parked joining green thread 4 "reader", in pthread_join|running)' "$f"
    grep -Eq '^green thread 2 "holder": parked in wait queue 0x[0-9a-f]+, [0-9]+\.[0-9]{3} s left, in pthread_cond_timedwait$' "$f"
    grep -Eq '^green thread 3 "locker": parked locking mutex 0x[0-9a-f]+ held by green thread 2 "holder"(, in pthread_mutex_lock)?$' "$f"
    grep -Eq '^green thread 4 "reader": parked on fd [0-9]+ for read, in read$' "$f"
    grep -Eq '^green thread 5 "waiter": parked in wait queue 0x[0-9a-f]+, in pthread_cond_wait$' "$f"
    grep -Eq '^green thread 6 "sleeper": sleeping, [0-9]+\.[0-9]{3} s left, in nanosleep$' "$f"
    [ "$(grep -c '^green thread ' "$f")" -eq 6 ]
}

# assert_frames FILE: the backtraces start at the call the program made
# and lead into the program, whose frames addr2line can name.
assert_frames() {
    local f=$1 off
    grep -Eq '^    #0 0x[0-9a-f]+ in pthread_cond_wait\+0x[0-9a-f]+ \(.*libgreenrun\.so\)$' "$f"
    off=$(sed -n '/^green thread 4 "reader"/,/^green thread 5/p' "$f" |
        sed -n 's/^    #1 0x[0-9a-f]* in .*\/parked+\(0x[0-9a-f]*\)$/\1/p')
    [ -n "$off" ]
    run addr2line -f -e "$FIXTURES/parked" "$off"
    [ "${lines[0]}" = reader_main ]
}

@test "debug: SIGRTMAX-2 prints every green thread's state and backtrace, and the program runs on" {
    start_parked
    kill -s RTMAX-2 "$PARKED_PID"
    local err=$BATS_TEST_TMPDIR/parked.err
    await_in "$err" "greenrun: end of dump"
    grep -Eq "^greenrun: dump of pid $PARKED_PID on SIGRTMAX-2: 6 green threads; the hubs? (is|are) waiting for events\$" "$err"
    assert_states "$err"
    assert_frames "$err"
    proc_alive "$PARKED_PID"
    # Again: the handler stays, and the program is none the worse.
    : >"$err"
    kill -s RTMAX-2 "$PARKED_PID"
    await_in "$err" "greenrun: end of dump"
    assert_states "$err"
    proc_alive "$PARKED_PID"
}

@test "debug: SIGQUIT prints the dump, then ends the program as natively" {
    start_parked
    kill -QUIT "$PARKED_PID"
    wait_bg "$BG_PID" 20
    [ "$BG_STATUS" -eq 131 ] # timeout reports death by SIGQUIT (128 + 3)
    local err=$BATS_TEST_TMPDIR/parked.err
    grep -q "^greenrun: dump of pid $PARKED_PID on SIGQUIT: 6 green threads" "$err"
    assert_states "$err"
}

@test "debug: --debug prints the dump at exit, with the exiting thread running" {
    run --separate-stderr timeout -s KILL 30 "$GREENRUN" --debug \
        "$FIXTURES/parked" exit
    [ "$status" -eq 0 ]
    [ "$output" = ready ]
    local err=$BATS_TEST_TMPDIR/exit.err
    printf '%s\n' "$stderr" >"$err"
    grep -q '^greenrun: dump of pid [0-9]* at exit: 6 green threads$' "$err"
    grep -Eq '^green thread 1( "[^"]*")?: running$' "$err"
    assert_states "$err"
}

@test "debug: without --debug nothing is printed at exit" {
    run --separate-stderr timeout -s KILL 30 "$GREENRUN" "$FIXTURES/parked" exit
    [ "$status" -eq 0 ]
    [ "$output" = ready ]
    [ -z "$stderr" ]
}

@test "debug: --debug says once how greenrun runs and what it could not enable" {
    run --separate-stderr timeout -s KILL 30 "$GREENRUN" --debug true
    [ "$status" -eq 0 ]
    local line
    for line in 'greenrun: mode: preloaded into pid [0-9]+ \([^)]*/true\), green threads on (one OS thread|[0-9]+ OS threads \(from the second thread on\)), stacks of 256 KiB, monitor off, stats off, file pool off$' \
        '^greenrun: event loop: libev [0-9]+\.[0-9]+ with epoll$' \
        '^greenrun: thread dump on SIGRTMAX-2: on \(kill -s RTMAX-2 PID\)$' \
        '^greenrun: thread dump on SIGQUIT: on \(then its default action\)$' \
        '^greenrun: thread dump at exit: on$' \
        '^greenrun: thread-local storage: '; do
        run grep -Ec "$line" <<<"$stderr"
        [ "$output" -eq 1 ] || {
            echo "expected once: $line; in:"
            echo "$stderr"
            return 1
        }
    done
    run --separate-stderr timeout -s KILL 30 env GREENRUN_MONITOR_MS=250 \
        GREENRUN_STATS=1 GREENRUN_FILE_POOL=1 "$GREENRUN" --debug true
    [[ "$stderr" == *", monitor every 250 ms, stats on, file pool on"* ]]
}

@test "debug: a program that starts with the signals ignored keeps them ignored" {
    run --separate-stderr timeout -s KILL 30 bash -c \
        "trap '' RTMAX-2 QUIT; exec \"\$0\" --debug true" "$GREENRUN"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"greenrun: thread dump on SIGRTMAX-2: off (the program started with it ignored)"* ]]
    [[ "$stderr" == *"greenrun: thread dump on SIGQUIT: off (the program started with it ignored or handled)"* ]]
}

@test "debug: the program still sees SIGQUIT's default action" {
    # sigaction shows SIG_DFL; the fixture of the stats tests prints it.
    run --separate-stderr timeout -s KILL 30 "$GREENRUN" -- python3 -c \
        'import signal; print(signal.getsignal(signal.SIGQUIT) == signal.SIG_DFL)'
    [ "$status" -eq 0 ]
    [ "$output" = True ]
}

@test "debug: greenrun --gdb-script names the extension" {
    run "$GREENRUN" --gdb-script
    [ "$status" -eq 0 ]
    [ -f "$output" ]
    [[ "$output" == */greenrun-gdb.py ]]
    run "$GREENRUN" --gdb-script=x
    [ "$status" -eq 2 ]
}
