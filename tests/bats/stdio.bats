#!/usr/bin/env bats
# Feature: stdio on pipes.  glibc's fgets()/fread() read through glibc's
# own internal read(), past every hook.  With the syscall trap (the
# default) that read parks the green thread like any other, so the monitor
# has nothing to report; without it (GREENRUN_SYSCALL_TRAP=0) a green
# thread blocked in fgets() on a pipe holds the one OS thread, still reads
# the right data, and the monitor makes the hold visible: "green thread 1
# has held the OS thread ..." while the other thread is starved, then "let
# the OS thread go".  And getc, which glibc locks once the process has
# threads: greenrun's first thread turns the locks on as glibc's
# pthread_create does.

load helpers

setup() {
    greenrun_setup
    require_fixtures stdio_pipe getc_shared
}

teardown() {
    greenrun_teardown
}

EXPECTED="fgets read: a line from the child
then end of file
child exit status: 0
ticker slept 10 of 10 times
exit=0"

@test "fgets on a pipe reads what natively reads" {
    assert_same_as_native stdio "$FIXTURES/stdio_pipe" 400
    assert_equal "$(transcript stdio.native)" "$EXPECTED" "native output"
    # No setting asked for reports: stderr stays empty.
    assert_equal "$(cat "$BATS_TEST_TMPDIR/stdio.greenrun.err")" "" \
        "stderr under greenrun"
}

@test "with the syscall trap, fgets blocked on a pipe parks: the monitor has nothing to report" {
    skip_under_valgrind
    require_syscall_trap
    local err=$BATS_TEST_TMPDIR/stdio.err

    GREENRUN_TLS=private run_to stdio native "$GREENRUN" --monitor 100 \
        --stats -- "$FIXTURES/stdio_pipe" 400
    assert_equal "$(transcript stdio)" "$EXPECTED" "output under greenrun"
    if grep 'has held the OS thread' "$err"; then
        echo "the monitor reported a hold: fgets did not park"
        return 1
    fi
    grep -Eq '^greenrun: stats: pid [0-9]+: 2 green threads .*, 0 monitor events($|,)' "$err"
}

@test "without the syscall trap, fgets blocked on a pipe is reported by the monitor, and so is its end" {
    skip_under_valgrind
    local err held gone

    # One worker: the reader blocks the OS thread its writer shares.
    GREENRUN_WORKERS=1 GREENRUN_SYSCALL_TRAP=0 run_to stdio native \
        "$GREENRUN" --monitor 100 --stats -- "$FIXTURES/stdio_pipe" 400
    err=$BATS_TEST_TMPDIR/stdio.err
    echo "--- stderr:"
    cat "$err"
    assert_equal "$(transcript stdio)" "$EXPECTED" "output under greenrun"
    held=$(grep 'has held the OS thread' "$err" || true)
    gone=$(grep 'let the OS thread go' "$err" || true)
    # main, adopted as green thread 1 (named after the process, as its OS
    # thread is), is the one in fgets().
    [[ $held =~ ^greenrun:\ monitor:\ green\ thread\ 1(\ \(stdio_pipe\))?\ has\ held\ the\ OS\ thread\ for\ [0-9]+\ ms\ \(last\ hooked\ call:\ [^\)]+\)$ ]] || {
        echo "no 'has held' line for green thread 1"
        return 1
    }
    [[ $gone =~ ^greenrun:\ monitor:\ green\ thread\ 1\ let\ the\ OS\ thread\ go\ after\ [0-9]+\ ms$ ]] || {
        echo "no 'let go' line for green thread 1"
        return 1
    }
    # The parent's stats line (the one with the ticker's parks) counts it.
    grep -Eq '^greenrun: stats: pid [0-9]+: 2 green threads \(peak 2 alive\), [0-9]+ switches, [1-9][0-9]* parks .*, 1 monitor events($|,)' "$err"
}

@test "getc of two threads on one stream: the second waits for the first's lock, then takes the next character, as natively" {
    # The first getc waits in glibc's own read: parked by the trap, with
    # a thread descriptor of its own that the stream's lock names.
    require_syscall_trap
    GREENRUN_TLS=private assert_prints_same getc \
        "the threads read x and y" "$FIXTURES/getc_shared"
}
