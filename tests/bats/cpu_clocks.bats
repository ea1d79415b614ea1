#!/usr/bin/env bats
# Feature: per-thread CPU clocks.  CLOCK_THREAD_CPUTIME_ID, and the clock
# pthread_getcpuclockid gives for a thread, count that thread's CPU time
# only, under greenrun as natively, although all green threads share one
# OS thread: a thread that sleeps while another computes shows next to
# none; a thread's clockid read by another thread gives the first one's
# time, and its resolution is 1 ns.  tests/fixtures/cpu_clocks prints each check, with bounds a
# loaded machine cannot break (below half, above half); the native output
# must be the expected one and greenrun's identical to it.

load helpers
load programs_helpers

setup() {
    programs_setup cpu_clocks
}

teardown() {
    greenrun_teardown
}

@test "CPU clocks: a sleeper's is near zero while a spinner's counts its work, read by the thread itself and through pthread_getcpuclockid" {
    expect_same cpu_clocks "$(
        cat <<'EOF_OUT'
spinner: own CPU time above half the process's meanwhile: yes
sleeper: own CPU time below half the spinner's: yes
main: through pthread_getcpuclockid, sleeper below half the spinner: yes
main: through pthread_getcpuclockid, spinner at least its own reading: yes
main: clock_getres of a thread's clock: 0, 0 s 1 ns
main: own clock through pthread_getcpuclockid not below CLOCK_THREAD_CPUTIME_ID: yes
exit=0
EOF_OUT
    )" "$FIXTURES/cpu_clocks"
}
