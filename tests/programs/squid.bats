#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): Squid 5, a caching
# HTTP proxy.  Squid is one event loop, not threaded: it shows that an
# event-driven program with its own epoll loop runs unchanged under
# greenrun, where it stays a lone thread that blocks in the kernel.
#
#   - 100 concurrent clients, 30 requests each (3,000), through squid to
#     tests/fixtures/http_server on 127.0.0.1; every body is checked byte
#     for byte; squid stays on one OS thread and stops on SIGTERM.

load ../bats/helpers
load compat

SQUID=/usr/sbin/squid

setup() {
    greenrun_setup
    ROOT=
}

teardown() {
    greenrun_teardown
    [ -z "$ROOT" ] || rm -rf "$ROOT"
}

@test "squid: 100 clients x 30 requests through the proxy, every body checked, one OS thread" {
    compat_row "squid (event loop)" squid "100 clients x 30 GETs (1 B-300 kB) through the proxy, bodies checked"
    require_programs "$SQUID"
    start_server origin native http_server
    local port pid
    # Squid drops root for the proxy user, which must write here.
    ROOT=$(mktemp -d /tmp/greenrun-squid.XXXXXX)
    chmod 755 "$ROOT"
    chown proxy: "$ROOT" 2>/dev/null || chmod 777 "$ROOT"
    port=$(free_port)
    cat >"$ROOT/squid.conf" <<CONF
http_port 127.0.0.1:$port
pid_filename $ROOT/squid.pid
cache_log $ROOT/cache.log
access_log none
cache_store_log none
coredump_dir $ROOT
cache deny all
http_access allow all
max_filedescriptors 4096
shutdown_lifetime 1 seconds
CONF
    start_bg squid timeout -s KILL 300 "$GREENRUN" -- "$SQUID" -N \
        -f "$ROOT/squid.conf"
    wait_port "$port" "$BG_PID" 30
    pid=$(greenrun_child "$BG_PID" squid)
    run_load "$pid" -- http --port "$SERVER_PORT" --proxy "$port" \
        --clients 100 --requests 30
    compat_threads "$MAX_THREADS"
    assert_load_ok
    assert_equal "$LOAD_OUT" "3000 ok, 0 bad" "the load's result"
    assert_equal "$MAX_THREADS" 1 "squid's OS threads under load"
    kill -TERM "$pid"
    wait_bg "$BG_PID" 30
}
