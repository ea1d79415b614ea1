#!/usr/bin/env bats
# Feature: signals per thread.  Each green thread has its own signal mask,
# inherited by the threads it creates; a signal sent to one thread
# (pthread_kill) is pending for that thread only and its handler runs in
# that thread, wherever it waits, after which a lock wait goes on and the
# other waits end with EINTR or go on as the system call would; a signal
# sent to the process runs its handler in a thread that does not block it.
# A handler may post a semaphore, and sigaction changes are never seen half
# made.  Every scenario of the thread_signals fixture prints the same as
# natively; its native output is checked too, so that a scenario that
# stopped testing anything would show.

load helpers

setup() {
    greenrun_setup
    require_fixtures thread_signals
}

teardown() {
    greenrun_teardown
}

# same SCENARIO EXPECTED: thread_signals SCENARIO prints EXPECTED natively
# (exit status 0), and the same under greenrun.
same() {
    assert_prints_same "$1" "$2" "$FIXTURES/thread_signals" "$1"
}

@test "each thread has its own signal mask; a new thread starts with its creator's, or its attributes'" {
    same masks "thread that blocked SIGUSR1 blocks it: yes
main blocks SIGUSR1 too: no
thread created by main after it blocked SIGUSR2: SIGUSR1 blocked no, SIGUSR2 blocked yes
thread whose attributes block SIGUSR1: SIGUSR1 blocked yes, SIGUSR2 blocked no
main after the others: SIGUSR1 blocked no, SIGUSR2 blocked yes"
}

@test "a signal sent to a thread is pending for it alone; unblocking it runs the handler there at once" {
    same pending "main: SIGUSR1 pending yes
new thread: SIGUSR1 pending no, SIGUSR2 pending no
handler ran before pthread_sigmask returned: yes, in main: yes
main: SIGUSR1 pending no
main: SIGUSR2 pending yes
thread: SIGUSR2 pending yes
thread's sigwait took SIGUSR2: yes
main: SIGUSR2 pending no"
}

@test "a signal sent to the process runs its handler in the one thread that does not block it" {
    same route "pause in the thread that takes SIGUSR1 returned -1: EINTR
handler ran 1 time(s), in the thread that does not block it: yes, with SIGUSR1 blocked: yes"
}

@test "a thread that blocks a signal does not keep it from main's read" {
    same blocker "main's read returned -1: EINTR
handler ran in main: yes"
}

# killed WAIT OUTCOME: pthread_kill on a thread waiting in WAIT runs the
# handler in that thread, and its wait ends as OUTCOME says.
killed() {
    same "kill-$1" "handler ran 1 time(s), in the waiting thread: yes, with SIGUSR1 blocked: yes
$2"
}

@test "pthread_kill on a thread waiting for a mutex: the handler runs in it, then it goes on waiting" {
    killed mutex "pthread_mutex_lock returned 0, after the release"
}

@test "pthread_kill on a thread waiting for a rwlock: the handler runs in it, then it goes on waiting" {
    killed rwlock "pthread_rwlock_rdlock returned 0, after the release"
}

@test "pthread_kill on a thread in pthread_cond_wait: the handler runs in it, then it goes on waiting" {
    killed cond "pthread_cond_wait (until ready) returned 0, after the release"
}

@test "pthread_kill on a thread in pthread_join: the handler runs in it, then it goes on waiting" {
    killed join "pthread_join returned 0, after the release"
}

@test "pthread_kill on a thread in sem_wait: the handler runs in it, and sem_wait fails with EINTR" {
    killed sem "sem_wait returned -1: EINTR, before the release"
}

@test "pthread_kill on a thread in read: the handler runs in it, and read fails with EINTR" {
    killed read "read returned -1: EINTR, before the release"
}

@test "pthread_kill on a thread in read, SA_RESTART: the handler runs in it, and read goes on" {
    killed read-restart "read returned 4, after the release"
}

@test "pthread_kill on a thread in nanosleep or poll: the handler runs in it, and the call fails with EINTR" {
    killed sleep "nanosleep(3 s) returned -1: EINTR, before the release"
    killed poll "poll returned -1: EINTR, before the release"
}

@test "a handler leaves by siglongjmp the read or poll it interrupted, again and again, and the thread goes on" {
    same longjmp "main alone: jumped out of read 3 times
thread: jumped out of poll 3 times, then read 3 bytes"
}

@test "ppoll's mask is the thread's while it waits: a signal every other thread blocks ends it, its handler running there" {
    same ppoll-mask "ppoll with an empty mask returned -1: EINTR, handler ran in it: yes
its mask after ppoll: SIGUSR1 blocked yes"
}

# The kernel's own pselect waits for a lone thread; greenrun keeps its view
# of the thread's mask in step, so that the handler still runs.
@test "pselect's mask in a program with one thread: the signal ends it and its handler runs" {
    same pselect-lone "pselect with an empty mask returned -1: EINTR, handler ran: yes
mask after pselect: SIGUSR1 blocked yes"
}

@test "a signal sent to a thread is not taken by another thread's sigtimedwait, but by its own sigwait" {
    same sigwait-own "another thread's sigtimedwait: EAGAIN
pending for main: no
its own sigwait took it: yes"
}

@test "a timer's handler posts a semaphore thousands of times while threads ping-pong on semaphores" {
    same handler-sem "took 3000 posts made by the handler"
}

@test "sigaction switching a handler's action while its signal arrives: each call sees one action whole" {
    same sigaction-flip "every handler called as its action says: yes"
}

@test "a thread that blocks SIGUSR1 forks: the child blocks SIGUSR1 only, on one worker or on another" {
    same fork-mask "child's kernel mask: 0000000000000200"
    GREENRUN_WORKERS=2 same fork-mask "child's kernel mask: 0000000000000200"
}
