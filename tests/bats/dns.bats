#!/usr/bin/env bats
# Feature: name resolution.  glibc's resolver waits on sockets of its own,
# inside libc, where no hook sees it; under greenrun getaddrinfo and the
# other lookup functions run on the offload pool instead, so that fifty
# threads looking up fifty names wait for a slow DNS server side by side,
# not one after another, and get the answers they get natively.
#
# glibc takes its servers from /etc/resolv.conf, which has no way to name a
# port.  So every run happens in a private mount and network namespace
# (unshare -mn, which needs root): there /etc/resolv.conf, nsswitch.conf
# and hosts are bind-mounted test files, and fake_dns answers on
# 127.0.0.1:53 after $DNS_DELAY_MS.  Pointing _res.nsaddr_list at the
# server from the fixture would need no root, but would not reach the
# pool's threads, whose resolver state is their own (hooks/dns.c).

load helpers

DNS_DELAY_MS=300

setup() {
    greenrun_setup
    local f
    for f in fake_dns resolve; do
        if [ ! -x "$FIXTURES/$f" ]; then
            echo "fixture missing: $FIXTURES/$f (make all)"
            return 1
        fi
    done
    if [ "$(id -u)" != 0 ] || ! unshare -mn true 2>/dev/null; then
        skip "needs a private mount and network namespace (unshare -mn, root)"
    fi
    NS_DIR=$BATS_TEST_TMPDIR/etc
    mkdir -p "$NS_DIR"
    printf 'nameserver 127.0.0.1\noptions timeout:10 attempts:1\n' \
        >"$NS_DIR/resolv.conf"
    printf 'hosts: files dns\n' >"$NS_DIR/nsswitch.conf"
    printf '127.0.0.1 localhost\n' >"$NS_DIR/hosts"
}

teardown() {
    greenrun_teardown
}

# What runs inside the namespace: set up /etc, start fake_dns (it exits
# by itself after 60 s should this script be killed), run the command and
# time it.  Exit 90: a bind mount failed; 91: fake_dns did not start.
NS_SCRIPT='
set -u
dir=$1 fake=$2 delay=$3 prefix=$4
shift 4
for f in resolv.conf nsswitch.conf hosts; do
    mount --bind "$dir/$f" "/etc/$f" || exit 90
done
# A running nscd would answer from the host resolver.
if [ -d /run/nscd ]; then
    mount -t tmpfs none /run/nscd || exit 90
fi
"$fake" --loopback-up --port 53 --delay "$delay" --lifetime 60 \
    --port-file "$prefix.port" >/dev/null 2>"$prefix.dns.err" 3>&- &
dns=$!
trap "kill $dns 2>/dev/null" EXIT
for ((i = 0; i < 200; i++)); do
    [ -s "$prefix.port" ] && break
    sleep 0.05
done
[ -s "$prefix.port" ] || exit 91
start=$(date +%s%N)
st=0
"$@" >"$prefix.out" 2>"$prefix.err" 3>&- || st=$?
echo $((($(date +%s%N) - start) / 1000000)) >"$prefix.ms"
echo "$st" >"$prefix.status"
'

# in_dns_ns PREFIX MODE CMD...: run CMD natively or under greenrun in a
# namespace whose only DNS server is fake_dns.  Leaves PREFIX.out, .err,
# .status and .ms (how long CMD took) in $BATS_TEST_TMPDIR.
in_dns_ns() {
    local prefix=$BATS_TEST_TMPDIR/$1 mode=$2 st=0
    shift 2
    mode_cmd "$mode" "$@"
    timeout -k 5 "$CMD_TIMEOUT" unshare -mn -- bash -c "$NS_SCRIPT" ns \
        "$NS_DIR" "$FIXTURES/fake_dns" "$DNS_DELAY_MS" "$prefix" \
        "${CMD[@]}" || st=$?
    if [ "$st" -ne 0 ]; then
        echo "namespace run of '$*' ($mode) failed with status $st"
        head -c 2000 "$prefix.dns.err" 2>/dev/null
        return 1
    fi
}

# same_as_native NAME CMD...: CMD's stdout and status under greenrun are
# those of a native run, and the native run got EXPECTED (if set).
same_as_native() {
    local name=$1
    shift
    in_dns_ns "$name.native" native "$@"
    in_dns_ns "$name.greenrun" greenrun "$@"
    if [ -n "${EXPECTED+set}" ]; then
        assert_equal "$(transcript "$name.native")" "$EXPECTED
exit=0" "native output of '$*' (is the fake server reached?)"
    fi
    assert_same_transcript "$name.native" "$name.greenrun"
}

# answers N TEMPLATE: the lines resolve should print for N threads: one
# TEMPLATE each, with every @ replaced by the thread's number.
answers() {
    local i
    for ((i = 0; i < $1; i++)); do
        echo "${2//@/$i}"
    done
}

@test "50 threads' getaddrinfo wait side by side: about one server delay" {
    export GREENRUN_STATS=$BATS_TEST_TMPDIR/stats
    EXPECTED=$(answers 50 'h@.greenrun.test 10.0.0.@')
    same_as_native gai "$FIXTURES/resolve" 50 'h%d.greenrun.test'
    local ms threads
    ms=$(<"$BATS_TEST_TMPDIR/gai.greenrun.ms")
    threads=$(sed -n 's/^threads at exit: //p' \
        "$BATS_TEST_TMPDIR/gai.greenrun.err")
    echo "greenrun: $ms ms (native: $(<"$BATS_TEST_TMPDIR/gai.native.ms")" \
        "ms), $threads OS threads at exit; $(<"$GREENRUN_STATS")"
    # One after another, the lookups would take 50 delays; the pool's 16
    # threads take 4 rounds.  The bound is loose on purpose.
    [ "$ms" -lt $((10 * DNS_DELAY_MS)) ]
    # The main thread and the pool's threads, which stay once started:
    # with several workers, each one and its own pool.
    [ "$threads" -ge 2 ] && [ "$threads" -le $((17 * GREENRUN_OS_THREADS)) ]
    grep -Eq ', 50 calls offloaded to the pool(;|$)' "$GREENRUN_STATS"
}

@test "every hooked lookup function gives its native answers" {
    DNS_DELAY_MS=30
    local call
    EXPECTED=$(answers 6 'h@.greenrun.test 10.0.0.@')
    for call in gethostbyname gethostbyname_r gethostbyname2_r res_query \
        res_search; do
        same_as_native "$call" "$FIXTURES/resolve" --call "$call" 6 \
            'h%d.greenrun.test'
    done
    EXPECTED=$(answers 6 '10.0.0.@ h@.greenrun.test')
    same_as_native getnameinfo "$FIXTURES/resolve" --call getnameinfo 6 \
        'h%d.greenrun.test'
}

@test "failed lookups report the native errors (gai, h_errno)" {
    DNS_DELAY_MS=30
    local call
    EXPECTED=$(answers 3 'nx@.greenrun.test error: Name or service not known')
    same_as_native nx "$FIXTURES/resolve" 3 'nx%d.greenrun.test'
    EXPECTED=$(answers 3 'nx@.greenrun.test error: Unknown host')
    for call in gethostbyname gethostbyname_r gethostbyname2_r res_query; do
        same_as_native "nx.$call" "$FIXTURES/resolve" --call "$call" 3 \
            'nx%d.greenrun.test'
    done
}

@test "a single-threaded program's lookup calls glibc directly" {
    DNS_DELAY_MS=30
    export GREENRUN_STATS=$BATS_TEST_TMPDIR/stats
    EXPECTED="10.0.0.5        h5.greenrun.test"
    same_as_native getent getent hosts h5.greenrun.test
    # Nothing else could run meanwhile: no pool thread was started.
    grep -Eq ', 0 calls offloaded to the pool(;|$)' "$GREENRUN_STATS"
}
