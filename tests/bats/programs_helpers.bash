# Helpers for the tests that run real, unmodified threaded programs under
# greenrun: the pthread, C11 and C++ contract fixtures, the randomised
# differential stress test, CPython's threading and http.server, and
# multi-threaded Debian tools (pigz, xz, zstd).
#
# Load after helpers.bash (`load helpers`, then `load programs_helpers`):
# it builds on mode_cmd, transcript, start_bg, wait_bg and friends there.
#
# The pattern of every test is the same: run the program natively and under
# greenrun on the same input, require the outputs to be identical, and
# require the native output to be what the test expects, so that a fixture
# that prints nothing (or the wrong thing) fails too instead of comparing
# equal to an equally broken greenrun run.  Where strace is installed,
# every run also counts the OS threads it created: some natively, none
# under greenrun.

# Debian's interpreter: `python3` on PATH may be a pyenv shim, a bash
# script that would put bash, not CPython, under greenrun.
PY=/usr/bin/python3

# Fixture runs take a few seconds at most natively; a greenrun run that
# takes longer than this counts as hung (status 124 in the failure output).
# Kept well under a minute so that a known hang does not eat the suite's
# time budget.
FIXTURE_TIMEOUT=15

# programs_setup FIXTURE...: greenrun_setup, and each named fixture of
# $FIXTURES must have been built.
programs_setup() {
    greenrun_setup && require_fixtures "$@"
}

# run_case PREFIX MODE CMD...: like helpers.bash's run_to (CMD natively
# or under greenrun, every inherited descriptor above 2 closed, stdin the
# caller's, PREFIX.out, PREFIX.err and PREFIX.status in $BATS_TEST_TMPDIR)
# with $FIXTURE_TIMEOUT, and, when strace is installed, under strace
# watching only the clone family (--seccomp-bpf: nothing else stops), so
# that PREFIX.threads counts the OS threads the run created (clone with
# CLONE_THREAD, anywhere in the process tree).  Counting creations, unlike
# sampling /proc, cannot miss a thread that lived a millisecond.  timeout
# signals its whole process group, so a hung tracee dies with strace.
run_case() {
    local prefix=$BATS_TEST_TMPDIR/$1 mode=$2 st=0
    local -a trace=()
    shift 2

    if command -v strace >/dev/null; then
        # LeakSanitizer (sanitizer builds) cannot work under ptrace.
        trace=(env "ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
            strace -f -qq --seccomp-bpf -e trace=clone,clone3
            -e signal=none -o "$prefix.trace")
    fi
    mode_cmd "$mode" "$@"
    timeout_without_fds "$FIXTURE_TIMEOUT" ${trace[@]+"${trace[@]}"} \
        "${CMD[@]}" >"$prefix.out" 2>"$prefix.err" || st=$?
    echo "$st" >"$prefix.status"
    if [ -f "$prefix.trace" ]; then
        grep -c CLONE_THREAD "$prefix.trace" >"$prefix.threads" || true
    fi
}

# run_both NAME CMD...: run_case CMD natively and under greenrun, into
# $BATS_TEST_TMPDIR/runs/NAME.{native,greenrun}.*.  The files live in
# runs/, a subdirectory, so that greenrun_teardown's dump of background
# logs does not repeat them on failure: the assertions below print what
# matters.
run_both() {
    local name=$1
    shift
    mkdir -p "$BATS_TEST_TMPDIR/runs"
    run_case "runs/$name.native" native "$@"
    run_case "runs/$name.greenrun" greenrun "$@"
}

# show_file TITLE FILE: FILE's head, titled, for failure output.
show_file() {
    echo "--- $1:"
    head -c 3000 "$2"
    echo
}

# assert_native_output NAME EXPECTED: the native run's stdout plus
# "exit=STATUS" is EXPECTED.  This is what makes a broken fixture fail.
assert_native_output() {
    local name=$1 expected=$2

    run diff -u <(printf '%s\n' "$expected") \
        <(transcript "runs/$name.native")
    if [ "$status" -ne 0 ]; then
        echo "native output of $name is not the expected one" \
            "(expected -, native +):"
        echo "$output"
        show_file "native stderr" "$BATS_TEST_TMPDIR/runs/$name.native.err"
        return 1
    fi
}

# assert_greenrun_same NAME [stderr]: the greenrun run's stdout and exit
# status are the native run's, it created no OS thread (when that can be
# counted: assert_no_os_threads), and with "stderr", its stderr is the
# native run's too.
assert_greenrun_same() {
    local name=$1 what=${2:-}

    run diff -u <(transcript "runs/$name.native") \
        <(transcript "runs/$name.greenrun")
    if [ "$status" -ne 0 ]; then
        echo "stdout+status of $name differ (native -, greenrun +):"
        echo "$output"
        show_file "greenrun stderr" \
            "$BATS_TEST_TMPDIR/runs/$name.greenrun.err"
        return 1
    fi
    assert_no_os_threads "$name"
    [ "$what" = stderr ] || return 0
    run diff -u "$BATS_TEST_TMPDIR/runs/$name.native.err" \
        "$BATS_TEST_TMPDIR/runs/$name.greenrun.err"
    if [ "$status" -ne 0 ]; then
        echo "stderr of $name differs (native -, greenrun +):"
        echo "$output"
        return 1
    fi
}

# assert_no_os_threads NAME: when run_case could count (strace is
# installed), the native run created OS threads (so the probe sees them)
# and the greenrun run created none (but its workers, GREENRUN_OS_THREADS).
assert_no_os_threads() {
    local runs=$BATS_TEST_TMPDIR/runs/$1 native greenrun

    [ -f "$runs.native.threads" ] && [ -f "$runs.greenrun.threads" ] ||
        return 0
    native=$(<"$runs.native.threads")
    greenrun=$(<"$runs.greenrun.threads")
    if [ "$native" -lt 1 ]; then
        echo "natively $1 created no OS thread: the count proves nothing"
        return 1
    fi
    # With several workers, each process that starts threads starts its
    # workers (a forking program has several such processes).
    local workers=$((GREENRUN_OS_THREADS - 1))
    if { [ "$workers" -eq 0 ] && [ "$greenrun" -ne 0 ]; } ||
        { [ "$workers" -gt 0 ] && { [ $((greenrun % workers)) -ne 0 ] ||
            [ "$greenrun" -eq 0 ] ||
            [ "$greenrun" -gt $((workers * native)) ]; }; }; then
        echo "under greenrun $1 created $greenrun OS thread(s)" \
            "(natively $native):"
        grep CLONE_THREAD "$runs.greenrun.trace" | head -5
        return 1
    fi
}

# expect_same NAME EXPECTED CMD...: run CMD both ways; the native output
# must be EXPECTED (stdout then "exit=0"), and greenrun's stdout, stderr
# and status must equal native's.
expect_same() {
    local name=$1 expected=$2
    shift 2
    run_both "$name" "$@"
    assert_native_output "$name" "$expected"
    assert_greenrun_same "$name" stderr
}

# wait_for_line FILE REGEX SECONDS PID: wait until a line of FILE matches
# REGEX (printed in LINE), failing early if PID exits.
wait_for_line() {
    local file=$1 re=$2 limit=$3 pid=$4 i

    LINE=
    for ((i = 0; i < limit * 20; i++)); do
        LINE=$(grep -E -m1 -- "$re" "$file" 2>/dev/null) && return 0
        if ! proc_alive "$pid"; then
            echo "pid $pid exited before printing /$re/ to ${file##*/}"
            return 1
        fi
        sleep 0.05
    done
    echo "no line matching /$re/ in ${file##*/} after $limit s"
    return 1
}

# write_http_client FILE: a small HTTP/1.0 load client, run natively with
# Debian's python3.  Usage: FILE PORT PATH CLIENTS SERVER_PID.
#
# It opens CLIENTS connections and holds them all open; then, once the
# server holds a descriptor (and so has started a thread) for every one,
# it reads the server's "Threads:" count (natively the last threads may
# still be starting: it gives them 2 s), and only then do CLIENTS threads
# send their requests at once and read the responses, comparing each
# body's sha256 with the file's.  Prints "threads with N connections open:
# T" and "N clients: OK ok, B bad" (the first few failures on stderr).
#
# http.server listens with a backlog of 5, and the kernel drops the SYNs
# of connections beyond it, which then wait a second or more to be
# retransmitted: so the client never has more than 4 connections the
# server has not accepted yet, counting accepted ones in /proc/PID/fd.
write_http_client() {
    cat >"$1" <<'EOF'
import hashlib, os, socket, sys, threading, time

port, path, n, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
    sys.argv[4]
want = hashlib.sha256(open(path, "rb").read()).hexdigest()
name = path.rsplit("/", 1)[1]


def server_fds():
    return len(os.listdir(f"/proc/{pid}/fd"))


def server_threads():
    with open(f"/proc/{pid}/status") as f:
        return int([l.split()[1] for l in f if l.startswith("Threads:")][0])


def wait_accepted(count, seconds):
    end = time.monotonic() + seconds
    while server_fds() - base < count and time.monotonic() < end:
        time.sleep(0.001)


base = server_fds()
socks = []
for i in range(n):
    wait_accepted(i - 3, 30)
    socks.append(socket.create_connection(("127.0.0.1", port), timeout=60))
wait_accepted(n, 30)
end = time.monotonic() + 2
while server_threads() <= n and time.monotonic() < end:
    time.sleep(0.01)
print(f"threads with {n} connections open: {server_threads()}", flush=True)

results = [None] * n
go = threading.Event()


def client(i, s):
    try:
        go.wait()
        s.sendall(f"GET /{name} HTTP/1.0\r\n\r\n".encode())
        chunks = []
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            chunks.append(b)
        data = b"".join(chunks)
        head, _, body = data.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        got = hashlib.sha256(body).hexdigest()
        results[i] = "ok" if got == want and " 200 " in status else \
            f"{status!r}, {len(body)} bytes, sha256 {got}"
    except Exception as e:
        results[i] = f"{type(e).__name__}: {e}"
    finally:
        s.close()


threads = [threading.Thread(target=client, args=(i, s))
           for i, s in enumerate(socks)]
for t in threads:
    t.start()
go.set()
for t in threads:
    t.join()
bad = [r for r in results if r != "ok"]
for r in bad[:5]:
    print(r, file=sys.stderr)
print(f"{n} clients: {n - len(bad)} ok, {len(bad)} bad")
EOF
}

# start_http_server NAME MODE DIR: start `python3 -m http.server` (the
# ThreadingHTTPServer, one thread per connection) on an ephemeral port of
# 127.0.0.1, serving DIR, natively or under greenrun; wait for its
# "Serving HTTP on 127.0.0.1 port P" line.  Sets SERVER_PID, SERVER_PORT.
start_http_server() {
    local name=$1 mode=$2 dir=$3

    mode_cmd "$mode" "$PY" -u -m http.server 0 --bind 127.0.0.1 \
        --directory "$dir"
    start_bg "$name" "${CMD[@]}"
    SERVER_PID=$BG_PID
    wait_for_line "$BATS_TEST_TMPDIR/$name.out" \
        '^Serving HTTP on 127\.0\.0\.1 port [0-9]+' 20 "$SERVER_PID" ||
        return 1
    SERVER_PORT=$(sed -E 's/.* port ([0-9]+).*/\1/' <<<"$LINE")
}

# alive PID: like helpers.bash's proc_alive (a zombie counts as gone), but
# with builtins only, so that sampling does not fork.
alive() {
    local stat

    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# sample_threads_while TARGET WATCH SECONDS: every 20 ms for as long as
# WATCH runs (at most SECONDS), read TARGET's "Threads:" count.  Builtins
# only, no fork per sample, so that the CPU goes to the programs under
# test.  Sets SAMPLES and MAX_THREADS.
sample_threads_while() {
    local target=$1 watch=$2 limit=$3 i key value rest nap

    SAMPLES=0 MAX_THREADS=0
    # A pipe that never delivers: `read -t` on it sleeps without a fork.
    exec {nap}<> <(:)
    for ((i = 0; i < limit * 50; i++)); do
        alive "$watch" || break
        while read -r key value rest; do
            if [ "$key" = Threads: ]; then
                SAMPLES=$((SAMPLES + 1))
                [ "$value" -gt "$MAX_THREADS" ] && MAX_THREADS=$value
                break
            fi
        done 2>/dev/null <"/proc/$target/status" || true
        read -r -t 0.02 -u "$nap" || true
    done
    exec {nap}<&-
}
