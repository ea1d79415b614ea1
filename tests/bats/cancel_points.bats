#!/usr/bin/env bats
# Feature: cancellation acts where glibc's does.  tests/fixtures/
# cancel_points runs natively and under greenrun; the native output must
# be the one below, and greenrun's stdout, stderr and status must be
# identical.
#
# A pthread_once initialiser that is cancelled leaves the once object as
# if it had never been called (POSIX): a thread waiting for it, and the
# next caller, run the initialiser.  connect, sigwait, sigwaitinfo and
# sigtimedwait are cancellation points: a cancelled thread ends there, and
# the program never sees ECANCELED.

load helpers
load programs_helpers

setup() {
    programs_setup cancel_points
}

teardown() {
    greenrun_teardown
}

# section NAME: `cancel_points NAME` prints natively what stdin holds, then
# "done", and exactly the same (stdout, stderr, status) under greenrun.
section() {
    expect_same "$1" "$(cat)"$'\ndone\nexit=0' "$FIXTURES/cancel_points" "$1"
}

@test "pthread_once whose initialiser is cancelled: a waiting thread runs it, as if it had never been called" {
    section once <<'EOF'
once: initialiser cancelled: cancelled
once: a thread that waited for it ran the initialiser: yes
once: initialiser calls in all: 2
EOF
}

@test "connect waiting for a full backlog is a cancellation point" {
    section connect <<'EOF'
connect to a full backlog: cancelled
EOF
}

@test "sigwait, sigwaitinfo and sigtimedwait are cancellation points; a negative timeout is EINVAL" {
    section sigwait <<'EOF'
sigwait: cancelled
sigwaitinfo: cancelled
sigtimedwait: cancelled
sigtimedwait with a negative timeout: -1 (Invalid argument)
sigtimedwait with a zero timeout: -1 (Resource temporarily unavailable)
EOF
}

@test "asynchronous cancellation ends a thread deadlocked on its own normal mutex" {
    section async <<'EOF'
async: thread deadlocked on its own mutex: cancelled
EOF
}
