#!/usr/bin/env bats
# Feature: what greenrun installs.  The manual pages render with man -l
# without warnings, green(3) is what scripts/green-api-man makes of
# include/green.h, and `make deb` builds a package that, unpacked in a
# scratch root, runs a program with its own launcher and library and
# builds a program against its header, library and pkg-config file.

load helpers

setup() {
    greenrun_setup
    # A package is made of the plain build.
    skip_under_sanitizer "programs linked against it need libasan first"
    ROOT_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

teardown() {
    greenrun_teardown
}

@test "package: the manual pages render without warnings" {
    local page
    for page in greenrun.1 green.3; do
        run --separate-stderr env MANWIDTH=80 man --warnings -l \
            "$ROOT_DIR/docs/$page"
        [ "$status" -eq 0 ]
        [ -z "$stderr" ] || {
            echo "$page: $stderr"
            return 1
        }
    done
    run env MANWIDTH=80 man -l "$ROOT_DIR/docs/greenrun.1"
    [[ "$output" == *"kill -s RTMAX-2"* ]]
    [[ "$output" == *"info green-threads"* ]]
    run env MANWIDTH=80 man -l "$ROOT_DIR/docs/green.3"
    [[ "$output" == *"int green_spawn(green_t **thread"* ]]
}

@test "package: green(3) is up to date with include/green.h" {
    run diff -u "$ROOT_DIR/docs/green.3" \
        <("$ROOT_DIR/scripts/green-api-man" "$ROOT_DIR/include/green.h")
    [ "$status" -eq 0 ] || {
        echo "docs/green.3 is stale: scripts/green-api-man > docs/green.3"
        echo "$output"
        return 1
    }
}

@test "package: make deb builds a package that works unpacked in a scratch root" {
    local deb=$BATS_TEST_TMPDIR/greenrun.deb root=$BATS_TEST_TMPDIR/root b
    b=$GREENRUN_BUILD
    [[ "$b" == "$ROOT_DIR"/* ]] && b=${b#"$ROOT_DIR"/}
    run timeout -s KILL 600 make -C "$ROOT_DIR" --no-print-directory B="$b" \
        DEB="$deb" DEB_ROOT="$BATS_TEST_TMPDIR/deb" deb
    [ "$status" -eq 0 ] || {
        echo "$output" | tail -20
        return 1
    }
    run dpkg-deb -f "$deb" Package Version Depends
    [[ "$output" == *"Package: greenrun"* ]]
    dpkg-deb -x "$deb" "$root"
    local f
    for f in usr/bin/greenrun usr/lib/greenrun/libgreenrun.so \
        usr/include/green.h usr/lib/pkgconfig/greenrun.pc \
        usr/lib/libgreen.so.0 usr/lib/libgreen.a \
        usr/share/man/man1/greenrun.1.gz usr/share/man/man3/green.3.gz \
        usr/share/greenrun/greenrun-gdb.py; do
        [ -e "$root/$f" ] || {
            echo "missing from the package: $f"
            return 1
        }
    done
    run env MANWIDTH=80 man -l "$root/usr/share/man/man1/greenrun.1.gz"
    [[ "$output" == *"GREENRUN(1)"* ]]
    # The installed launcher finds the installed library and gdb script.
    run env -u GREENRUN_LIB "$root/usr/bin/greenrun" --gdb-script
    [ "$output" = "$root/usr/share/greenrun/greenrun-gdb.py" ]
    run env -u GREENRUN_LIB timeout -s KILL 60 "$root/usr/bin/greenrun" \
        -- "$FIXTURES/sleepers" 200 10
    [ "$status" -eq 0 ]
    [ "$output" = "started 200 threads, 200 woke" ]
    run env -u GREENRUN_LIB timeout -s KILL 60 "$root/usr/bin/greenrun" \
        -- grep -c "$root/usr/lib/greenrun/libgreenrun.so" /proc/self/maps
    [ "$output" -gt 0 ]
}

@test "package: a program builds against the installed header, library and greenrun.pc" {
    local root=$BATS_TEST_TMPDIR/root src=$BATS_TEST_TMPDIR/hello.c flags
    make -C "$ROOT_DIR" --no-print-directory PREFIX=/usr DESTDIR="$root" \
        B="${GREENRUN_BUILD#"$ROOT_DIR"/}" install >/dev/null
    cat >"$src" <<'C'
#include <green.h>
#include <stdio.h>

static void *hello(void *arg)
{
    green_sleep(1000000);
    printf("hello from green thread %llu\n",
           (unsigned long long)green_id(green_self()));
    return arg;
}

int main(void)
{
    return green_main(hello, NULL, NULL);
}
C
    # pkg-config leaves out -I/usr/include and -L/usr/lib before it
    # prefixes the sysroot, unless told not to.
    flags=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
        PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 \
        PKG_CONFIG_LIBDIR="$root/usr/lib/pkgconfig" \
        pkg-config --cflags --libs greenrun)
    cc -o "$BATS_TEST_TMPDIR/hello" "$src" $flags
    run env LD_LIBRARY_PATH="$root/usr/lib" timeout -s KILL 30 \
        "$BATS_TEST_TMPDIR/hello"
    [ "$status" -eq 0 ]
    [ "$output" = "hello from green thread 1" ]
}
