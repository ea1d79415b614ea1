#!/usr/bin/env bats
# Feature: blocking system calls made below the hooks park their green
# thread too (hooks/trap.c, Syscall User Dispatch; GREENRUN_SYSCALL_TRAP):
# stdio reading a popen() stream or a socket, getline on a pipe, a raw
# syscall instruction, syscall(SYS_read), liburing's io_uring_wait_cqe.
# Every fixture prints the same natively and under greenrun, including
# whether another thread kept running while the call blocked.

load helpers

setup() {
    setup_requiring require_syscall_trap '*GREENRUN_SYSCALL_TRAP*'
}

teardown() {
    greenrun_teardown
}

# below CASE: below_hooks CASE natively and under greenrun, the same, and
# the ticker kept ticking.
below() {
    assert_same_as_native "$1" "$FIXTURES/below_hooks" "$1"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/$1.native.out")" \
        "$1: read hi"$'\n'"ticker kept ticking: yes" "native output"
}

@test "trap: fgets on a popen() stream parks; another thread keeps ticking" {
    below popen
}

@test "trap: getline on a pipe parks; the thread that feeds it runs" {
    below getline
}

@test "trap: syscall(SYS_read) on a socket parks" {
    below syscall
}

@test "trap: a raw syscall instruction reading a socket parks" {
    below asm
}

@test "trap: io_uring_wait_cqe (liburing) parks until the completion" {
    [ -x "$FIXTURES/uring_read" ] || skip "liburing-dev is not installed"
    assert_same_as_native uring "$FIXTURES/uring_read"
    grep -q "^ticker kept ticking: yes$" "$BATS_TEST_TMPDIR/uring.native.out"
}

@test "trap: signals: the program's SIGSYS handler, a thread blocking every signal, a handler with a full mask" {
    assert_same_as_native signals "$FIXTURES/trap_signals"
    grep -q "^own SIGSYS handler ran: 1 time(s)$" \
        "$BATS_TEST_TMPDIR/signals.native.out"
}

@test "trap: 100 threads x 1,000 printf lines into a slowly drained pipe: every line once and whole" {
    local expected=$BATS_TEST_TMPDIR/expected
    awk 'BEGIN { for (t = 0; t < 100; t++) for (l = 0; l < 1000; l++)
        printf "thread %d line %d\n", t, l }' | sort >"$expected"
    # The reader sleeps now and then, so that the pipe fills and printf
    # blocks while its thread holds stdout's lock.
    timeout -s KILL 60 "$GREENRUN" --stats="$BATS_TEST_TMPDIR/stats" -- \
        "$FIXTURES/stdio_lines" 100 1000 |
        /usr/bin/python3 -c '
import sys, time
for n, line in enumerate(sys.stdin, 1):
    if n % 2000 == 0:
        time.sleep(0.01)
    sys.stdout.write(line)' | sort >"$BATS_TEST_TMPDIR/got"
    run diff -q "$expected" "$BATS_TEST_TMPDIR/got"
    [ "$status" -eq 0 ] || {
        echo "lines differ from the expected ones:"
        diff "$expected" "$BATS_TEST_TMPDIR/got" | head -10
        return 1
    }
    # The writes did block and park (else this test proves nothing).
    grep -Eq ' ([1-9][0-9]*) parks \(([1-9][0-9]*) on fds' \
        "$BATS_TEST_TMPDIR/stats"
}

@test "trap: an echo server on fdopen'ed sockets (fread/fwrite) serves 500 concurrent clients on one OS thread" {
    start_server server greenrun echo_server --stdio
    assert_greenrun_process "$SERVER_PID" echo_server
    run_to client native "$FIXTURES/echo_client" --port "$SERVER_PORT" \
        --conns 500 --bytes 65536 --seed 11 --threads-per-conn 2
    start_server reference native echo_server
    run_to reference native "$FIXTURES/echo_client" --port "$SERVER_PORT" \
        --conns 500 --bytes 65536 --seed 11 --threads-per-conn 2
    assert_equal "$(transcript client)" "$(transcript reference)" \
        "client report against the stdio server under greenrun"
    assert_equal "$(threads_of "$(pgrep -f -n 'echo_server --port-file .*server.port')")" \
        "$GREENRUN_OS_THREADS" "OS threads of the greenrun'd server"
}

@test "trap: GREENRUN_SYSCALL_TRAP=0 leaves calls below the hooks blocking the OS thread" {
    # One worker: on two, the ticker has an OS thread of its own.
    run --separate-stderr env GREENRUN_SYSCALL_TRAP=0 GREENRUN_WORKERS=1 \
        timeout -s KILL 20 "$GREENRUN" "$FIXTURES/below_hooks" popen
    [ "$status" -eq 0 ]
    assert_equal "$output" "popen: read hi"$'\n'"ticker kept ticking: no" \
        "output without the trap"
}

@test "trap: a bad GREENRUN_SYSCALL_TRAP value stops the program before main" {
    run env GREENRUN_SYSCALL_TRAP=yes timeout -s KILL 10 "$GREENRUN" true
    [ "$status" -eq 2 ]
    run timeout -s KILL 10 "$GREENRUN" --syscall-trap yes true
    [ "$status" -eq 2 ]
    assert_equal "$output" \
        "greenrun: GREENRUN_SYSCALL_TRAP=yes is not valid: expected 0 or 1" \
        "message"
}

@test "trap: --debug says whether calls below the hooks are trapped" {
    run env GREENRUN_DEBUG=1 timeout -s KILL 10 "$GREENRUN" true
    [[ "$output" == *"greenrun: system calls below the hooks: "* ]]
    run env GREENRUN_DEBUG=1 GREENRUN_SYSCALL_TRAP=0 timeout -s KILL 10 \
        "$GREENRUN" true
    [[ "$output" == *"system calls below the hooks: not trapped (GREENRUN_SYSCALL_TRAP=0)"* ]]
}

@test "trap: a socket closed by a raw syscall instruction, then a file on its number: the file is written as a file" {
    assert_closed_below_same asm
}
