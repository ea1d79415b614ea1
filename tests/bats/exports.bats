#!/usr/bin/env bats
# The libraries export exactly what they declare: libgreenrun.so the names
# listed in shim/exports.map, libgreen.so the functions of include/green.h.

setup() {
    root="$BATS_TEST_DIRNAME/../.."
    build=${GREENRUN_BUILD:-$root/build}
}

defined_symbols() {
    nm -D --defined-only "$1" | awk '$2 ~ /^[TWiV]$/ {print $3}' |
        sed 's/@.*//' | sort -u
}

@test "libgreenrun.so exports exactly the names in shim/exports.map" {
    expected=$(sed -e 's|/\*.*\*/||' "$root/shim/exports.map" |
        sed -n '/global:/,/local:/p' | grep -v -e 'global:' -e 'local:' |
        tr ';' '\n' | tr -d ' \t' | grep -v '^$' | sort -u)
    actual=$(defined_symbols "$build/libgreenrun.so")
    diff <(echo "$expected") <(echo "$actual")
    [ "$(echo "$expected" | wc -l)" -gt 100 ]
}

@test "libgreen.so exports exactly the functions declared in green.h" {
    expected=$(grep -oE '\bgreen_[a-z_]+\(' "$root/include/green.h" |
        tr -d '(' | sort -u)
    actual=$(defined_symbols "$build/libgreen.so")
    diff <(echo "$expected") <(echo "$actual")
    [ "$(echo "$expected" | wc -l)" -gt 40 ]
}
