#!/usr/bin/env bats
# Feature: the thread-per-connection echo server and the echo client, both
# unmodified pthread programs, work under greenrun: every byte comes back,
# and the server keeps all its connections on one OS thread.

load helpers

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

# echo_load CONNS THREADS_PER_CONN: echo_server under greenrun, the client
# native.  Holds 20 connections open from the shell for the whole test, so
# the server has blocked connection threads whenever it is sampled, and
# samples the server's thread count while the client runs.
echo_load() {
    local conns=$1 tpc=$2 bytes=65536 line re

    start_server server greenrun echo_server
    assert_greenrun_process "$SERVER_PID" echo_server
    hold_connections 20 "$SERVER_PORT"

    start_bg client timeout -k 5 60 "$FIXTURES/echo_client" \
        --port "$SERVER_PORT" --conns "$conns" --bytes "$bytes" \
        --threads-per-conn "$tpc"
    sample_while "$SERVER_PID" "$BG_PID" 70
    wait_bg "$BG_PID" 10
    # The held connections are still open: one more sample under load.
    sample_once "$SERVER_PID"
    check_held_echo after

    line=$(<"$BATS_TEST_TMPDIR/client.out")
    echo "client (status $BG_STATUS): $line"
    echo "server: $SAMPLES samples, max Threads: $MAX_THREADS," \
        "max open fds: $MAX_FDS"
    assert_equal "$BG_STATUS" 0 "echo_client exit status"
    re="^conns=$conns bytes_sent=([0-9]+) bytes_received=([0-9]+)"
    re+=" mismatches=0 checksum_sent=([0-9a-f]{16})"
    re+=" checksum_received=([0-9a-f]{16})\$"
    [[ $line =~ $re ]] || {
        echo "unexpected client output"
        return 1
    }
    assert_equal "${BASH_REMATCH[1]}" $((conns * bytes)) "bytes_sent"
    assert_equal "${BASH_REMATCH[2]}" $((conns * bytes)) "bytes_received"
    assert_equal "${BASH_REMATCH[4]}" "${BASH_REMATCH[3]}" \
        "checksum_received vs checksum_sent"
    [ "$SAMPLES" -ge 1 ]
    assert_equal "$MAX_THREADS" "$GREENRUN_OS_THREADS" \
        "max Threads: of echo_server under greenrun"
    proc_alive "$SERVER_PID"
}

@test "echo_server under greenrun: 2000 concurrent connections, 64 KiB each, one OS thread" {
    echo_load 2000 1
}

@test "echo_server under greenrun: 500 half-closed connections (writer + reader thread each), one OS thread" {
    echo_load 500 2
}

# served_line MODE: run echo_server --max-conns 50 in MODE against the native
# client; prints the server's "served" line.
served_line() {
    local mode=$1

    start_server "server-$mode" "$mode" echo_server --max-conns 50
    [ "$mode" = native ] || assert_greenrun_process "$SERVER_PID" echo_server
    run timeout -k 5 "$CMD_TIMEOUT" "$FIXTURES/echo_client" \
        --port "$SERVER_PORT" --conns 50 --bytes 65536
    if [ "$status" -ne 0 ]; then
        echo "echo_client against the $mode server: status $status: $output"
        return 1
    fi
    wait_bg "$SERVER_PID" 30
    if [ "$BG_STATUS" -ne 0 ]; then
        echo "echo_server --max-conns ($mode) exited with $BG_STATUS"
        return 1
    fi
    SERVED=$(grep '^served ' "$BATS_TEST_TMPDIR/server-$mode.out") || {
        echo "no 'served' line from the $mode server"
        return 1
    }
}

@test "echo_server --max-conns under greenrun prints the same 'served' line as natively" {
    served_line native
    local native=$SERVED
    served_line greenrun
    assert_equal "$native" "served 50 connections, 3276800 bytes" \
        "native served line"
    assert_equal "$SERVED" "$native" "served line under greenrun"
}

# client_same_as_native TPC: echo_client --conns 200 --bytes 65536 under
# greenrun against a native server prints what it prints natively.
client_same_as_native() {
    local tpc=$1 native

    start_server server native echo_server
    run --separate-stderr timeout -k 5 "$CMD_TIMEOUT" "$FIXTURES/echo_client" \
        --port "$SERVER_PORT" --conns 200 --bytes 65536 --threads-per-conn "$tpc"
    assert_equal "$status" 0 "native echo_client status ($stderr)"
    native=$output
    run --separate-stderr timeout -k 5 "$CMD_TIMEOUT" "$GREENRUN" -- \
        "$FIXTURES/echo_client" --port "$SERVER_PORT" --conns 200 \
        --bytes 65536 --threads-per-conn "$tpc"
    echo "greenrun: status $status, stderr: $stderr"
    assert_equal "$output" "$native" "echo_client stdout under greenrun"
    assert_equal "$status" 0 "echo_client status under greenrun"
    [[ $output == *" mismatches=0 "* ]]
}

@test "echo_client under greenrun (200 conns, lockstep) prints what it prints natively" {
    client_same_as_native 1
}

@test "echo_client under greenrun (200 conns, writer + reader thread each) prints what it prints natively" {
    client_same_as_native 2
}
