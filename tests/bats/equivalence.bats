#!/usr/bin/env bats
# Feature: for every fixture whose output is deterministic, what a program
# prints under greenrun (stdout and stderr, plus its exit status) is
# byte-for-byte what it prints natively: `diff <(native) <(greenrun)` is
# empty.

load helpers

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

# assert_no_diff CMD...: diff <(native) <(greenrun) is empty.
assert_no_diff() {
    run diff -u <(combined_transcript native "$@") \
        <(combined_transcript greenrun "$@")
    if [ "$status" -ne 0 ] || [ -n "$output" ]; then
        echo "'$*' differs (native -, greenrun +):"
        echo "$output"
        return 1
    fi
}

@test "equivalence: sleepers 100 10" {
    assert_no_diff "$FIXTURES/sleepers" 100 10
    [ "$(combined_transcript native "$FIXTURES/sleepers" 100 10)" = \
        "started 100 threads, 100 woke"$'\n'"exit=0" ]
}

@test "equivalence: echo_client (100 conns x 64 KiB, lockstep) against a native server" {
    start_server server native echo_server
    assert_no_diff "$FIXTURES/echo_client" --port "$SERVER_PORT" \
        --conns 100 --bytes 65536 --seed 7
}

@test "equivalence: echo_client (100 conns x 64 KiB, writer + reader threads) against a native server" {
    start_server server native echo_server
    assert_no_diff "$FIXTURES/echo_client" --port "$SERVER_PORT" \
        --conns 100 --bytes 65536 --seed 7 --threads-per-conn 2
}

@test "equivalence: echo_client with an unreachable port fails the same way" {
    local port

    # Find a port nobody listens on: bind one, then let the server go.
    start_server server native echo_server
    port=$SERVER_PORT
    stop_bg
    assert_no_diff "$FIXTURES/echo_client" --port "$port" --conns 3 --bytes 10
    [[ $(combined_transcript native "$FIXTURES/echo_client" --port "$port" \
        --conns 3 --bytes 10) == *"Connection refused"*"exit=1" ]]
}

@test "equivalence: faults subcommands (all of them, in one transcript)" {
    local sub
    faults_all() {
        for sub in close-while-reading epipe sigpipe rcvtimeo halfclose \
            reset nonblock-stdin; do
            echo "== $sub"
            combined_transcript "$1" "$FIXTURES/faults" "$sub"
        done
    }
    run diff -u <(faults_all native) <(faults_all greenrun)
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

# server_transcript MODE NAME FIXTURE SERVER_ARGS -- CLIENT...: the server's
# stdout, with its port replaced by PORT, then its exit status, after the
# client (run natively, with @PORT@ replaced) has talked to it.
server_transcript() {
    local mode=$1 name=$2 prog=$3 st a
    local -a sargs=() cargs=()
    shift 3
    while [ "$1" != -- ]; do
        sargs+=("$1")
        shift
    done
    shift
    start_server "$name" "$mode" "$prog" "${sargs[@]}"
    [ "$mode" = native ] || assert_greenrun_process "$SERVER_PID" "$prog"
    for a in "$@"; do
        cargs+=("${a//@PORT@/$SERVER_PORT}")
    done
    run timeout -k 5 "$CMD_TIMEOUT" "${cargs[@]}"
    echo "client: status $status: $output" >"$BATS_TEST_TMPDIR/$name.client"
    wait_bg "$SERVER_PID" 30
    st=$BG_STATUS
    {
        sed "s/\b$SERVER_PORT\b/PORT/" "$BATS_TEST_TMPDIR/$name.out"
        cat "$BATS_TEST_TMPDIR/$name.err"
        echo "exit=$st"
    } >"$BATS_TEST_TMPDIR/$name.transcript"
}

@test "equivalence: echo_server --max-conns 20, driven by the native client" {
    local client=("$FIXTURES/echo_client" --port @PORT@ --conns 20 --bytes 65536)

    server_transcript native n echo_server --max-conns 20 -- "${client[@]}"
    server_transcript greenrun g echo_server --max-conns 20 -- "${client[@]}"
    run diff -u "$BATS_TEST_TMPDIR/n.transcript" "$BATS_TEST_TMPDIR/g.transcript"
    echo "$output"
    cat "$BATS_TEST_TMPDIR/n.client" "$BATS_TEST_TMPDIR/g.client"
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/n.transcript")" = \
        "listening on PORT"$'\n'"served 20 connections, 1310720 bytes"$'\n'"exit=0" ]
}

@test "equivalence: http_server --max-requests 3, driven by curl" {
    local client=(curl -sS --max-time 30 http://127.0.0.1:@PORT@/
        http://127.0.0.1:@PORT@/bytes/1000 http://127.0.0.1:@PORT@/x)

    server_transcript native n http_server --max-requests 3 -- "${client[@]}"
    server_transcript greenrun g http_server --max-requests 3 -- "${client[@]}"
    run diff -u "$BATS_TEST_TMPDIR/n.transcript" "$BATS_TEST_TMPDIR/g.transcript"
    echo "$output"
    [ "$status" -eq 0 ]
    run diff "$BATS_TEST_TMPDIR/n.client" "$BATS_TEST_TMPDIR/g.client"
    echo "client output differs: $output"
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/n.transcript")" = \
        "listening on PORT"$'\n'"served 3 requests"$'\n'"exit=0" ]
}
