# Shared helpers for the fixture tests (echo, sleepers, faults, http,
# equivalence).
#
# The tests run the programs in $GREENRUN_BUILD/fixtures natively and under
# the launcher and compare what they print.  Two rules keep a broken greenrun
# from hanging the suite or leaking processes:
#
#   - every foreground command runs under `timeout`, so a hang shows up as
#     status 124 (or 137) in the failure output instead of a stuck suite;
#   - every background command goes through start_bg, which starts it in a
#     session of its own and records its pid, and greenrun_teardown ends all
#     of those sessions (TERM, then KILL) whether the test passed or not.
#
# Tests call greenrun_setup and greenrun_teardown from setup and teardown.

bats_require_minimum_version 1.5.0

# The checkout these tests belong to, wherever it is; the build tested is
# its build/ unless GREENRUN_BUILD names another (scripts/run-tests does).
GREENRUN_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
GREENRUN_BUILD=${GREENRUN_BUILD:-$GREENRUN_ROOT/build}
export GREENRUN_BUILD
FIXTURES=$GREENRUN_BUILD/fixtures
# The OS threads a greenrun'd program that starts threads runs on: one per
# worker (GREENRUN_WORKERS, which scripts/run-tests sets for a second
# pass); a program that never starts a thread stays on one.
GREENRUN_OS_THREADS=${GREENRUN_WORKERS:-1}
GREENRUN=$GREENRUN_ROOT/scripts/greenrun
# make valgrind: every program the tests start under greenrun runs under
# valgrind's memcheck too.  The process then bears the tool's name
# (memcheck-amd64-), which tests that print thread names cannot match.
if [ "${GREENRUN_VALGRIND:-0}" = 1 ]; then
    GREENRUN=$BATS_TEST_DIRNAME/valgrind_greenrun
fi

# skip_under_valgrind: skip a test whose output holds the process name.
skip_under_valgrind() {
    if [ "${GREENRUN_VALGRIND:-0}" = 1 ]; then
        skip "under valgrind the process bears the tool's name"
    fi
}

# skip_under_sanitizer WHY: skip when the library under test is the
# AddressSanitizer build (it needs its runtime loaded first, and its
# shadow memory and threads are not a program's).
skip_under_sanitizer() {
    if readelf -d "$GREENRUN_LIB" 2>/dev/null | grep -q 'libasan'; then
        skip "the sanitizer build: $1"
    fi
}
# The launcher would otherwise pick the library next to itself or in
# build/; test the one of the build being tested (build/asan, say).
export GREENRUN_LIB=${GREENRUN_LIB:-$GREENRUN_BUILD/libgreenrun.so}

# Seconds a foreground command may run before it counts as hung.
CMD_TIMEOUT=30

greenrun_setup() {
    BG_PIDS=()
    HELD_FDS=()
    if [ ! -x "$GREENRUN" ]; then
        echo "launcher missing: $GREENRUN"
        return 1
    fi
    if [ ! -f "$GREENRUN_LIB" ]; then
        echo "library missing: $GREENRUN_LIB" \
            "(make -C $GREENRUN_ROOT all)"
        return 1
    fi
    require_fixtures echo_server echo_client http_server sleepers faults ||
        return 1
    # Thousands of connections need thousands of descriptors.  The fixtures
    # raise their soft limit to the hard one themselves; do it here too.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null ||
        true
}

greenrun_teardown() {
    local fd

    for fd in ${HELD_FDS[@]+"${HELD_FDS[@]}"}; do
        exec {fd}>&-
    done
    HELD_FDS=()
    # BATS_TEST_COMPLETED is unset when the test failed: show the logs of
    # the background processes, which bats prints with the failure.
    if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
        dump_bg_logs
    fi
    stop_bg
}

# dump_bg_logs: print the head of every background process's stdout/stderr.
dump_bg_logs() {
    local f

    for f in "$BATS_TEST_TMPDIR"/*.out "$BATS_TEST_TMPDIR"/*.err; do
        [ -s "$f" ] || continue
        echo "--- ${f##*/}:"
        head -c 2000 "$f"
        echo
    done
}

# proc_alive PID: true while PID runs (a zombie counts as gone).
proc_alive() {
    local stat

    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# start_bg NAME CMD...: run CMD in the background, in a session of its own,
# with stdout and stderr in $BATS_TEST_TMPDIR/NAME.out and NAME.err, and
# stdin from /dev/null or, if BG_STDIN_FD is set, from that descriptor.
# Sets BG_PID.  fd 3 is bats' own output pipe: a child holding it would
# make bats wait for the child.
start_bg() {
    local name=$1 out err
    shift
    out=$BATS_TEST_TMPDIR/$name.out
    err=$BATS_TEST_TMPDIR/$name.err
    if [ -n "${BG_STDIN_FD:-}" ]; then
        setsid "$@" >"$out" 2>"$err" <&"$BG_STDIN_FD" 3>&- &
    else
        setsid "$@" >"$out" 2>"$err" </dev/null 3>&- &
    fi
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# stop_bg: end every process started by start_bg, and its session's
# process group, and reap them.  Never leaves one behind: TERM, up to 5 s
# of grace, then KILL.
stop_bg() {
    local pid i alive

    for pid in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
        kill -TERM -- "-$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    for ((i = 0; i < 50; i++)); do
        alive=0
        for pid in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
            if proc_alive "$pid" || kill -0 -- "-$pid" 2>/dev/null; then
                alive=1
            fi
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    BG_PIDS=()
}

# wait_bg PID SECONDS: wait up to SECONDS for PID (started by start_bg) to
# exit; sets BG_STATUS.  Fails, naming PID, if it is still running.
wait_bg() {
    local pid=$1 limit=$2 i

    for ((i = 0; i < limit * 20; i++)); do
        proc_alive "$pid" || break
        sleep 0.05
    done
    if proc_alive "$pid"; then
        echo "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) still" \
            "running after $limit s"
        return 1
    fi
    BG_STATUS=0
    wait "$pid" || BG_STATUS=$?
}

# mode_cmd MODE CMD...: sets CMD to CMD run natively or under greenrun.
mode_cmd() {
    local mode=$1
    shift
    case $mode in
    native) CMD=("$@") ;;
    greenrun) CMD=("$GREENRUN" -- "$@") ;;
    *)
        echo "mode_cmd: unknown mode $mode"
        return 1
        ;;
    esac
}

# start_server NAME MODE FIXTURE ARGS...: start a server fixture with a port
# file and wait (at most 10 s) for it to publish its port.  Sets SERVER_PID
# and SERVER_PORT.
start_server() {
    local name=$1 mode=$2 prog=$3 pf i
    shift 3
    pf=$BATS_TEST_TMPDIR/$name.port
    rm -f "$pf"
    mode_cmd "$mode" "$FIXTURES/$prog" --port-file "$pf" "$@"
    start_bg "$name" "${CMD[@]}"
    SERVER_PID=$BG_PID
    for ((i = 0; i < 200; i++)); do
        [ -s "$pf" ] && break
        if ! proc_alive "$SERVER_PID"; then
            echo "$prog ($mode) exited before publishing its port"
            return 1
        fi
        sleep 0.05
    done
    if [ ! -s "$pf" ]; then
        echo "$prog ($mode) published no port file within 10 s"
        return 1
    fi
    SERVER_PORT=$(<"$pf")
    if [[ ! $SERVER_PORT =~ ^[0-9]+$ ]]; then
        echo "bad port file: '$SERVER_PORT'"
        return 1
    fi
}

# assert_greenrun_process PID NAME: PID is the program NAME itself (the
# launcher exec'd it) and has libgreenrun.so mapped, so that what the test
# observes of PID is the program under greenrun.
assert_greenrun_process() {
    local pid=$1 name=$2 comm

    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || true
    # Under valgrind the process bears the name of valgrind's tool.
    if [ "${GREENRUN_VALGRIND:-0}" = 1 ] && [[ $comm == memcheck-* ]]; then
        comm=${name:0:15}
    fi
    if [ "$comm" != "${name:0:15}" ]; then
        echo "pid $pid is '$comm', not $name: did the launcher exec it?"
        return 1
    fi
    if ! grep -q 'libgreenrun\.so' "/proc/$pid/maps" 2>/dev/null; then
        echo "pid $pid ($name) does not have libgreenrun.so mapped"
        return 1
    fi
}

# wait_greenrun_process PID NAME: wait (at most 4 s) until PID, started
# through the launcher, has exec'd NAME with the library loaded, then
# assert_greenrun_process.
wait_greenrun_process() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q 'libgreenrun\.so' "/proc/$1/maps" 2>/dev/null && break
        proc_alive "$1" || break
        sleep 0.02
    done
    assert_greenrun_process "$1" "$2"
}

# threads_of PID: the "Threads:" count of PID, or nothing once it is gone.
threads_of() {
    awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

# fds_of PID: how many descriptors PID has open (0 once it is gone).
fds_of() {
    local fds=("/proc/$1/fd/"*)

    [ -e "${fds[0]}" ] || {
        echo 0
        return
    }
    echo "${#fds[@]}"
}

# sample_while TARGET WATCH SECONDS: sample TARGET's thread and descriptor
# counts every 50 ms for as long as WATCH runs (at most SECONDS).  Sets
# SAMPLES, MAX_THREADS and MAX_FDS.
sample_while() {
    local target=$1 watch=$2 limit=$3 i

    SAMPLES=0 MAX_THREADS=0 MAX_FDS=0
    for ((i = 0; i < limit * 20; i++)); do
        proc_alive "$watch" || break
        sample_once "$target"
        sleep 0.05
    done
}

# sample_once PID: one sample, folded into SAMPLES, MAX_THREADS, MAX_FDS.
sample_once() {
    local t f

    t=$(threads_of "$1")
    [ -n "$t" ] || return 0
    f=$(fds_of "$1")
    SAMPLES=$((SAMPLES + 1))
    [ "$t" -gt "$MAX_THREADS" ] && MAX_THREADS=$t
    [ "$f" -gt "$MAX_FDS" ] && MAX_FDS=$f
    return 0
}

# hold_connections N PORT: open N connections to an echo server from this
# shell and check that each echoes a line.  They stay open (HELD_FDS) until
# teardown, so the server has N blocked connection threads meanwhile.
hold_connections() {
    local n=$1 port=$2 i fd

    for ((i = 0; i < n; i++)); do
        if ! exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then
            echo "held connection $i: connect failed"
            return 1
        fi
        HELD_FDS+=("$fd")
    done
    check_held_echo first
}

# check_held_echo TAG: every held connection echoes "TAG N".
check_held_echo() {
    local i line

    for i in "${!HELD_FDS[@]}"; do
        printf '%s %d\n' "$1" "$i" >&"${HELD_FDS[i]}"
        line=
        if ! read -r -t 10 line <&"${HELD_FDS[i]}" ||
            [ "$line" != "$1 $i" ]; then
            echo "held connection $i: sent '$1 $i', echoed '$line'"
            return 1
        fi
    done
}

# record PREFIX CMD...: run CMD with its stdout and stderr in
# $BATS_TEST_TMPDIR/PREFIX.out and PREFIX.err and its exit status in
# PREFIX.status.  stdin is the caller's; fd 3, bats' own, is not passed on.
record() {
    local prefix=$BATS_TEST_TMPDIR/$1 st=0
    shift
    "$@" >"$prefix.out" 2>"$prefix.err" 3>&- || st=$?
    echo "$st" >"$prefix.status"
}

# timeout_without_fds SECONDS CMD...: CMD under timeout (TERM after
# SECONDS, KILL 5 s later), with every inherited descriptor above 2 closed
# so that a native and a greenrun run start alike.
timeout_without_fds() {
    local limit=$1
    shift
    timeout -k 5 "$limit" bash -c '
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && exec {fd}>&-
        done
        exec "$@"' closefds "$@"
}

# run_to PREFIX MODE CMD...: record CMD, run natively or under greenrun
# through timeout_without_fds.  stdin is the caller's.
run_to() {
    local prefix=$1
    mode_cmd "$2" "${@:3}"
    record "$prefix" timeout_without_fds "$CMD_TIMEOUT" "${CMD[@]}"
}

# transcript PREFIX: stdout of a run_to run followed by "exit=STATUS".
transcript() {
    cat "$BATS_TEST_TMPDIR/$1.out"
    echo "exit=$(<"$BATS_TEST_TMPDIR/$1.status")"
}

# assert_same_transcript A B: the recorded runs A and B printed the same
# stdout and exited alike; if not, shows how, and the head of B's stderr.
assert_same_transcript() {
    run diff -u <(transcript "$1") <(transcript "$2")
    if [ "$status" -ne 0 ]; then
        echo "stdout+status differ ($1 -, $2 +):"
        echo "$output"
        echo "--- $2 stderr:"
        head -c 2000 "$BATS_TEST_TMPDIR/$2.err"
        return 1
    fi
}

# assert_same_as_native [--killed] NAME CMD...: run CMD natively and under
# greenrun (with run_to, or with --killed run_killed), as NAME.native and
# NAME.greenrun; stdout and exit status must be identical.  Sets
# NATIVE_STATUS.
assert_same_as_native() {
    local runner=run_to name
    if [ "$1" = --killed ]; then
        runner=run_killed
        shift
    fi
    name=$1
    shift
    "$runner" "$name.native" native "$@"
    "$runner" "$name.greenrun" greenrun "$@"
    NATIVE_STATUS=$(<"$BATS_TEST_TMPDIR/$name.native.status")
    assert_same_transcript "$name.native" "$name.greenrun"
}

# assert_prints_same [--killed] NAME EXPECTED CMD...: natively CMD prints
# EXPECTED and exits 0, and under greenrun it prints the same and exits
# alike (assert_same_as_native).
assert_prints_same() {
    local killed=() name expected
    if [ "$1" = --killed ]; then
        killed=(--killed)
        shift
    fi
    name=$1 expected=$2
    shift 2
    assert_same_as_native ${killed[@]+"${killed[@]}"} "$name" "$@" || return 1
    assert_equal "$(transcript "$name.native")" "$expected"$'\n'"exit=0" \
        "native output of '$*'"
}

# combined_transcript MODE CMD...: CMD's stdout and stderr together, run
# natively or under greenrun with stdin from /dev/null, then
# "exit=STATUS"; a hang ends with SIGKILL.
combined_transcript() {
    local st=0
    mode_cmd "$1" "${@:2}"
    timeout -s KILL "$CMD_TIMEOUT" "${CMD[@]}" 2>&1 </dev/null || st=$?
    echo "exit=$st"
}

# assert_equal ACTUAL EXPECTED WHAT
assert_equal() {
    if [ "$1" != "$2" ]; then
        printf '%s\n  expected: %s\n  actual:   %s\n' "$3" "$2" "$1"
        return 1
    fi
}

# pattern N: the body of http_server's /bytes/N, byte i being 'a' + i % 26.
pattern() {
    yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1"
}

# assert_refuses_values VAR FLAG FORMAT VALUE...: with VAR set to each
# VALUE, the launcher's program stops before main with status 2 and one
# line, FORMAT (printf) of the value; so does FLAG with a bad value.
assert_refuses_values() {
    local var=$1 flag=$2 format=$3 v
    shift 3
    for v in "$@"; do
        run timeout -s KILL 10 env "$var=$v" "$GREENRUN" true
        assert_equal "$status" 2 "status with $var=$v" || return 1
        assert_equal "$output" "$(printf "$format" "$v")" "$var=$v" ||
            return 1
    done
    run timeout -s KILL 10 "$GREENRUN" "$flag" x true
    assert_equal "$status" 2 "status with $flag x"
}

# assert_closed_below_same HOW: closed_below HOW (a socket closed below
# close(), then a regular file on its number) prints natively what a file
# written and read back prints, and the same under greenrun.
assert_closed_below_same() {
    require_fixtures closed_below
    assert_prints_same "closed_$1" "close: 0
the file got the socket's number: yes
write: 6
pread: 6
read back: hello
done" "$FIXTURES/closed_below" "$1"
}

# greenrun_features: what --debug says this build and machine run with,
# for the program itself: the last process to say it (under make valgrind
# the valgrind launcher says it first, natively).
greenrun_features() {
    env GREENRUN_TLS=private GREENRUN_DEBUG=1 timeout -s KILL 10 \
        "$GREENRUN" true 2>&1 |
        awk '/^greenrun: mode: / { said = "" } { said = said $0 "\n" }
             END { printf "%s", said }'
}

# require_private_tls: skip unless green threads get TLS of their own here
# (the sanitizer build shares it).
require_private_tls() {
    [[ "$(greenrun_features)" == *"thread-local storage: private"* ]] ||
        skip "private TLS is not available in this build"
}

# require_syscall_trap: skip unless blocking calls below the hooks are
# trapped here (Syscall User Dispatch, private TLS).
require_syscall_trap() {
    [[ "$(greenrun_features)" == *"below the hooks: trapped"* ]] ||
        skip "the syscall trap is not available in this build or kernel"
}

# require_fixtures NAME...: fail the test, saying how to build them, when
# fixtures are missing.
require_fixtures() {
    local f
    for f in "$@"; do
        [ -x "$FIXTURES/$f" ] || {
            echo "fixture missing: $FIXTURES/$f (make -C $GREENRUN_ROOT all)"
            return 1
        }
    done
}

# run_killed PREFIX MODE CMD...: run_to's files (PREFIX.out, .err,
# .status), but a hang ends with SIGKILL and inherited descriptors stay.
run_killed() {
    local prefix=$1
    mode_cmd "$2" "${@:3}"
    record "$prefix" timeout -s KILL "$CMD_TIMEOUT" "${CMD[@]}"
}

# start_parked [ARGS...]: start the parked fixture under greenrun and wait
# until its threads all wait.  Sets PARKED_PID (the program, not timeout).
start_parked() {
    local i
    start_bg parked timeout -s KILL 120 "$GREENRUN" -- "$FIXTURES/parked" "$@"
    for ((i = 0; i < 200; i++)); do
        grep -q '^ready$' "$BATS_TEST_TMPDIR/parked.out" && break
        sleep 0.05
    done
    grep -q '^ready$' "$BATS_TEST_TMPDIR/parked.out"
    # "ready" means each thread is about to wait; on several OS threads one
    # may still be a step away from its wait.
    sleep 0.3
    PARKED_PID=$(pgrep -P "$BG_PID")
    [ -n "$PARKED_PID" ]
}

# setup_requiring CHECK [PATTERN]: greenrun_setup, then CHECK (a require_
# function) unless the test's description matches PATTERN; the tests run
# with private TLS, which the feature needs.
setup_requiring() {
    greenrun_setup
    if [ -z "${2:-}" ] || [[ $BATS_TEST_DESCRIPTION != $2 ]]; then
        "$1"
    fi
    export GREENRUN_TLS=private
}
