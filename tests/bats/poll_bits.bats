#!/usr/bin/env bats
# Feature: poll, ppoll, select, pselect, epoll_wait, epoll_pwait and
# epoll_pwait2 report every readiness bit exactly as the kernel does, at the
# same time, without spinning.  The poll_bits fixture makes each condition
# (data, urgent data, a half-close, a buffer that drains, a connect that
# completes late, an eventfd written) while other threads run, and prints
# counts, events, 500 ms time buckets and whether it used CPU: its output
# under greenrun must be its native output.

load helpers

setup() {
    greenrun_setup
    if [ ! -x "$FIXTURES/poll_bits" ]; then
        echo "fixture missing: $FIXTURES/poll_bits"
        return 1
    fi
}

teardown() {
    greenrun_teardown
}

# both MODE CALL...: poll_bits' combined_transcript for those calls.
both() {
    combined_transcript "$1" "$FIXTURES/poll_bits" "${@:2}"
}

# assert_same CALL...: the fixture prints the same natively and under
# greenrun; the native run must show the conditions really happened.
assert_same() {
    local native
    native=$(both native "$@")
    if ! grep -q 'after=500ms' <<<"$native" ||
        ! grep -q 'ret=0 .*after=1500ms' <<<"$native" ||
        ! grep -qx 'cpu: idle' <<<"$native"; then
        echo "the native run does not show the expected conditions:"
        echo "$native"
        return 1
    fi
    run diff -u <(echo "$native") <(both greenrun "$@")
    if [ "$status" -ne 0 ]; then
        echo "poll_bits $* differs (native -, greenrun +):"
        echo "$output"
        return 1
    fi
}

@test "poll_bits: poll and ppoll, every bit (POLLWRNORM connect after 1 s, not 3 s)" {
    assert_same poll ppoll
    run both native poll
    [[ "$output" == *"poll connect WRNORM: ret=1 revents=WRNORM after=1000ms"* ]]
}

@test "poll_bits: select and pselect, with exceptfds and the time left" {
    assert_same select pselect
}

@test "poll_bits: epoll_wait, epoll_pwait and epoll_pwait2, with EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE" {
    assert_same epoll_wait epoll_pwait epoll_pwait2
}
