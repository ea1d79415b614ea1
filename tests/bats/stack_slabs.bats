#!/usr/bin/env bats
# Feature: green stacks of the default size are slots of large slabs, each
# below a guard page, so that many threads cost few mappings (Debian's
# default vm.max_map_count of 65530 used to stop a process near 32,000
# green threads) and an overflow is still reported, naming the thread.

load helpers

setup() {
    greenrun_setup
    require_fixtures stack_slabs
}

teardown() {
    greenrun_teardown
}

@test "stack slabs: 40,000 parked threads of the default stack size add few mappings" {
    skip_under_valgrind
    run timeout -s KILL 120 "$FIXTURES/stack_slabs" guards
    [ "$status" -eq 0 ]
    if [ "$output" != "guard markers: yes" ]; then
        skip "the kernel has no guard markers (MADV_GUARD_INSTALL, Linux 6.13)"
    fi
    run timeout -s KILL 120 "$GREENRUN" --stack-size 64k -- \
        "$FIXTURES/stack_slabs" many 40000
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "parked 40000" ]
    maps=${lines[1]#mappings +}
    [ "$maps" -lt 1000 ]
}

@test "stack slabs: an overflow of a default-size stack between parked neighbours is reported" {
    skip_under_valgrind
    run timeout -s KILL 60 "$GREENRUN" --stack-size 64k -- \
        "$FIXTURES/stack_slabs" overflow
    echo "$output"
    # SIGABRT: 128 + 6.
    [ "$status" -eq 134 ]
    [[ "$output" == *"greenrun: green thread "*" overflowed its 64 KiB stack (set GREENRUN_STACK_SIZE)"* ]]
    [[ "$output" != *"not reached"* ]]
}
