#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): rsyslog 8.2302, the
# syslog daemon: imtcp's input thread and its 4 worker threads read the
# connections, and 4 worker threads of the main queue write each message
# to a file (omfile), meeting on the queue's mutex and condition
# variables.
#
#   - 50 concurrent clients send 2,000 syslog lines each (100,000, of 1 B
#     to 4 kB of text) over TCP; the file must come to hold every line
#     exactly once; rsyslogd stays on one OS thread (no reverse lookups
#     of the senders: net.enableDNS off) and stops on SIGTERM.

load ../bats/helpers
load compat

RSYSLOGD=/usr/sbin/rsyslogd

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "rsyslogd (imtcp, 4 main-queue workers): 50 clients x 2,000 lines over TCP, every line written once, one OS thread" {
    compat_row "rsyslogd (imtcp, 4 queue workers)" rsyslog "50 TCP clients x 2,000 syslog lines (1 B-4 kB); the file it writes checked line by line"
    require_programs "$RSYSLOGD"
    local dir=$BATS_TEST_TMPDIR/rsyslog port pid
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir" net.enableDNS="off")
module(load="imtcp")
input(type="imtcp" port="$port" address="127.0.0.1")
main_queue(queue.type="LinkedList" queue.workerThreads="4"
           queue.workerThreadMinimumMessages="100")
template(name="text" type="string" string="%msg%\n")
action(type="omfile" file="$dir/messages" template="text")
CONF
    start_bg rsyslogd timeout -s KILL 300 "$GREENRUN" -- "$RSYSLOGD" -n \
        -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid"
    wait_port "$port" "$BG_PID" 20
    pid=$(greenrun_child "$BG_PID" rsyslogd)
    run_load "$pid" -- syslog --port "$port" --clients 50 --lines 2000 \
        --file "$dir/messages"
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "100000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "rsyslogd's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
