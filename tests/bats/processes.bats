#!/usr/bin/env bats
# Feature: child processes.  Under greenrun, fork keeps only the calling
# green thread in the child, which can go on blocking, sleeping and
# starting threads; waitpid, wait, wait3, wait4, waitid, system() and
# pclose() park the waiting thread instead of blocking the one OS thread
# (a ticker thread keeps ticking meanwhile); system() leaves SIGINT as it
# found it and popen() streams keep glibc's descriptor flags; statuses and
# output are those of a native run.

load helpers

setup() {
    greenrun_setup
    require_fixtures procs
}

teardown() {
    greenrun_teardown
}

# procs_same SCENARIO EXPECTED: procs SCENARIO prints EXPECTED natively
# (exit status 0), and the same under greenrun.
procs_same() {
    assert_prints_same "procs-$1" "$2" "$FIXTURES/procs" "$1"
}

@test "fork: the child sleeps, writes, starts and joins a thread; the parent reads it all" {
    procs_same fork "child: slept and wrote
child thread: slept and wrote
child exit status: 0"
}

# wait_same FN: the wait function FN collects a child that exits 7 after
# 300 ms while the ticker ticks, then reports ECHILD.
wait_same() {
    procs_same "$1" "$1: child exited with 7
ticks during $1: yes
$1 again: ECHILD"
}

@test "waitpid parks: other threads run while it waits" {
    wait_same waitpid
}

@test "wait parks: other threads run while it waits" {
    wait_same wait
}

@test "wait3 parks: other threads run while it waits" {
    wait_same wait3
}

@test "wait4 parks: other threads run while it waits" {
    wait_same wait4
}

@test "waitid(P_PID) parks and fills in siginfo" {
    procs_same waitid "waitid: si_pid is the child: yes, si_code CLD_EXITED, si_status 7
ticks during waitid: yes
waitid again: ECHILD"
}

@test "waitid(P_ALL) parks and fills in siginfo" {
    procs_same waitid-any "waitid-any: si_pid is the child: yes, si_code CLD_EXITED, si_status 7
ticks during waitid-any: yes
waitid-any again: ECHILD"
}

@test "system: returns the shell's exit status and does not stop other threads" {
    procs_same system "system: exited yes with 3
ticks during system: yes"
}

@test "system: on one OS thread (Threads: 1 throughout)" {
    start_bg procs "$GREENRUN" -- "$FIXTURES/procs" system
    wait_greenrun_process "$BG_PID" procs
    sample_while "$BG_PID" "$BG_PID" 30
    wait_bg "$BG_PID" 5
    echo "$SAMPLES samples, max Threads: $MAX_THREADS, status $BG_STATUS"
    assert_equal "$BG_STATUS" 0 "exit status"
    assert_equal "$(<"$BATS_TEST_TMPDIR/procs.out")" "system: exited yes with 3
ticks during system: yes" "output"
    [ "$SAMPLES" -ge 1 ]
    assert_equal "$MAX_THREADS" "$GREENRUN_OS_THREADS" "max Threads: under greenrun"
}

@test "system: two overlapping calls leave SIGINT as it was" {
    procs_same system-concurrent "SIGINT while a system() runs: ignored
statuses: 1 2
SIGINT after both: SIG_DFL"
}

@test "popen/pclose: the line read and the exit statuses, for \"r\" and \"w\"" {
    procs_same popen "popen r read: hello
pclose r: exit status 5
WRITTEN THROUGH POPEN
pclose w: exit status 6
ticks during pclose: yes"
}

@test "popen: the stream's descriptor is close-on-exec only with \"e\"" {
    procs_same popen-cloexec "popen w stream close-on-exec: no
popen we stream close-on-exec: yes"
}
