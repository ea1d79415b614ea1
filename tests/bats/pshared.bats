#!/usr/bin/env bats
# Feature: process-shared mutexes, conds, rwlocks, barriers and semaphores,
# named semaphores, and robust mutexes, stay correct between processes and
# are green inside each one.
#
# tests/fixtures/pshared runs threads in a parent and the child it forks,
# sharing the objects in MAP_SHARED memory.  Each test runs one section
# natively and under greenrun and requires
#   - the native output to be exactly the expected one below (so a fixture
#     that prints nothing, or the wrong thing, fails), and
#   - the greenrun output (stdout, stderr, exit status) to be identical.
# Before these objects were green, every section hung under greenrun (a
# wait in the kernel stopped the thread that would end it) or printed
# other results (glibc cannot tell green threads apart: a second thread's
# trylock of a recursive mutex returned 0).  The sections that prove that
# other threads keep running during a wait ("progress while waiting") can
# only end if they do.  Mutex and rwlock waits create no OS thread; cond
# and barrier waits run on helper threads, which are not counted there.

load helpers
load programs_helpers

setup() {
    programs_setup pshared
}

teardown() {
    greenrun_teardown
}

# pshared SECTION [helpers]: run `pshared SECTION` both ways; the expected
# native stdout (without the final "done" line and exit status) is read
# from stdin.  With "helpers", greenrun may start OS threads.
pshared() {
    local expected name=$1

    expected=$(cat)$'\ndone\nexit=0'
    run_both "$name" "$FIXTURES/pshared" "$name"
    if [ "${2:-}" = helpers ]; then
        rm -f "$BATS_TEST_TMPDIR/runs/$name".*.threads
    fi
    assert_native_output "$name" "$expected"
    assert_greenrun_same "$name" stderr
}

@test "a shared mutex: 4 threads in each of two processes count to the exact total, sleeping with it held" {
    pshared counter <<'EOF'
counter: 3200 of 3200
EOF
}

@test "a shared recursive mutex: another thread's trylock gets EBUSY, timedlock ETIMEDOUT, unlock EPERM; a waiter gets it when the holder lets go" {
    pshared recursive <<'EOF'
recursive lock: 0
recursive lock again: 0
recursive trylock by owner: 0
recursive trylock by other thread: EBUSY
recursive timedlock by other thread: ETIMEDOUT waited yes
recursive unlock by other thread: EPERM
child: other process trylock: EBUSY
recursive unlock by owner: 0
recursive unlock by owner: 0
recursive unlock by owner: 0
recursive unlock when unlocked: EPERM
recursive lock by other thread: 0
... and unlocks it: 0
waiter locks after the holder let go: 0, released yes
waiter relocks: 0
waiter unlocks: 0
waiter unlocks again: 0
waiter unlocks once too often: EPERM
EOF
}

@test "a shared error-checking mutex: EDEADLK for its owner only, another thread times out" {
    pshared errorcheck <<'EOF'
errorcheck lock: 0
errorcheck lock again by owner: EDEADLK
errorcheck trylock by owner: EBUSY
errorcheck trylock by other thread: EBUSY
errorcheck timedlock by other thread: ETIMEDOUT waited yes
errorcheck unlock by other thread: EPERM
errorcheck unlock by owner: 0
errorcheck unlock when unlocked: EPERM
errorcheck lock by other thread: 0
... and unlocks it: 0
EOF
}

@test "a thread waiting for a mutex the other process holds does not stop its process's other threads" {
    pshared wait <<'EOF'
parent locks: 0
parent unlocks: 0
child: trylock while the parent holds it: EBUSY
child: clocklock while the parent holds it: ETIMEDOUT waited yes
child: progress while waiting: 20 round trips
child: lock after the parent let go: 0
child: unlock: 0
EOF
}

@test "shared conds: waiters woken across processes and within one, broadcast, with shared, private and robust mutexes, timed waits" {
    pshared cond helpers <<'EOF'
progress while waiting: 20 round trips
waiter woke: predicate 1, mutex held: yes
child: progress while waiting: 20 round trips
child: waiter woke: predicate 2, mutex held: yes
waiter woke: predicate 3, mutex held: yes
waiter woke: predicate 3, mutex held: yes
child: waiter woke: predicate 3, mutex held: yes
child: waiter woke: predicate 3, mutex held: yes
woken by one broadcast: 4
shared cond, shared mutex:
waiter woke: predicate 4, mutex held: yes
shared cond, private mutex:
waiter woke: predicate 5, mutex held: yes
private cond, robust mutex:
waiter woke: predicate 7, mutex held: yes
progress while waiting: 20 round trips
waiter woke: predicate 6, mutex held: yes
cond timedwait: ETIMEDOUT waited yes
... returns with the mutex held: yes
cond clockwait monotonic: ETIMEDOUT waited yes
... returns with the mutex held: yes
EOF
}

@test "a shared rwlock: writer ownership per thread, a reader and a writer waiting across processes" {
    pshared rwlock <<'EOF'
wrlock: 0
wrlock again by the writer: EDEADLK
rdlock by the writer: EDEADLK
tryrdlock by other thread: EBUSY
trywrlock by other thread: EBUSY
timedrdlock by other thread: ETIMEDOUT waited yes
timedwrlock by other thread: ETIMEDOUT waited yes
unlock by the writer: 0
rdlock: 0
tryrdlock by other thread while read-locked: 0
trywrlock by other thread while read-locked: EBUSY
unlock by the reader: 0
parent wrlocks: 0
parent unlocks: 0
parent rdlocks: 0
parent unlocks: 0
child: progress while waiting: 20 round trips
child: reader waits for the writer: 0
child: reader unlocks: 0
child: progress while waiting: 20 round trips
child: writer waits for the reader: 0
child: writer unlocks: 0
EOF
}

@test "a shared barrier for two threads in each of two processes, 100 rounds" {
    pshared barrier helpers <<'EOF'
barrier rounds: 100, serial threads: 100, out of step: 0
EOF
}

@test "robust mutexes: contended between threads, EOWNERDEAD after the owner thread or process ended" {
    pshared robust <<'EOF'
process-shared:
robust lock: 0
robust waiter locks: 0
robust waiter unlocks: 0
robust unlock (reported after the waiter): 0
private:
robust lock: 0
robust waiter locks: 0
robust waiter unlocks: 0
robust unlock (reported after the waiter): 0
owner thread ends:
robust lock, then the thread ends: 0
lock after the owner thread ended: EOWNERDEAD
... makes it consistent: 0
... unlocks: 0
... locks again: 0
... unlocks again: 0
robust lock, then the thread ends: 0
lock after the owner thread ended (shared): EOWNERDEAD
... makes it consistent: 0
... unlocks: 0
... locks again: 0
... unlocks again: 0
owner process ends while a thread here waits:
robust waiter locks: EOWNERDEAD
... makes it consistent: 0
robust waiter unlocks: 0
child: robust lock in the child: 0
owner process ends, nobody waiting:
child: robust lock in the child: 0
lock after the owner process ended: EOWNERDEAD
... makes it consistent: 0
... unlocks: 0
... locks again: 0
... unlocks again: 0
EOF
}

@test "named and process-shared semaphores: a wait parks, posted by another thread or by a child; timed waits time out, a wait is a cancellation point; trywait and bad deadlines fail as natively" {
    require_fixtures sem_shared
    assert_prints_same sem "named sem_wait, posted by the other thread: 0, the other thread ran meanwhile: yes
named sem_timedwait, nobody posts: ETIMEDOUT, the other thread ran meanwhile: yes
a thread cancelled in named sem_wait ends cancelled: yes
process-shared sem_wait, posted by a child: 0, the other thread ran meanwhile: yes
the child posted: yes
sem_trywait on 0: EAGAIN
sem_timedwait with tv_nsec 1e9: EINVAL" "$FIXTURES/sem_shared"
}
