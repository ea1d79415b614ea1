#!/usr/bin/env bats
# Feature: timeouts and deadlines far beyond any clock (tv_sec = LONG_MAX,
# INT_MAX milliseconds, UINT_MAX seconds) wait, as natively, until
# something else ends the wait: no overflow (the sanitizer build aborts on
# one), no wait that times out at once.  tests/fixtures/huge_timeouts runs
# natively and under greenrun; the native output must be the one below,
# and greenrun's stdout, stderr and status must be identical.

load helpers
load programs_helpers

setup() {
    programs_setup huge_timeouts
}

teardown() {
    greenrun_teardown
}

@test "sleeps, polls, sem, cond, mutex, rwlock and join waits with huge timeouts wait and end as natively" {
    expect_same huge "$(cat <<'EOF2'
nanosleep LONG_MAX s: cancelled
clock_nanosleep LONG_MAX s: cancelled
clock_nanosleep until LONG_MAX s realtime: cancelled
clock_nanosleep until LONG_MAX s monotonic: cancelled
sleep UINT_MAX s: cancelled
usleep UINT_MAX us: cancelled
thrd_sleep LONG_MAX s: cancelled
sigtimedwait LONG_MAX s: cancelled
poll INT_MAX ms: 0
epoll_wait INT_MAX ms: 0
select LONG_MAX s: 0
sem_timedwait until LONG_MAX s: 0
sem_clockwait until LONG_MAX s: 0
cond_timedwait until LONG_MAX s: 0
cond_timedwait monotonic condattr until LONG_MAX s: 0
cond_clockwait until LONG_MAX s: 0
cnd_timedwait until LONG_MAX s: 0
mutex_timedlock until LONG_MAX s: 0
mutex_clocklock until LONG_MAX s: 0
rwlock_timedwrlock until LONG_MAX s: 0
timedjoin until LONG_MAX s: 0
done
exit=0
EOF2
)" "$FIXTURES/huge_timeouts"
}
