#!/usr/bin/env bats
# Feature: a thread's lifetime ends as with glibc.  tests/fixtures/
# thread_lifetime runs natively and under greenrun; the native output must
# be the one below, and greenrun's stdout, stderr and status must be
# identical.
#
# Handles of threads that were joined, or ended detached, are used again:
# POSIX leaves that undefined (it recommends ESRCH and EINVAL); the values
# expected are glibc's, which greenrun gives too instead of following a
# handle into memory that is gone.  A child forked by a thread that is not
# main exits with status 0, running its atexit handlers, when that thread
# ends (POSIX).

load helpers
load programs_helpers

setup() {
    programs_setup thread_lifetime
}

teardown() {
    greenrun_teardown
}

# section NAME: `thread_lifetime NAME` prints natively what stdin holds, then
# "done", and exactly the same (stdout, stderr, status) under greenrun.
section() {
    expect_same "$1" "$(cat)"$'\ndone\nexit=0' "$FIXTURES/thread_lifetime" "$1"
}

@test "handles of joined and detached threads: join, detach, tryjoin, timed joins and cancel answer as glibc, never crash" {
    section handles <<'EOF'
join: 0
join result: 7
join again: ESRCH
detach after join: ESRCH
tryjoin after join: EBUSY
timedjoin after join: ESRCH
clockjoin after join: ESRCH
cancel after join: 0
join of a detached thread: EINVAL
detach of a detached thread: EINVAL
cancel of a detached thread: 0
cancel of an ended thread: 0
join of it: 0
its result: 9
detach of an ended thread: 0
detach it again: EINVAL
join it: EINVAL
stale handles of 20 joined threads: detach ESRCH 20, join ESRCH 20
EOF
}

@test "a child forked by a thread that is not main exits 0 with its atexit handlers when that thread returns or calls pthread_exit" {
    section fork <<'EOF'
child: atexit handler ran
child whose last thread ends by return: exit status 0
child: atexit handler ran
child whose last thread ends by pthread_exit: exit status 0
EOF
}
