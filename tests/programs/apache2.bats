#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Apache httpd 2.4 with
# its threaded MPMs, in a scratch ServerRoot (not Debian's /etc/apache2).
# The parent process forks one child, which runs a listener thread and 100
# worker threads; LD_PRELOAD passes to it, so the child is under greenrun
# too.
#
#   - mpm_event and mpm_worker: 100 concurrent clients, 30 requests each
#     (3,000) for static files of 1 B to 300 kB, every body checked byte
#     for byte; the child stays on one OS thread and is never replaced
#     (no crash), and httpd stops on SIGTERM.

load ../bats/helpers
load compat

APACHE2=/usr/sbin/apache2
MODULES=/usr/lib/apache2/modules

setup() {
    greenrun_setup
    ROOT=
}

teardown() {
    greenrun_teardown
    # The children run as www-data, so the ServerRoot is outside bats'
    # private temporary directory.
    [ -z "$ROOT" ] || rm -rf "$ROOT"
}

# make_docroot DIR: DIR/bytes/N holding N bytes, byte i 'a' + i % 26,
# for every N load.py's http load asks for.
make_docroot() {
    mkdir -p "$1/bytes"
    /usr/bin/python3 - "$1/bytes" "$BATS_TEST_DIRNAME" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import load
for size in load.SIZES:
    for extra in range(26):
        n = size + extra
        with open(f"{sys.argv[1]}/{n}", "wb") as f:
            f.write(load.pattern(n))
PY
}

# serve_and_check MPM: the server, the load, the checks, the shutdown.
serve_and_check() {
    local mpm=$1 port parent child children
    ROOT=$(mktemp -d /tmp/greenrun-apache2.XXXXXX)
    chmod 755 "$ROOT"
    make_docroot "$ROOT/htdocs"
    port=$(free_port)
    cat >"$ROOT/httpd.conf" <<CONF
ServerRoot "$ROOT"
ServerName localhost
Listen 127.0.0.1:$port
PidFile "$ROOT/httpd.pid"
DefaultRuntimeDir "$ROOT"
ErrorLog "$ROOT/error.log"
LogLevel warn
LoadModule mpm_${mpm}_module $MODULES/mod_mpm_${mpm}.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
User www-data
Group www-data
StartServers 1
ServerLimit 1
ThreadLimit 100
ThreadsPerChild 100
MinSpareThreads 1
MaxSpareThreads 100
MaxRequestWorkers 100
MaxConnectionsPerChild 0
KeepAlive Off
DocumentRoot "$ROOT/htdocs"
<Directory "$ROOT/htdocs">
    Require all granted
</Directory>
CONF
    start_bg apache2 timeout -s KILL 300 "$GREENRUN" -- "$APACHE2" \
        -f "$ROOT/httpd.conf" -D FOREGROUND
    wait_port "$port" "$BG_PID" 20
    parent=$(greenrun_child "$BG_PID" apache2)
    child=$(pgrep -P "$parent")
    [ -n "$child" ] && [ "$(wc -w <<<"$child")" = 1 ] || {
        echo "apache2's children: '$child' (expected one)"
        return 1
    }
    assert_greenrun_process "$child" apache2
    run_load "$child" -- http --port "$port" --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    children=$(pgrep -P "$parent")
    assert_equal "$children" "$child" "apache2's child after the load"
    # A crash, or a scoreboard too small.  (AH00484, "server reached
    # MaxRequestWorkers", is no failure: with as many clients as workers,
    # mpm_event's listener may find no worker idle yet, more often on one
    # OS thread where the workers mark themselves idle only when they next
    # run, and it waits for one; every answer was checked above.)
    if grep -E 'exit signal|AH00485|AH03490' "$ROOT/error.log"; then
        echo "the child crashed or its scoreboard was full"
        return 1
    fi
    assert_equal "$MAX_THREADS" 1 "the child's OS threads under load"
    kill -TERM "$parent"
    wait_bg "$BG_PID" 30
}

@test "apache2 mpm_event: 100 clients x 30 static files, every body checked, child on one OS thread" {
    compat_row "apache2 (mpm_event, 100 threads)" apache2 "100 clients x 30 GETs of static files (1 B-300 kB), bodies checked"
    require_programs "$APACHE2" "$MODULES/mod_mpm_event.so"
    serve_and_check event
}

@test "apache2 mpm_worker: 100 clients x 30 static files, every body checked, child on one OS thread" {
    compat_row "apache2 (mpm_worker, 100 threads)" apache2 "100 clients x 30 GETs of static files (1 B-300 kB), bodies checked"
    require_programs "$APACHE2" "$MODULES/mod_mpm_worker.so"
    serve_and_check worker
}
