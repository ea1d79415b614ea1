#!/usr/bin/env bats
# Feature: the thread-per-connection HTTP/1.1 server under greenrun answers
# curl correctly: keep-alive connections, large bodies, 100 clients at once.
# Bodies are checked byte for byte against content generated here.

load helpers

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

sha() {
    sha256sum | cut -d' ' -f1
}

# wait_server_served N: the greenrun'd server exits 0 after its Nth response
# and printed "listening on PORT" and "served N requests".
wait_server_served() {
    wait_bg "$SERVER_PID" 30
    run cat "$BATS_TEST_TMPDIR/server.out"
    assert_equal "$output" "listening on $SERVER_PORT"$'\n'"served $1 requests" \
        "http_server stdout"
    assert_equal "$BG_STATUS" 0 "http_server exit status"
}

@test "http_server under greenrun: / and /bytes/100000 over one keep-alive connection" {
    local url

    start_server server greenrun http_server --max-requests 2
    assert_greenrun_process "$SERVER_PID" http_server
    url=http://127.0.0.1:$SERVER_PORT
    # One curl, two URLs: the second request reuses the first connection
    # (num_connects 0).
    run --separate-stderr timeout -k 5 "$CMD_TIMEOUT" curl -sS --max-time 30 \
        -w '%{num_connects} %{http_code} %{size_download}\n' \
        -o "$BATS_TEST_TMPDIR/root.body" "$url/" \
        -o "$BATS_TEST_TMPDIR/bytes.body" "$url/bytes/100000"
    echo "curl status $status, stderr: $stderr"
    assert_equal "$status" 0 "curl exit status"
    assert_equal "$output" $'1 200 6\n0 200 100000' \
        "curl per-request 'num_connects http_code size_download'"
    assert_equal "$(sha <"$BATS_TEST_TMPDIR/root.body")" \
        "$(printf 'hello\n' | sha)" "sha256 of /"
    assert_equal "$(sha <"$BATS_TEST_TMPDIR/bytes.body")" \
        "$(pattern 100000 | sha)" "sha256 of /bytes/100000"
    wait_server_served 2
}

@test "http_server under greenrun: an unknown path gets 404 'not found'" {
    start_server server greenrun http_server --max-requests 1
    run --separate-stderr timeout -k 5 "$CMD_TIMEOUT" curl -sS --max-time 30 \
        -w '\n%{http_code}' "http://127.0.0.1:$SERVER_PORT/nope"
    assert_equal "$status" 0 "curl exit status ($stderr)"
    assert_equal "$output" $'not found\n\n404' "body and status code"
    wait_server_served 1
}

@test "http_server under greenrun: 100 concurrent curl clients each get /bytes/65536 intact" {
    local want i pids=() st bad=0 got

    start_server server greenrun http_server --max-requests 100
    assert_greenrun_process "$SERVER_PID" http_server
    want=$(pattern 65536 | sha)
    for ((i = 0; i < 100; i++)); do
        start_bg "curl$i" curl -sS --max-time 30 \
            -o "$BATS_TEST_TMPDIR/body$i" \
            "http://127.0.0.1:$SERVER_PORT/bytes/65536"
        pids+=("$BG_PID")
    done
    # The server has up to 100 connection threads now: still one OS thread.
    SAMPLES=0 MAX_THREADS=0 MAX_FDS=0
    sample_once "$SERVER_PID"
    for ((i = 0; i < 100; i++)); do
        wait_bg "${pids[i]}" 40
        st=$BG_STATUS
        got=$(sha <"$BATS_TEST_TMPDIR/body$i" 2>/dev/null) || got=missing
        if [ "$st" -ne 0 ] || [ "$got" != "$want" ]; then
            echo "curl $i: status $st, body sha256 $got" \
                "(size $(stat -c %s "$BATS_TEST_TMPDIR/body$i" 2>/dev/null))," \
                "stderr: $(<"$BATS_TEST_TMPDIR/curl$i.err")"
            bad=$((bad + 1))
        fi
    done
    echo "server: max Threads: $MAX_THREADS over $SAMPLES sample(s)"
    assert_equal "$bad" 0 "curl clients with a wrong body or status"
    wait_server_served 100
    [ "$SAMPLES" -eq 0 ] || assert_equal "$MAX_THREADS" "$GREENRUN_OS_THREADS" \
        "Threads: of http_server under greenrun"
}
