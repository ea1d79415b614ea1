#!/usr/bin/env bats
# Feature: greenrun's gdb extension (scripts/greenrun-gdb.py).  gdb, in
# batch mode, attaches to the fixture `parked` under greenrun, whose six
# green threads all wait: `info green-threads` must list each with its
# state and the program's function that waits, and `green-thread ID bt`
# must show each one's backtrace down to that function.  The program must
# be none the worse after gdb detaches: the extension puts the registers
# it borrowed back.

load helpers

setup() {
    greenrun_setup
    skip_under_valgrind
    skip_under_sanitizer "gdb moves the registers of threads ASan watches"
    command -v gdb >/dev/null || {
        echo "gdb is missing (make deps installs it)"
        return 1
    }
    require_fixtures parked
}

teardown() {
    greenrun_teardown
}

SCRIPT=$BATS_TEST_DIRNAME/../../scripts/greenrun-gdb.py

# in_gdb COMMAND...: run the gdb commands attached to the fixture; the
# output is in $output.  Skips if this machine forbids ptrace.
in_gdb() {
    local -a ex=()
    local c
    for c in "$@"; do
        ex+=(-ex "$c")
    done
    run timeout -s KILL 120 gdb -p "$PARKED_PID" -batch -nx -x "$SCRIPT" \
        "${ex[@]}"
    if [[ "$output" == *"ptrace: Operation not permitted"* ]]; then
        skip "ptrace is not permitted here"
    fi
}

@test "gdb: info green-threads lists every green thread with its state and the function that waits" {
    start_parked
    in_gdb "info green-threads"
    echo "$output"
    [[ "$output" == *"(the hub is waiting for events)"* ]]
    grep -Eq '^  1 "[^"]*" +parked joining green thread 4 "reader", in pthread_join, from main \(parked\.c:[0-9]+\)$' <<<"$output"
    grep -Eq '^  2 "holder" +parked in wait queue 0x[0-9a-f]+, [0-9.]+ s left, in pthread_cond_timedwait, from holder_main \(parked\.c:[0-9]+\)$' <<<"$output"
    grep -Eq '^  3 "locker" +parked locking mutex 0x[0-9a-f]+ held by green thread 2 "holder", in [a-z_]+, from locker_main \(parked\.c:[0-9]+\)$' <<<"$output"
    grep -Eq '^  4 "reader" +parked on fd [0-9]+ for read, in read, from reader_main \(parked\.c:[0-9]+\)$' <<<"$output"
    grep -Eq '^  5 "waiter" +parked in wait queue 0x[0-9a-f]+, in pthread_cond_wait, from waiter_main \(parked\.c:[0-9]+\)$' <<<"$output"
    grep -Eq '^  6 "sleeper" +sleeping, [0-9.]+ s left, in nanosleep, from sleeper_main \(parked\.c:[0-9]+\)$' <<<"$output"
}

@test "gdb: green-thread ID bt shows a parked thread's whole backtrace, and the program runs on" {
    start_parked
    in_gdb "green-thread 3 bt" "green-thread all bt"
    echo "$output"
    grep -q '^green thread 3 "locker": parked locking mutex' <<<"$output"
    # Every frame, from the switch to the thread's start.
    grep -Eq '^#0 +switch_to .* at sched/hub\.c:[0-9]+$' <<<"$output"
    grep -Eq '^#[0-9]+ +0x[0-9a-f]+ in locker_main .* at tests/fixtures/parked\.c:[0-9]+$' <<<"$output"
    grep -Eq '^#[0-9]+ +0x[0-9a-f]+ in green__trampoline \(\)' <<<"$output"
    local f
    for f in holder_main reader_main waiter_main sleeper_main 'main '; do
        grep -Eq "^#[0-9]+ +0x[0-9a-f]+ in $f" <<<"$output" || {
            echo "no frame of $f"
            return 1
        }
    done
    grep -Eq '^#[0-9]+ +0x[0-9a-f]+ in pthread_cond_wait \(' <<<"$output"
    # Detached and unharmed: it still answers, and its threads still wait
    # where they did.
    proc_alive "$PARKED_PID"
    kill -s RTMAX-2 "$PARKED_PID"
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q 'greenrun: end of dump' "$BATS_TEST_TMPDIR/parked.err" && break
        sleep 0.05
    done
    grep -q '^green thread 4 "reader": parked on fd [0-9]* for read, in read$' \
        "$BATS_TEST_TMPDIR/parked.err"
    proc_alive "$PARKED_PID"
}

@test "gdb: green-thread refuses an unknown id" {
    start_parked
    in_gdb "green-thread 99 bt"
    [[ "$output" == *"no green thread 99"* ]]
}
