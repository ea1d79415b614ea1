#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): stunnel 5.68, a TLS
# terminator with a thread per connection (Threading:PTHREAD), in front of
# tests/fixtures/echo_server.
#
#   - 100 concurrent TLS clients (Python's ssl), 20 messages of 1 B to
#     64 kB each on one connection, every echo checked whole; stunnel
#     stays on one OS thread and stops on SIGTERM.

load ../bats/helpers
load compat

STUNNEL=/usr/bin/stunnel4

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "stunnel4: 100 TLS clients x 20 messages to an echo server behind it, every echo checked, one OS thread" {
    compat_row stunnel4 stunnel4 "100 TLS clients x 20 messages (1 B-64 kB) to an echo server behind it, echoes checked"
    require_programs "$STUNNEL" /usr/bin/openssl
    start_server echo native echo_server
    local dir=$BATS_TEST_TMPDIR/stunnel port pid
    mkdir -p "$dir"
    timeout -s KILL 60 openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj /CN=localhost -keyout "$dir/key.pem" -out "$dir/cert.pem" \
        >"$dir/openssl.log" 2>&1
    port=$(free_port)
    cat >"$dir/stunnel.conf" <<CONF
foreground = yes
pid = $dir/stunnel.pid
output = $dir/stunnel.log
debug = notice

[echo]
accept = 127.0.0.1:$port
connect = 127.0.0.1:$SERVER_PORT
cert = $dir/cert.pem
key = $dir/key.pem
CONF
    start_bg stunnel timeout -s KILL 300 "$GREENRUN" -- "$STUNNEL" \
        "$dir/stunnel.conf"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" stunnel4)
    run_load "$pid" -- echo --tls --port "$port" --clients 100 --rounds 20
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "2000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "stunnel's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
