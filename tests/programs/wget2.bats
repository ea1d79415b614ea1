#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): GNU Wget2 1.99, a
# client this time: with --max-threads=16 it downloads on 16 threads at
# once, each taking URLs from a shared queue under a mutex and condition
# variable, on connections of its own.
#
#   - 1,000 distinct URLs of tests/fixtures/http_server on 127.0.0.1
#     (files of 1 B to 300 kB, 65 MB in all), downloaded by 16 threads;
#     every file checked byte for byte; wget2 runs at least 17 green
#     threads (16 downloaders and the main thread) on one OS thread.

load ../bats/helpers
load compat

WGET2=/usr/bin/wget2

setup() {
    greenrun_setup
}

teardown() {
    greenrun_teardown
}

@test "wget2 --max-threads=16: 1,000 downloads from a local server, every file checked, one OS thread" {
    compat_row "wget2 (16 download threads)" wget2 "1,000 URLs (1 B-300 kB, 65 MB) downloaded by 16 threads from a local server; every file checked"
    require_programs "$WGET2"
    start_server origin native http_server
    local dir=$BATS_TEST_TMPDIR/wget2 pid t
    mkdir -p "$dir"
    # The sizes of load.py's http load, each made distinct.
    /usr/bin/python3 - "$BATS_TEST_DIRNAME" "$SERVER_PORT" >"$dir/urls" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import load
for n in sorted({load.SIZES[i % 8] + i for i in range(1000)}):
    print(f"http://127.0.0.1:{sys.argv[2]}/bytes/{n}")
PY
    assert_equal "$(wc -l <"$dir/urls")" 1000 "URLs"
    start_bg wget2 timeout -s KILL 300 "$GREENRUN" --stats="$dir/stats" -- \
        "$WGET2" --no-config --max-threads=16 --no-robots -q \
        -i "$dir/urls" -P "$dir/files"
    # wget2 runs for about two seconds: sample its OS threads meanwhile.
    MAX_THREADS=0
    while proc_alive "$BG_PID"; do
        pid=$(pgrep -P "$BG_PID" -x wget2) &&
            t=$(threads_of "$pid") && [ -n "$t" ] &&
            [ "$t" -gt "$MAX_THREADS" ] && MAX_THREADS=$t
        sleep 0.02
    done
    compat_threads "$MAX_THREADS"
    wait_bg "$BG_PID" 1
    assert_equal "$BG_STATUS" 0 "wget2's exit status"
    run /usr/bin/python3 - "$BATS_TEST_DIRNAME" "$dir/urls" "$dir/files" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
import load
sizes = [int(u.rsplit("/", 1)[1]) for u in open(sys.argv[2])]
bad = [n for n in sizes
       if not os.path.exists(f"{sys.argv[3]}/{n}")
       or open(f"{sys.argv[3]}/{n}", "rb").read() != load.pattern(n)]
print(f"{len(sizes) - len(bad)} ok, {len(bad)} bad {bad[:5]}")
PY
    assert_equal "$output" "1000 ok, 0 bad []" "the downloaded files"
    # The sampling saw the program (not only timeout and the launcher),
    # and its 16 threads ran as green threads.
    assert_equal "$MAX_THREADS" 1 "wget2's OS threads"
    grep -Eq 'green threads \(peak (1[7-9]|[2-9][0-9]|[1-9][0-9]{2,}) alive\)' "$dir/stats" || {
        echo "greenrun's stats: $(cat "$dir/stats")"
        return 1
    }
}
