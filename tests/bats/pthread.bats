#!/usr/bin/env bats
# Feature: greenrun keeps the POSIX (and glibc) contract of every pthread
# primitive.  tests/fixtures/pthread_contract checks one primitive per
# section and prints one line per check; each test runs a section natively
# and under greenrun and requires
#   - the native output to be exactly the expected one below (so a fixture
#     that prints nothing, or the wrong thing, fails), and
#   - the greenrun output (stdout, stderr, exit status) to be identical.
# Timed checks print "waited yes" when the call waited at least its 50 ms
# timeout, which POSIX guarantees; nothing printed depends on scheduling.
#
# Then tests/fixtures/stress_diff, a seeded random mix of mutexes, conds,
# semaphores, sleeps and pipes whose final state does not depend on
# scheduling, must print the same natively and under greenrun for 3 seeds.

load helpers
load programs_helpers

setup() {
    programs_setup pthread_contract stress_diff
}

teardown() {
    greenrun_teardown
}

# contract SECTION: run `pthread_contract SECTION` both ways; the expected
# native stdout (without the final "done" line and exit status) is read
# from stdin.
contract() {
    local expected

    expected=$(cat)$'\ndone: all checks ran\nexit=0'
    expect_same "$1" "$expected" "$FIXTURES/pthread_contract" "$1"
}

@test "pthread mutexes: normal/recursive/errorcheck kinds, static initialisers, trylock EBUSY, timedlock and clocklock ETIMEDOUT on both clocks" {
    contract mutex <<'EOF'
mutex normal lock: 0
mutex normal trylock by owner: EBUSY
mutex normal trylock by other thread: EBUSY
mutex normal timedlock realtime: ETIMEDOUT waited yes
mutex normal clocklock monotonic: ETIMEDOUT waited yes
mutex normal clocklock realtime: ETIMEDOUT waited yes
mutex normal timedlock deadline in the past: ETIMEDOUT
mutex normal timedlock nsec 1e9 while held: EINVAL
mutex normal clocklock CLOCK_PROCESS_CPUTIME_ID: EINVAL
mutex normal unlock: 0
mutex normal trylock when free: 0
mutex normal unlock after trylock: 0
mutex timedlock released in time: 0
mutex clocklock monotonic released in time: 0
mutex recursive lock x3: 0 0 0
mutex recursive trylock by owner: 0
mutex recursive timedlock by owner: 0
mutex recursive trylock by other thread: EBUSY
mutex recursive clocklock by other thread: ETIMEDOUT waited yes
mutex recursive unlock x5: 0 0 0 0 0
mutex recursive unlock when unlocked: EPERM
mutex recursive lock: 0
mutex recursive unlock by non-owner: EPERM
mutex recursive unlock by owner: 0
mutex recursive static initializer lock x3: 0 0 0
mutex recursive static trylock by other thread: EBUSY
mutex recursive static unlock x3: 0 0 0
mutex recursive static unlock when unlocked: EPERM
mutex errorcheck unlock when unlocked: EPERM
mutex errorcheck lock: 0
mutex errorcheck relock: EDEADLK
mutex errorcheck trylock by owner: EBUSY
mutex errorcheck timedlock by owner: EDEADLK
mutex errorcheck unlock by non-owner: EPERM
mutex errorcheck unlock: 0
mutex errorcheck static lock: 0
mutex errorcheck static relock: EDEADLK
mutex errorcheck static unlock: 0
mutex errorcheck static unlock again: EPERM
mutex 8 threads x 1000 increments: 8000
EOF
}

@test "pthread conds: timedwait and clockwait ETIMEDOUT on both clocks and with a monotonic condattr, signal and broadcast" {
    contract cond <<'EOF'
condattr setclock monotonic: 0
cond timedwait realtime: ETIMEDOUT waited yes
cond timedwait reacquired the mutex: EDEADLK
cond clockwait monotonic: ETIMEDOUT waited yes
cond clockwait realtime: ETIMEDOUT waited yes
cond with monotonic condattr timedwait: ETIMEDOUT waited yes
cond with monotonic condattr reacquired the mutex: EDEADLK
cond timedwait deadline in the past: ETIMEDOUT
cond clockwait CLOCK_PROCESS_CPUTIME_ID: EINVAL
cond with monotonic condattr signalled in time: 0 flag 1
cond clockwait realtime signalled in time: 0 flag 1
cond signal then broadcast to 5 waiters consumed: 1 then 4
EOF
}

@test "pthread rwlocks: shared readers, EBUSY, EDEADLK for the write owner, timed and clock variants, waiting writers and readers" {
    contract rwlock <<'EOF'
rwlock rdlock: 0
rwlock rdlock again by the reader: 0
rwlock tryrdlock while reading: 0
rwlock tryrdlock by other thread while read-held: 0
rwlock trywrlock by reader: EBUSY
rwlock trywrlock by other thread while read-held: EBUSY
rwlock timedwrlock by other thread while read-held: ETIMEDOUT waited yes
rwlock clockwrlock monotonic while read-held: ETIMEDOUT waited yes
rwlock unlock x3: 0 0 0
rwlock wrlock: 0
rwlock wrlock again by owner: EDEADLK
rwlock rdlock by write owner: EDEADLK
rwlock trywrlock by write owner: EBUSY
rwlock tryrdlock by write owner: EBUSY
rwlock timedwrlock by write owner: EDEADLK
rwlock tryrdlock by other thread while write-held: EBUSY
rwlock timedrdlock by other thread while write-held: ETIMEDOUT waited yes
rwlock clockrdlock monotonic while write-held: ETIMEDOUT waited yes
rwlock clockrdlock realtime while write-held: ETIMEDOUT waited yes
rwlock timedwrlock by other thread while write-held: ETIMEDOUT waited yes
rwlock unlock write: 0
rwlock timedwrlock released in time: 0
rwlock clockrdlock released in time: 0
rwlock 5 readers hold it at once: yes
rwlock 6 threads mixing readers and writers: 100 writes, 0 torn reads
EOF
}

@test "POSIX semaphores: trywait EAGAIN, timedwait and clockwait ETIMEDOUT, getvalue, posts from other threads" {
    contract sem <<'EOF'
sem_init value 0: 0
sem_trywait at 0: -1 EAGAIN
sem_timedwait realtime at 0: -1 ETIMEDOUT waited yes
sem_clockwait monotonic at 0: -1 ETIMEDOUT waited yes
sem_clockwait realtime at 0: -1 ETIMEDOUT waited yes
sem_timedwait deadline in the past: -1 ETIMEDOUT
sem_timedwait nsec 1e9: -1 EINVAL
sem_getvalue at 0: 0
sem_post: 0
sem_post: 0
sem_post: 0
sem_getvalue after 3 posts: 3
sem_wait: 0
sem_trywait: 0
sem_timedwait with a token and a past deadline: 0
sem_getvalue after taking 3: 0
sem_wait woken by a post from another thread: 0
sem_clockwait woken by a post in time: 0
sem_destroy: 0
sem_init value SEM_VALUE_MAX+1: -1 EINVAL
sem_init value 2 pshared: 0
sem pshared trywait: 0
sem pshared getvalue: 1
sem pshared post: 0
sem pshared getvalue after post: 2
sem 4 producers x 250 posts, 4 consumers x 250 waits, value: 0
EOF
}

@test "pthread barriers: exactly one PTHREAD_BARRIER_SERIAL_THREAD per round" {
    contract barrier <<'EOF'
barrier init count 0: EINVAL
barrier init count 1: 0
barrier wait with count 1: PTHREAD_BARRIER_SERIAL_THREAD
barrier destroy: 0
barrier 5 threads x 3 rounds, serial threads per round: 1 1 1, left early 0 0 0
EOF
}

@test "pthread spinlocks: trylock EBUSY, a holder that sleeps while others spin" {
    contract spin <<'EOF'
spin init: 0
spin lock: 0
spin trylock while held: EBUSY
spin trylock by other thread while held: EBUSY
spin unlock: 0
spin trylock when free: 0
spin unlock: 0
spin 4 threads x 200 increments: 800
spin destroy: 0
EOF
}

@test "pthread_once with 10 threads: the routine runs once and all wait for its end" {
    contract once <<'EOF'
once again from main: 0
once with 10 threads: init ran 1 time(s), 10 saw it done
EOF
}

@test "pthread keys: per-thread values, destructor order and count, PTHREAD_DESTRUCTOR_ITERATIONS, deleted keys" {
    contract key <<'EOF'
key create k1: 0
key create k2: 0
key create k3: 0
key create again: 0
key create to delete: 0
key value in main: main
key thread returning: null null get ab2c k1(a,null) k2(b2) k3(c) deleted-key-destructor
key delete: 0
key thread calling pthread_exit: null null set deleted key EINVAL get ab2c k1(a,null) k2(b2) k3(c)
key value in main afterwards: main
key destructor that always sets again ran (times): 4
PTHREAD_DESTRUCTOR_ITERATIONS: 4
key delete k1: 0
EOF
}

@test "pthread joins: tryjoin_np EBUSY then 0, timedjoin_np and clockjoin_np ETIMEDOUT, EDEADLK, detached threads" {
    contract join <<'EOF'
tryjoin_np while running: EBUSY
timedjoin_np while running: ETIMEDOUT waited yes
clockjoin_np monotonic while running: ETIMEDOUT waited yes
pthread_kill signal 0 while running: 0
tryjoin_np after it ended: 0 value 7
timedjoin_np of a thread that ends in time: 0 value 8
join of a thread calling pthread_exit(42): 0 value 42
join self from main: EDEADLK
join self from a thread: EDEADLK
join of a thread created detached: EINVAL
detach of a thread created detached: EINVAL
detach of a running thread: 0
join after detach: EINVAL
both detached threads ran to their end: yes
EOF
}

@test "pthread names and attributes: setname_np/getname_np and ERANGE, getattr_np stack, pthread_equal/self" {
    skip_under_valgrind
    contract name <<'EOF'
getname_np of main: pthread_contrac
setname_np of main, 15 chars: 0
getname_np of main after setname_np: abcdefghijklmno
setname_np of main, 16 chars: ERANGE
getname_np of main into 8 bytes: ERANGE
pthread_self in the thread equals pthread_create's id: yes
pthread_equal(main, thread): no
pthread_equal(self, self): yes
getname_np of a new thread: pthread_contrac
setname_np of the thread, 16 chars: ERANGE
setname_np of the thread: 0
getname_np of the thread into 8 bytes: ERANGE
getname_np of the thread: w1
getname_np of main unchanged: pthread_contrac
getname_np in the thread itself: w1
getattr_np in the thread: 0
getattr_np stack size >= 1 MiB requested: yes
getattr_np stack holds a local: yes
getattr_np detach state: joinable
getattr_np of main: 0
getattr_np of main: stack holds a local: yes
EOF
}

# stress SEED THREADS ROUNDS: stress_diff prints the same both ways, and
# natively reports a consistent end state for every pair.
stress() {
    local name=stress.$1 pairs=$(($2 / 2))

    run_both "$name" "$FIXTURES/stress_diff" "$@"
    run cat "$BATS_TEST_TMPDIR/runs/$name.native.out"
    assert_equal "$(<"$BATS_TEST_TMPDIR/runs/$name.native.status")" 0 \
        "native exit status"
    assert_equal "${lines[0]}" "seed $1, $2 threads, $3 rounds" "first line"
    assert_equal "${#lines[@]}" $((1 + 4 + 3 * pairs + 3)) "native line count"
    assert_equal "${lines[-2]}" "threads joined: $2 of $2, errors: 0" \
        "native join line"
    assert_equal "${lines[-1]}" consistent "native verdict"
    assert_greenrun_same "$name" stderr
}

@test "stress_diff seed 1 (32 threads, 10 rounds): same end state natively and under greenrun" {
    stress 1 32 10
}

@test "stress_diff seed 2 (64 threads, 6 rounds): same end state natively and under greenrun" {
    stress 2 64 6
}

@test "stress_diff seed 3 (128 threads, 3 rounds): same end state natively and under greenrun" {
    stress 3 128 3
}

@test "pthread_cancel: at a blocking read, in pthread_cond_wait (mutex held again), held off by PTHREAD_CANCEL_DISABLE; cleanup handlers then key destructors" {
    contract cancel <<'EOF2'
cancel a thread blocked in read: 0
join of the cancelled thread: 0
  it ended with PTHREAD_CANCELED: yes
  cleanup handlers and destructors ran, in order: bak
cancel a thread in pthread_cond_wait: 0
join of the cancelled thread: 0
  it ended with PTHREAD_CANCELED: yes
  cleanup handlers and destructors ran, in order: M
cancel a thread that disabled cancellation: 0
join of the cancelled thread: 0
  it ended with PTHREAD_CANCELED: yes
  cleanup handlers and destructors ran, in order: d
EOF2
}

@test "pthread rwlocks that glibc write-locked and read-locked before greenrun's constructor (a library's) work in every thread" {
    require_fixtures rwlock_early
    local expected= who name
    for who in main "second thread"; do
        for name in written "read once"; do
            expected+="$who: $name rdlock: 0
$who: $name trywrlock while reading: Device or resource busy
$who: $name unlock: 0
$who: $name wrlock: 0
$who: $name tryrdlock while writing: Device or resource busy
$who: $name unlock: 0
"
        done
    done
    expect_same rwlock_early "${expected}done
exit=0" "$FIXTURES/rwlock_early"
}

@test "prctl PR_SET_NAME names the calling thread only (a worker does not rename the process), cut to 15 characters; PR_GET_NAME reads it" {
    require_fixtures prctl_name
    expect_same prctl_name "main PR_SET_NAME: 0
worker PR_SET_NAME, 28 characters: 0
worker PR_GET_NAME: 0 worker-thread-w
worker pthread_getname_np: 0 worker-thread-w
main PR_GET_NAME: 0 main-name
main pthread_getname_np: 0 main-name
process name: main-name
done
exit=0" "$FIXTURES/prctl_name"
}
