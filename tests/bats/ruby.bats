#!/usr/bin/env bats
# Feature: Ruby (Debian's ruby, 3.1) runs threaded programs under greenrun.
# Ruby keeps its current execution context in a thread-local variable set
# once per thread, so it runs only where each green thread has its own TLS
# (the default, GREENRUN_TLS=private).
#
#   - tests/fixtures/ruby/threads.rb (Queue, Mutex, ConditionVariable,
#     join, value) prints under greenrun exactly what it prints natively;
#   - a WEBrick server serves 200 concurrent clients, every answer checked,
#     on one OS thread, and shuts down cleanly on SIGTERM.

load helpers

RUBY=/usr/bin/ruby
RUBY_FIXTURES=$BATS_TEST_DIRNAME/../fixtures/ruby

setup() {
    greenrun_setup
    [ -x "$RUBY" ] || skip "$RUBY is not installed (Debian ruby)"
    require_private_tls
}

teardown() {
    greenrun_teardown
}

@test "ruby: Queue, Mutex, ConditionVariable, join and value print the same as natively" {
    GREENRUN_TLS=private assert_same_as_native threads "$RUBY" \
        "$RUBY_FIXTURES/threads.rb"
    assert_equal "$(head -2 "$BATS_TEST_TMPDIR/threads.native.out")" \
        "sum=500500"$'\n'"waiter=woken" "native output"
}

# The expected body of every answer, sorted as sort -n sorts them.
expected_squares() {
    local i
    for ((i = 1; i <= $1; i++)); do
        echo "n=$i sq=$((i * i))"
    done
}

@test "ruby: a WEBrick server serves 200 concurrent clients on one OS thread and stops on SIGTERM" {
    local portfile=$BATS_TEST_TMPDIR/port i pid client

    ruby -e 'require "webrick"' 2>/dev/null ||
        skip "ruby-webrick is not installed"
    GREENRUN_TLS=private start_bg server "$GREENRUN" -- "$RUBY" \
        "$RUBY_FIXTURES/webrick_server.rb" "$portfile"
    pid=$BG_PID
    for ((i = 0; i < 200; i++)); do
        [ -s "$portfile" ] && break
        sleep 0.05
    done
    [ -s "$portfile" ] || {
        echo "WEBrick did not start"
        cat "$BATS_TEST_TMPDIR/server.err"
        return 1
    }
    assert_greenrun_process "$pid" ruby
    start_bg client bash -c "seq 1 200 | xargs -P 200 -I{} \
        curl -s --max-time 30 'http://127.0.0.1:$(<"$portfile")/square?n={}'"
    client=$BG_PID
    sample_while "$pid" "$client" 60
    wait_bg "$client" 60
    run diff <(sort -t= -k2 -n "$BATS_TEST_TMPDIR/client.out") \
        <(expected_squares 200)
    [ "$status" -eq 0 ] || {
        echo "answers differ from the expected ones:"
        echo "$output" | head -20
        return 1
    }
    assert_equal "$MAX_THREADS" "$GREENRUN_OS_THREADS" \
        "most OS threads sampled during the load"
    kill -TERM "$pid"
    wait_bg "$pid" 20
    assert_equal "$BG_STATUS" 0 "WEBrick's exit status after SIGTERM"
    assert_equal "$(<"$BATS_TEST_TMPDIR/server.out")" "shut down cleanly" \
        "WEBrick's last words"
}
