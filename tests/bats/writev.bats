#!/usr/bin/env bats
# Feature: writev is one call.  On a datagram or SOCK_SEQPACKET socket one
# writev sends one message, whatever the number of pieces; on a stream
# socket a blocking writev writes everything, in order; a pipe write of at
# most PIPE_BUF bytes stays atomic among concurrent writers.  The reader
# prints what arrived; natively and under greenrun it is the same.

load helpers

setup() {
    greenrun_setup
    require_fixtures writev_atomic
}

teardown() {
    greenrun_teardown
}

# same_writev KIND EXPECTED: writev_atomic KIND prints EXPECTED natively
# (exit status 0), and the same under greenrun.
same_writev() {
    assert_prints_same --killed "$1" "$2" "$FIXTURES/writev_atomic" "$1"
}

# messages: what the reader of 20 three-piece messages prints.
messages() {
    local i
    for ((i = 0; i < 20; i++)); do
        local body="head-body $i-tail"
        echo "message of ${#body} bytes: $body"
    done
}

@test "writev on a SOCK_DGRAM socketpair sends one message per call" {
    same_writev dgram "$(messages)"
}

@test "writev on a SOCK_SEQPACKET socketpair sends one message per call" {
    same_writev seqpacket "$(messages)"
}

@test "writev on a connected UDP socket sends one datagram per call" {
    same_writev udp "$(messages)"
}

@test "writev of 600 pieces on a stream socket writes all of them, in order" {
    same_writev stream "writev returned 600000
received 600000 bytes, 0 out of place"
}

@test "writev of at most PIPE_BUF bytes into a shared pipe stays atomic" {
    same_writev pipe "800 records of 3000 bytes: 800 whole, 0 torn"
}
