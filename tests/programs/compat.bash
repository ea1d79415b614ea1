# Helpers of tests/programs: the row each test gives the compatibility
# matrix (scripts/compat-matrix), free ports, and the checked loads of
# load.py.  Load after ../bats/helpers.
#
# A test names its program, package and load with compat_row first, and
# its OS threads under load with compat_threads once measured.  When
# COMPAT_DIR is set, the facts go to a file there named after a hash of
# the test's description, which scripts/compat-matrix finds again from the
# description in bats' TAP output (and the result with it).  Without
# COMPAT_DIR nothing is written.

LOAD=$BATS_TEST_DIRNAME/load.py

# compat_file: this test's row file, or nothing without COMPAT_DIR.
compat_file() {
    [ -n "${COMPAT_DIR:-}" ] || return 0
    printf '%s/%s.row\n' "$COMPAT_DIR" \
        "$(printf '%s' "$BATS_TEST_DESCRIPTION" | md5sum | cut -c1-16)"
}

# compat_set KEY VALUE: one fact of this test's row.
compat_set() {
    local f
    f=$(compat_file)
    [ -n "$f" ] || return 0
    mkdir -p "$COMPAT_DIR"
    touch "$f"
    sed -i "/^$1	/d" "$f"
    printf '%s\t%s\n' "$1" "$2" >>"$f"
}

# compat_row PROGRAM PACKAGE LOAD: start the row; the version is the
# installed package's (or "not installed").
compat_row() {
    local version
    version=$(dpkg-query -W -f '${Version}' "$2" 2>/dev/null) ||
        version="not installed"
    compat_set test "$BATS_TEST_DESCRIPTION"
    compat_set program "$1"
    compat_set package "$2"
    compat_set version "${version:-not installed}"
    compat_set load "$3"
}

# compat_threads N: the OS threads the program had under load.
compat_threads() {
    compat_set threads "$1"
}

# compat_note TEXT: what the matrix says of a failure (the reason found).
compat_note() {
    compat_set note "$1"
}

# require_programs PATH...: skip unless each is installed (make
# test-programs installs them).
require_programs() {
    local p
    for p in "$@"; do
        [ -e "$p" ] || skip "$p is missing (make test-programs installs it)"
    done
}

# free_port: a TCP port of 127.0.0.1 that was free a moment ago, for
# programs that cannot be told to take an ephemeral one.
free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_port PORT PID SECONDS: wait until 127.0.0.1:PORT accepts
# connections, failing early if PID exits.
wait_port() {
    local port=$1 pid=$2 limit=$3 i
    for ((i = 0; i < limit * 10; i++)); do
        if (exec 2>/dev/null 9<>"/dev/tcp/127.0.0.1/$port"); then
            return 0
        fi
        if ! proc_alive "$pid"; then
            echo "pid $pid exited before listening on port $port"
            return 1
        fi
        sleep 0.1
    done
    echo "nothing listens on port $port after $limit s"
    return 1
}

# greenrun_child PID NAME: the process NAME among PID and its descendants
# that has libgreenrun.so mapped (the program itself, below timeout).
greenrun_child() {
    local p
    for p in $1 $(pgrep -P "$1") $(pgrep -P "$(pgrep -d, -P "$1")" 2>/dev/null); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "${2:0:15}" ] || continue
        grep -q 'libgreenrun\.so' "/proc/$p/maps" 2>/dev/null || continue
        echo "$p"
        return 0
    done
    echo "no $2 under greenrun below pid $1"
    return 1
}

# run_load PID... -- LOAD-ARGS...: run load.py with LOAD-ARGS (allowed
# five minutes) while sampling the OS threads of the PIDs (their sum,
# each sample; the largest sum is MAX_THREADS).  Leaves the load's output
# in LOAD_OUT and its status in LOAD_STATUS.
run_load() {
    local pids=() load_pid t sum p
    while [ "$1" != -- ]; do
        pids+=("$1")
        shift
    done
    shift
    timeout -s KILL 300 /usr/bin/python3 "$LOAD" "$@" \
        >"$BATS_TEST_TMPDIR/load.out" 2>&1 &
    load_pid=$!
    MAX_THREADS=0
    while proc_alive "$load_pid"; do
        sum=0
        for p in "${pids[@]}"; do
            t=$(threads_of "$p")
            sum=$((sum + ${t:-0}))
        done
        [ "$sum" -gt "$MAX_THREADS" ] && MAX_THREADS=$sum
        sleep 0.05
    done
    LOAD_STATUS=0
    wait "$load_pid" || LOAD_STATUS=$?
    LOAD_OUT=$(<"$BATS_TEST_TMPDIR/load.out")
}

# assert_load_ok: the load passed; its output otherwise.
assert_load_ok() {
    if [ "$LOAD_STATUS" -ne 0 ]; then
        echo "load failed (status $LOAD_STATUS):"
        echo "$LOAD_OUT"
        return 1
    fi
}

# DNS_LOAD: what dns_load gives a DNS server, for compat_row.
DNS_LOAD="100 UDP clients x 100 queries, then 100 TCP clients x 50, for 1,000 A records of a local zone; every answer checked"

# dns_zone_file FILE: the zone greenrun.test of load.py's dns load, in
# master-file format, for the authoritative servers.
dns_zone_file() {
    {
        printf '$ORIGIN greenrun.test.\n$TTL 300\n'
        printf '@ SOA ns admin 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
        /usr/bin/python3 "$LOAD" dns-zone |
            awk '{ printf "%s. A %s\n", $1, $2 }'
    } >"$1"
}

# dns_load PORT PID: DNS_LOAD on 127.0.0.1:PORT, each part checked whole;
# MAX_THREADS (and the row's threads) is PID's most OS threads over both.
dns_load() {
    local port=$1 pid=$2 most
    run_load "$pid" -- dns --port "$port" --clients 100 --queries 100
    most=$MAX_THREADS
    compat_threads "$most"
    assert_load_ok
    assert_equal "$LOAD_OUT" "10000 ok, 0 bad" "the UDP load's result"
    run_load "$pid" -- dns --tcp --port "$port" --clients 100 --queries 50
    [ "$MAX_THREADS" -gt "$most" ] || MAX_THREADS=$most
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "5000 ok, 0 bad" "the TCP load's result"
}
