#!/usr/bin/env bats
# The libraries export exactly what they declare: libgreenrun.so the hooks
# of sched/real_list.h, libgreen.so the functions of include/green.h.  Each
# listed hook is what a program's calls reach, and the table of real
# functions holds glibc's definitions.

bats_require_minimum_version 1.5.0 # run -127

load list_helpers

setup() {
    root="$BATS_TEST_DIRNAME/../.."
    build=${GREENRUN_BUILD:-$root/build}
}

# probe_bindings: run plt_probe under greenrun with every call bound at
# start-up, and keep what the loader says about each binding.  The launcher
# preloads the library as for any program (and a sanitizer build's runtime
# after it); env gives the loader's settings to the probe alone.
probe_bindings() {
    GREENRUN_LIB="$build/libgreenrun.so" timeout -s KILL 30 \
        "$root/scripts/greenrun" -- env LD_BIND_NOW=1 LD_DEBUG=bindings \
        "$build/fixtures/plt_probe" 2>"$BATS_TEST_TMPDIR/bindings"
}

# bound_names FROM TO: the symbols the loader bound from an object whose
# path ends in FROM to one whose path matches the extended regex TO.
bound_names() {
    grep -E "binding file [^ ]*$1 \[0\] to [^ ]*($2) \[0\]: normal symbol" \
        "$BATS_TEST_TMPDIR/bindings" |
        sed -n "s/.*normal symbol \`\([^']*\)'.*/\1/p" | sort -u
}

@test "libgreenrun.so exports exactly the hooks of sched/real_list.h" {
    expected=$(exported_names)
    actual=$(defined_symbols "$build/libgreenrun.so")
    diff <(echo "$expected") <(echo "$actual")
    [ "$(echo "$expected" | wc -l)" -gt 100 ]
}

@test "every function hooks/ defines for export is in sched/real_list.h" {
    # A hook left out of the list is not exported, so it never interposes.
    # Default visibility marks the hooks; green_* is libgreen's API.
    defined=$(readelf -sW "$build"/preload/hooks/*.o "$build"/preload/shim/*.o |
        awk '$5 ~ /GLOBAL|WEAK/ && $6 == "DEFAULT" && $7 != "UND" {print $8}' |
        grep -v '^green_' | sort -u)
    [ -n "$defined" ]
    diff <(echo "$defined") <(exported_names)
}

@test "a program calling each listed name through the PLT reaches libgreenrun.so" {
    probe_bindings
    diff <(exported_names) <(bound_names plt_probe 'libgreenrun\.so')
}

@test "the table of real functions holds glibc's definition of each entry" {
    # dlsym(RTLD_NEXT, ...) from libgreenrun.so shows as a binding from it.
    # In a sanitizer build the next definition may be ASan's interceptor,
    # preloaded after greenrun, which leads on to glibc's.
    probe_bindings
    glibc='lib(c|pthread|resolv|dl|rt|asan)\.so(\.[0-9]+)*'
    diff <(list_names hook real) \
        <(bound_names libgreenrun.so "$glibc" | grep -Fx -f <(list_names hook real))
}

@test "every hooked function's fortified variant in glibc is hooked too" {
    expected=$(hooked_chk_names)
    [ "$(echo "$expected" | wc -l)" -ge 7 ]
    missing=$(comm -23 <(echo "$expected" | sort) \
        <(defined_symbols "$build/libgreenrun.so"))
    if [ -n "$missing" ]; then
        echo "glibc has these fortified variants of hooked functions:"
        echo "$missing"
        return 1
    fi
}

@test "a libc function that cannot be found is reported, not recursed into" {
    run -127 timeout -s KILL 10 "$build/fixtures/real_missing"
    [ "$status" -eq 127 ]
    [ "$output" = "greenrun: cannot find the real read in the C library" ]
}

@test "libgreen.so exports exactly the functions declared in green.h" {
    expected=$(grep -oE '\bgreen_[a-z_]+\(' "$root/include/green.h" |
        tr -d '(' | sort -u)
    actual=$(defined_symbols "$build/libgreen.so")
    diff <(echo "$expected") <(echo "$actual")
    [ "$(echo "$expected" | wc -l)" -gt 40 ]
}
