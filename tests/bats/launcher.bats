#!/usr/bin/env bats
# The greenrun launcher: options, finding the program and the library,
# refusing programs LD_PRELOAD cannot reach, and passing exit status,
# signals, arguments and output through unchanged.

bats_require_minimum_version 1.5.0

load launcher_helpers

setup_file() {
    # Static programs for the refusal tests, built once.  A machine without
    # static libc cannot build them; those tests then skip and say why.
    printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' \
        >"$BATS_FILE_TMPDIR/hello.c"
    cc -static -o "$BATS_FILE_TMPDIR/static_hello" "$BATS_FILE_TMPDIR/hello.c" \
        2>"$BATS_FILE_TMPDIR/static.log" || true
    cc -static-pie -o "$BATS_FILE_TMPDIR/static_pie_hello" \
        "$BATS_FILE_TMPDIR/hello.c" 2>"$BATS_FILE_TMPDIR/static_pie.log" || true
}

setup() {
    launcher_setup
}

# A small shared object to stand for a library the user already preloads.
make_user_preload() {
    echo 'int user_preload_marker;' >"$BATS_TEST_TMPDIR/user.c"
    cc -shared -fPIC -o "$BATS_TEST_TMPDIR/libuser.so" "$BATS_TEST_TMPDIR/user.c"
}

# Drops the libasan entry a sanitizer build adds right after the library
# (see scripts/greenrun for why it comes second).
without_asan() {
    local entry out=()
    IFS=: read -r -a entries <<<"$1"
    for entry in "${entries[@]}"; do
        case $entry in
        */libasan.so*) ;;
        *) out+=("$entry") ;;
        esac
    done
    (IFS=:; echo "${out[*]}")
}

@test "--help prints the usage on stdout and exits 0" {
    run --separate-stderr "$greenrun" --help
    [ "$status" -eq 0 ]
    expect_eq "first line" "Usage: greenrun [OPTIONS] [--] PROGRAM [ARGS...]" \
        "${lines[0]}"
    for opt in --stack-size --stats --monitor --debug --version; do
        [[ $output == *"$opt"* ]] || { echo "usage lacks $opt" >&2; false; }
    done
    expect_eq stderr "" "$stderr"
    help=$output
    run --separate-stderr "$greenrun" -h
    [ "$status" -eq 0 ]
    expect_eq "-h output" "$help" "$output"
}

@test "--version prints the Makefile's version" {
    version=$(sed -n 's/^VERSION *= *//p' "$BATS_TEST_DIRNAME/../../Makefile")
    run --separate-stderr "$greenrun" --version
    [ "$status" -eq 0 ]
    expect_eq stdout "greenrun $version" "$output"
    expect_eq stdout "greenrun 0.1.0" "$output"
    expect_eq stderr "" "$stderr"
}

@test "no program prints the usage on stderr and exits 2" {
    run --separate-stderr "$greenrun"
    [ "$status" -eq 2 ]
    expect_eq stdout "" "$output"
    expect_eq "first line" "Usage: greenrun [OPTIONS] [--] PROGRAM [ARGS...]" \
        "${stderr_lines[0]}"
    run --separate-stderr "$greenrun" --debug --stats
    [ "$status" -eq 2 ]
    expect_eq "first line" "Usage: greenrun [OPTIONS] [--] PROGRAM [ARGS...]" \
        "${stderr_lines[0]}"
}

@test "an unknown option is refused with exit 2 and the program does not run" {
    run --separate-stderr "$greenrun" --foo sh -c 'echo ran'
    [ "$status" -eq 2 ]
    expect_eq stdout "" "$output"
    expect_eq stderr "greenrun: unknown option --foo (see greenrun --help)" \
        "$stderr"
    run --separate-stderr "$greenrun" -x sh -c 'echo ran'
    [ "$status" -eq 2 ]
    expect_eq stderr "greenrun: unknown option -x (see greenrun --help)" \
        "$stderr"
    run --separate-stderr "$greenrun" --debug=1 sh -c 'echo ran'
    [ "$status" -eq 2 ]
    expect_eq stdout "" "$output"
    expect_eq stderr "greenrun: --debug takes no value (see greenrun --help)" \
        "$stderr"
}

@test "an option without its value is refused with exit 2" {
    for args in "--stack-size" "--monitor" "--stack-size=" "--monitor=" \
        "--stats="; do
        opt=${args%=}
        run --separate-stderr "$greenrun" $args
        [ "$status" -eq 2 ] || { echo "$args: status $status" >&2; false; }
        expect_eq "$args" "greenrun: $opt needs a value (see greenrun --help)" \
            "$stderr"
    done
    run --separate-stderr "$greenrun" --stack-size= sh -c 'echo ran'
    [ "$status" -eq 2 ]
    expect_eq stdout "" "$output"
}

@test "options after the program, or after --, belong to the program" {
    use_built_library
    run --separate-stderr "$greenrun" echo --stack-size --foo
    [ "$status" -eq 0 ]
    expect_eq stdout "--stack-size --foo" "$output"
    run --separate-stderr "$greenrun" -- echo --debug
    [ "$status" -eq 0 ]
    expect_eq stdout "--debug" "$output"
}

@test "option values reach the program as GREENRUN_* variables" {
    use_built_library
    show='echo "$GREENRUN_STACK_SIZE $GREENRUN_MONITOR_MS $GREENRUN_DEBUG $GREENRUN_STATS"'
    run --separate-stderr "$greenrun" --stack-size 64k --monitor=100 --debug \
        --stats=s.txt sh -c "$show"
    [ "$status" -eq 0 ]
    # A relative stats path is anchored where greenrun ran.
    expect_eq stdout "64k 100 1 $BATS_TEST_TMPDIR/s.txt" "$output"
    run --separate-stderr "$greenrun" --stack-size=1m --monitor 5 --stats \
        sh -c "$show"
    [ "$status" -eq 0 ]
    expect_eq stdout "1m 5  1" "$output"
}

@test "a program that is not found exits 127" {
    run -127 --separate-stderr "$greenrun" no-such-program-greenrun
    expect_eq stderr "greenrun: cannot find program 'no-such-program-greenrun'" \
        "$stderr"
    run -127 --separate-stderr "$greenrun" ./missing
    expect_eq stderr "greenrun: cannot find program './missing'" "$stderr"
}

@test "builtins and shell functions are not programs" {
    run -127 --separate-stderr "$greenrun" declare
    expect_eq stderr "greenrun: cannot find program 'declare'" "$stderr"
    greenrun_test_function() { echo ran; }
    export -f greenrun_test_function
    run -127 --separate-stderr "$greenrun" greenrun_test_function
    expect_eq stdout "" "$output"
    expect_eq stderr \
        "greenrun: cannot find program 'greenrun_test_function'" "$stderr"
}

@test "a program that is not executable exits 126" {
    printf '#!/bin/sh\necho ran\n' >script.sh
    chmod 644 script.sh
    run --separate-stderr "$greenrun" ./script.sh
    [ "$status" -eq 126 ]
    expect_eq stdout "" "$output"
    expect_eq stderr "greenrun: './script.sh' is not executable" "$stderr"
    mkdir dir
    run --separate-stderr "$greenrun" ./dir
    [ "$status" -eq 126 ]
    expect_eq stderr "greenrun: './dir' is not executable" "$stderr"
}

# refuses_static NAME FLAG: the launcher refuses NAME (built by setup_file
# with cc FLAG) with exit 126 and one line; skips, saying why, if cc could
# not build it.
refuses_static() {
    local prog=$BATS_FILE_TMPDIR/${1}_hello
    [ -x "$prog" ] ||
        skip "cc $2 fails here: $(head -1 "$BATS_FILE_TMPDIR/$1.log")"
    run --separate-stderr "$greenrun" "$prog"
    [ "$status" -eq 126 ]
    expect_eq stdout "" "$output"
    expect_eq stderr "greenrun: $prog is statically linked, so LD_PRELOAD cannot reach it; link it dynamically (or use the explicit API, -lgreen)" \
        "$stderr"
}

@test "a static program is refused with exit 126" {
    refuses_static static -static
}

@test "a static-pie program is refused with exit 126" {
    # A static-pie has a dynamic section but no interpreter.
    refuses_static static_pie -static-pie
}

@test "setuid and setgid programs are refused with exit 126" {
    for bit in u+s g+s; do
        prog=$BATS_TEST_TMPDIR/echo_$bit
        cp /bin/echo "$prog"
        chmod "$bit" "$prog"
        [ -u "$prog" ] || [ -g "$prog" ] || skip "chmod $bit does not work here"
        run --separate-stderr "$greenrun" "$prog" ran
        [ "$status" -eq 126 ] || { echo "$bit: status $status" >&2; false; }
        expect_eq "$bit stdout" "" "$output"
        expect_eq "$bit stderr" "greenrun: $prog is setuid or setgid, so the loader ignores LD_PRELOAD for it; run a copy without the setuid bit" \
            "$stderr"
    done
}

@test "#! scripts run with the library preloaded" {
    use_built_library
    printf '#!/bin/sh\necho "script $*"\n' >script.sh
    chmod 755 script.sh
    run --separate-stderr "$greenrun" ./script.sh a 'b c'
    [ "$status" -eq 0 ]
    expect_eq stdout "script a b c" "$output"
    expect_eq stderr "" "$stderr"
}

@test "the exit status passes through" {
    use_built_library
    run "$greenrun" sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run "$greenrun" true
    [ "$status" -eq 0 ]
    run "$greenrun" false
    [ "$status" -eq 1 ]
}

@test "death by a signal passes through" {
    use_built_library
    run "$greenrun" sh -c 'kill -TERM $$'
    [ "$status" -eq 143 ]
    run "$greenrun" sh -c 'kill -KILL $$'
    [ "$status" -eq 137 ]
}

@test "stdout, stdin and arguments pass through unchanged" {
    use_built_library
    native=$(env echo hello)
    run --separate-stderr "$greenrun" echo hello
    [ "$status" -eq 0 ]
    expect_eq "echo hello" "$native" "$output"
    expect_eq stderr "" "$stderr"

    args=('a b' '' '*' '-x' "it's" '$HOME')
    native=$(printf '[%s]' "${args[@]}")
    run --separate-stderr "$greenrun" printf '[%s]' "${args[@]}"
    expect_eq "printf arguments" "$native" "$output"

    run --separate-stderr bash -c 'printf "line 1\nline 2\n" | "$1" cat' _ \
        "$greenrun"
    expect_eq "cat of stdin" $'line 1\nline 2' "$output"
}

@test "argv[0] is the name that was typed" {
    use_built_library
    native=$(sh -c 'echo $0')
    run --separate-stderr "$greenrun" sh -c 'echo $0'
    expect_eq "\$0" "$native" "$output"
}

@test "LD_PRELOAD holds libgreenrun.so and the library is loaded" {
    use_built_library
    lib=$(readlink -f "$GREENRUN_LIB")
    run --separate-stderr "$greenrun" sh -c 'echo $LD_PRELOAD'
    [ "$status" -eq 0 ]
    expect_eq LD_PRELOAD "$lib" "$(without_asan "$output")"
    # The loader really mapped it, into the program and into its children.
    run --separate-stderr "$greenrun" cat /proc/self/maps
    [[ $output == *"$lib"* ]] || { echo "$lib not mapped" >&2; false; }
    run --separate-stderr "$greenrun" sh -c 'cat /proc/self/maps; exit 0'
    [[ $output == *"$lib"* ]] || { echo "$lib not mapped in child" >&2; false; }
}

@test "a previous LD_PRELOAD entry is kept after libgreenrun.so" {
    use_built_library
    make_user_preload
    lib=$(readlink -f "$GREENRUN_LIB")
    user=$BATS_TEST_TMPDIR/libuser.so
    run --separate-stderr env LD_PRELOAD="$user" "$greenrun" \
        sh -c 'echo $LD_PRELOAD'
    [ "$status" -eq 0 ]
    expect_eq LD_PRELOAD "$lib:$user" "$(without_asan "$output")"
    expect_eq stderr "" "$stderr"
}

@test "a nested greenrun does not preload the library twice" {
    use_built_library
    lib=$(readlink -f "$GREENRUN_LIB")
    run --separate-stderr "$greenrun" "$greenrun" sh -c 'echo $LD_PRELOAD'
    [ "$status" -eq 0 ]
    expect_eq LD_PRELOAD "$lib" "$(without_asan "$output")"
}

@test "GREENRUN_LIB naming a missing file is an error" {
    run -127 --separate-stderr env GREENRUN_LIB="$BATS_TEST_TMPDIR/nope.so" \
        "$greenrun" sh -c 'echo ran'
    expect_eq stdout "" "$output"
    expect_eq stderr "greenrun: GREENRUN_LIB=$BATS_TEST_TMPDIR/nope.so: no such file" \
        "$stderr"
}

@test "the library is found in the installed layout and next to greenrun" {
    built=$GREENRUN_BUILD/libgreenrun.so
    [ -f "$built" ] || { echo "$built was not built" >&2; false; }

    mkdir -p prefix/bin prefix/lib/greenrun
    cp "$greenrun" prefix/bin/greenrun
    cp "$built" prefix/lib/greenrun/libgreenrun.so
    run --separate-stderr prefix/bin/greenrun sh -c 'echo $LD_PRELOAD'
    [ "$status" -eq 0 ]
    expect_eq "installed layout" \
        "$BATS_TEST_TMPDIR/prefix/lib/greenrun/libgreenrun.so" \
        "$(without_asan "$output")"

    # Through a symbolic link to the launcher, as from ~/bin.
    mkdir links
    ln -s "$BATS_TEST_TMPDIR/prefix/bin/greenrun" links/greenrun
    run --separate-stderr links/greenrun sh -c 'echo $LD_PRELOAD'
    expect_eq "through a link" \
        "$BATS_TEST_TMPDIR/prefix/lib/greenrun/libgreenrun.so" \
        "$(without_asan "$output")"

    mkdir flat
    cp "$greenrun" flat/greenrun
    cp "$built" flat/libgreenrun.so
    run --separate-stderr flat/greenrun sh -c 'echo $LD_PRELOAD'
    [ "$status" -eq 0 ]
    expect_eq "next to greenrun" "$BATS_TEST_TMPDIR/flat/libgreenrun.so" \
        "$(without_asan "$output")"
}

@test "no library anywhere exits 127 and names where it looked" {
    mkdir -p alone/bin
    cp "$greenrun" alone/bin/greenrun
    d=$BATS_TEST_TMPDIR/alone
    run -127 --separate-stderr alone/bin/greenrun sh -c 'echo ran'
    expect_eq stdout "" "$output"
    expect_eq stderr "greenrun: cannot find libgreenrun.so (looked in: $d/bin, $d/lib/greenrun, $d/build); build it with make or set GREENRUN_LIB" \
        "$stderr"
}
