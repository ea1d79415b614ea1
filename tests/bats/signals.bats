#!/usr/bin/env bats
# Feature: signals.  Under greenrun the program's handlers run as natively
# and end a green wait as the kernel would end the system call, for the
# thread the kernel would pick (main, for the process-directed signals
# here): the alarm() idiom interrupts main's blocking read (EINTR without
# SA_RESTART, restarted with it, whatever the other threads are doing, and
# without interrupting them), a sleep is interrupted even with SA_RESTART,
# pause and sigsuspend wait without stopping the other threads, sigaction
# reports the program's own handlers, and sigwait/sigwaitinfo/sigtimedwait
# take blocked signals without stopping the other threads.  Every scenario
# of the signals fixture prints the same as natively.

load helpers

setup() {
    greenrun_setup
    require_fixtures signals
}

teardown() {
    greenrun_teardown
}

# signals_same SCENARIO EXPECTED: signals SCENARIO prints EXPECTED natively
# (exit status 0), and the same under greenrun.
signals_same() {
    assert_prints_same "signals-$1" "$2" "$FIXTURES/signals" "$1"
}

@test "alarm(1) without SA_RESTART: the blocking read fails with EINTR, the handler ran once" {
    signals_same alarm-eintr "read returned -1: EINTR
handler ran 1 time(s)
sleeper interrupted 0 time(s)"
}

@test "a signal handled while another thread computes still interrupts main's read" {
    signals_same alarm-busy "read returned -1: EINTR
handler ran 1 time(s)"
}

@test "timer signal with SA_RESTART: the read is restarted and returns the data" {
    signals_same alarm-restart "read returned 4 bytes: data
handler ran 1 time(s)"
}

@test "SA_RESTART: main's signal does not interrupt another thread's sleep" {
    signals_same restart-bystander "read returned 4 bytes: data
handler ran 1 time(s)
writer's sleep interrupted 0 time(s)"
}

@test "nanosleep is interrupted by a handled signal even with SA_RESTART" {
    signals_same sleep-eintr "nanosleep returned -1: EINTR
time left: more than 1 s: yes, less than 2 s: yes
handler ran 1 time(s)
sleeper interrupted 0 time(s)"
}

@test "pause and sigsuspend end with EINTR and do not stop other threads" {
    signals_same pause "pause returned -1: EINTR
ticks during pause: yes
sigsuspend returned -1: EINTR
ticks during sigsuspend: yes
handler ran 2 time(s)"
}

@test "sigaction and signal report the program's own handlers and flags" {
    signals_same sigaction "initially: SIG_DFL, SA_SIGINFO no, SA_RESTART no, SA_RESETHAND no, SIGUSR2 in mask no
handler with SA_RESTART: on_signal, SA_SIGINFO no, SA_RESTART yes, SA_RESETHAND no, SIGUSR2 in mask yes
sigaction's old: on_signal
SA_SIGINFO handler: on_signal_info, SA_SIGINFO yes, SA_RESTART no, SA_RESETHAND no, SIGUSR2 in mask no
signal() returned the old handler: yes
signal() again returned: on_signal
after signal(SIG_IGN): SIG_IGN, SA_SIGINFO no, SA_RESTART yes, SA_RESETHAND no, SIGUSR2 in mask no"
}

@test "sigaction reports SIG_DFL once an SA_RESETHAND handler has run" {
    signals_same resethand "SA_RESETHAND handler: on_signal, SA_SIGINFO no, SA_RESTART no, SA_RESETHAND yes, SIGUSR2 in mask no
handler ran 1 time(s)
after it ran: SIG_DFL"
}

@test "sigwait, sigwaitinfo, sigtimedwait take a blocked signal; sigtimedwait times out with EAGAIN" {
    signals_same sigwait "sigwait returned 0: SIGUSR1
sigwaitinfo: SIGUSR2
sigwaitinfo: si_signo SIGUSR2, si_code SI_USER yes, si_pid mine yes
sigtimedwait: SIGUSR1
sigtimedwait with nothing pending: EAGAIN
sleeper interrupted 0 time(s)"
}

@test "a thread in sigwait does not stop the other threads; pthread_kill reaches it" {
    signals_same sigwait-ticker "sigwait in a thread: SIGUSR1
ticks during sigwait: yes
sigwait in a thread: SIGUSR2
ticks during sigwait: yes"
}
