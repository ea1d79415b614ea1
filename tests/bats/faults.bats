#!/usr/bin/env bats
# Feature: the edges of socket semantics (closing under a reader, EPIPE and
# SIGPIPE, SO_RCVTIMEO, EMFILE, half-close, reset, descriptor flags) look
# the same under greenrun as natively.  Each test runs a `faults`
# subcommand both ways, with the same inherited descriptors, and compares
# stdout and exit status; it also pins the native result, so that a broken
# fixture cannot make both sides agree on nonsense.

load helpers

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

# faults_case SUBCOMMAND EXPECTED_STDOUT EXPECTED_STATUS
faults_case() {
    assert_same_as_native "$1" "$FIXTURES/faults" "$1" </dev/null
    assert_equal "$(<"$BATS_TEST_TMPDIR/$1.native.out")" "$2" \
        "native stdout of faults $1"
    assert_equal "$NATIVE_STATUS" "$3" "native status of faults $1"
}

@test "faults close-while-reading: shutdown+close wakes the blocked reader with 0, as natively" {
    faults_case close-while-reading "read returned 0" 0
}

# Here greenrun differs from native on purpose (docs/DESIGN.md pitfall 4):
# natively a reader blocked in read() stays blocked after another thread
# closes its fd; under greenrun it wakes with EBADF and nothing hangs.
@test "faults close-under-reader: close() alone wakes the blocked reader with EBADF" {
    run timeout 30 "$FIXTURES/faults" close-under-reader </dev/null
    [ "$status" -eq 0 ]
    [ "$output" = "reader still blocked after close" ]
    run timeout 30 "$GREENRUN" "$FIXTURES/faults" close-under-reader </dev/null
    echo "under greenrun: $output"
    [ "$status" -eq 0 ]
    [ "$output" = "read returned -1 (EBADF)" ]
}

@test "faults epipe: write to a closed peer fails with EPIPE, as natively" {
    faults_case epipe "write: EPIPE" 0
}

@test "faults sigpipe: the process dies of SIGPIPE (status 141), as natively" {
    faults_case sigpipe "writing to a closed peer" 141
}

@test "faults rcvtimeo: SO_RCVTIMEO read fails with EAGAIN after the timeout, as natively" {
    faults_case rcvtimeo "read: EAGAIN after timeout" 0
}

@test "faults emfile: socket() hits EMFILE after as many sockets as natively" {
    # Both runs inherit only fds 0-2 (run_to closes the rest), so natively
    # 29 sockets fit under RLIMIT_NOFILE 32.  Descriptors that greenrun
    # keeps for itself below 32 would show up as a smaller count.
    faults_case emfile "socket: EMFILE after 29" 0
}

@test "faults halfclose: the server reads to EOF and the client gets pong:4, as natively" {
    faults_case halfclose "client got pong:4" 0
}

@test "faults reset: the server sees the RST, as natively" {
    faults_case reset "server saw reset" 0
}

@test "faults nonblock-stdin: O_NONBLOCK is clear on stdin, as natively" {
    faults_case nonblock-stdin "O_NONBLOCK on stdin: no" 0
}

@test "faults nonblock-stdin on a shared fifo: greenrun leaves O_NONBLOCK clear for the next process" {
    local fifo=$BATS_TEST_TMPDIR/fifo fd

    mkfifo "$fifo"
    # Read-write, so that opening does not block and nobody sees EOF.
    exec {fd}<>"$fifo"
    HELD_FDS+=("$fd")
    run_to gr greenrun "$FIXTURES/faults" nonblock-stdin <&"$fd"
    run_to after native "$FIXTURES/faults" nonblock-stdin <&"$fd"
    assert_equal "$(transcript gr)" \
        "O_NONBLOCK on stdin: no"$'\n'"exit=0" "greenrun faults nonblock-stdin"
    assert_equal "$(transcript after)" \
        "O_NONBLOCK on stdin: no"$'\n'"exit=0" \
        "native faults nonblock-stdin afterwards, on the same fifo"
}

@test "a blocking read of a shared fifo under greenrun leaves O_NONBLOCK clear afterwards" {
    local fifo=$BATS_TEST_TMPDIR/fifo fd i state

    mkfifo "$fifo"
    exec {fd}<>"$fifo"
    HELD_FDS+=("$fd")
    # head is single-threaded: its main thread, now a green thread, blocks
    # in read() on the fifo until the data below arrives.
    BG_STDIN_FD=$fd start_bg head "$GREENRUN" -- head -c 3
    # Give it time to block for real (loose: an early write only makes the
    # test weaker, never wrong).
    for ((i = 0; i < 100; i++)); do
        state=$(cat "/proc/$BG_PID/stat" 2>/dev/null) || break
        state=${state##*) }
        grep -q 'libgreenrun\.so' "/proc/$BG_PID/maps" 2>/dev/null &&
            [ "${state%% *}" = S ] && break
        sleep 0.02
    done
    sleep 0.2
    printf abc >&"$fd"
    wait_bg "$BG_PID" 10
    assert_equal "$(<"$BATS_TEST_TMPDIR/head.out")" abc "head -c 3 output"
    assert_equal "$BG_STATUS" 0 "head status under greenrun"
    run_to after native "$FIXTURES/faults" nonblock-stdin <&"$fd"
    assert_equal "$(transcript after)" \
        "O_NONBLOCK on stdin: no"$'\n'"exit=0" \
        "native faults nonblock-stdin afterwards, on the same fifo"
}

@test "a socket closed by syscall(SYS_close) (as libuv does), then a file on its number: the file is written as a file" {
    assert_closed_below_same syscall
}
