#!/usr/bin/env bats
# Programs as Debian ships them (make test-programs): MariaDB 10.11's
# mariadbd, thread per connection, under greenrun on one OS thread.
# It keeps its current connection in thread-local storage and, with its
# default settings, waits for InnoDB's I/O in io_uring_enter: it needs
# private TLS and the syscall trap.
#
#   - with --innodb-use-native-aio=0 and with the defaults (io_uring):
#     mariadb-slap with 200 concurrent clients, then 50 clients inserting
#     rows whose COUNT and SUM are checked; no aborted connection, one OS
#     thread throughout, and a clean shutdown on SIGTERM.

load ../bats/helpers
load compat

MARIADBD=/usr/sbin/mariadbd

setup() {
    greenrun_setup
    for p in "$MARIADBD" /usr/bin/mariadb-install-db /usr/bin/mariadb \
        /usr/bin/mariadb-slap; do
        [ -x "$p" ] || skip "$p is missing (make test-programs installs it)"
    done
    DB=$BATS_TEST_TMPDIR/db
    mkdir -p "$DB"
    mariadb-install-db --no-defaults --datadir="$DB/data" --user=root \
        --auth-root-authentication-method=normal >"$DB/install.log" 2>&1
}

teardown() {
    greenrun_teardown
}

# start_mariadb ARGS...: mariadbd under greenrun on a socket of its own;
# sets DB_PID once it is ready for connections.
start_mariadb() {
    local i
    start_bg mariadbd timeout -s KILL 300 "$GREENRUN" -- "$MARIADBD" \
        --no-defaults --datadir="$DB/data" --socket="$DB/sock" \
        --skip-networking --user=root --pid-file="$DB/pid" \
        --log-error="$DB/err.log" --max-connections=1000 "$@"
    for ((i = 0; i < 600; i++)); do
        grep -q 'ready for connections' "$DB/err.log" 2>/dev/null && break
        sleep 0.1
    done
    grep -q 'ready for connections' "$DB/err.log" || {
        echo "mariadbd did not start:"
        tail -20 "$DB/err.log"
        return 1
    }
    DB_PID=$(<"$DB/pid")
    assert_greenrun_process "$DB_PID" mariadbd
}

sql() {
    timeout -s KILL 60 mariadb --socket="$DB/sock" -uroot -N -B -e "$1"
}

# serve_and_check: the load, the checks, the shutdown.
serve_and_check() {
    local c threads pids=()
    run timeout -s KILL 120 mariadb-slap --socket="$DB/sock" -uroot \
        --concurrency=200 --iterations=2 --auto-generate-sql \
        --auto-generate-sql-load-type=mixed --number-of-queries=4000
    [ "$status" -eq 0 ] || {
        echo "$output"
        return 1
    }
    compat_threads "$(threads_of "$DB_PID")"
    assert_equal "$(threads_of "$DB_PID")" 1 "mariadbd's OS threads after slap"
    sql "CREATE DATABASE t; CREATE TABLE t.v (c INT, v INT) ENGINE=InnoDB"
    # Client c inserts v = c * 1000 + i for i in 1..20, one row a statement.
    for ((c = 1; c <= 50; c++)); do
        (for ((i = 1; i <= 20; i++)); do
            echo "INSERT INTO t.v VALUES ($c, $((c * 1000 + i)));"
        done | timeout -s KILL 60 mariadb --socket="$DB/sock" -uroot) &
        pids+=($!)
    done
    wait "${pids[@]}" # not the server's
    # sum over c of (20 * 1000 c + 210) = 20000 * 1275 + 50 * 210
    assert_equal "$(sql 'SELECT COUNT(*), SUM(v) FROM t.v')" \
        "1000	25510500" "rows inserted by 50 clients"
    assert_equal "$(sql 'SELECT COUNT(DISTINCT c) FROM t.v')" 50 "clients"
    if grep 'Aborted connection\|overrun' "$DB/err.log"; then
        echo "mariadbd dropped connections"
        return 1
    fi
    threads=$(threads_of "$DB_PID")
    assert_equal "$threads" 1 "mariadbd's OS threads"
    kill -TERM "$DB_PID"
    wait_bg "$BG_PID" 60
    grep -q 'Shutdown complete' "$DB/err.log"
}

@test "mariadbd --innodb-use-native-aio=0: 200 clients (mariadb-slap), 50 inserting clients, clean shutdown, one OS thread" {
    compat_row "mariadbd (--innodb-use-native-aio=0)" mariadb-server "200 mariadb-slap clients (mixed SQL), then 50 clients x 20 INSERTs; COUNT and SUM checked"
    start_mariadb --innodb-use-native-aio=0
    serve_and_check
}

@test "mariadbd with its defaults (io_uring): the same" {
    compat_row "mariadbd (InnoDB on io_uring)" mariadb-server "200 mariadb-slap clients (mixed SQL), then 50 clients x 20 INSERTs; COUNT and SUM checked"
    start_mariadb
    grep -q 'Using io_uring' "$DB/err.log" ||
        skip "this mariadbd does not use io_uring here"
    serve_and_check
}
