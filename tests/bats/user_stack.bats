#!/usr/bin/env bats
# Feature: a thread created on a stack the program gives
# (pthread_attr_setstack) runs on exactly that stack, under greenrun as
# natively: a local variable lies inside the buffer, pthread_getattr_np
# reports the buffer and size given (and no guard, as glibc), three
# quarters of it can be used at once, nothing is written beyond it, and it
# is still the program's after the join (written over, used again, freed).
# tests/fixtures/user_stack prints each check; the native output must be
# the expected one and greenrun's identical to it.

load helpers
load programs_helpers

setup() {
    programs_setup user_stack
}

teardown() {
    greenrun_teardown
}

checks() {
    local tls=$1 name

    for name in first again; do
        echo "$name: local inside the buffer: yes"
        echo "$name: getattr_np: 0, reports the given stack: yes, guard size 0"
        echo "$name: 3/4 of the stack used, inside the buffer: yes, intact: yes"
        [ -z "$tls" ] || echo "$name: thread-local variable its own: yes"
        echo "$name: fences around the buffer intact: yes"
    done
    [ -z "$tls" ] || echo "main: thread-local variable untouched: yes"
    echo "detached: local inside the buffer: yes"
    echo "detached: getattr_np: 0, reports the given stack: yes, guard size 0"
    echo "detached: 3/4 of the stack used, inside the buffer: yes, intact: yes"
    [ -z "$tls" ] || echo "detached: thread-local variable its own: yes"
    echo "detached: fences around the buffer intact: yes"
    echo "exit=0"
}

@test "pthread_attr_setstack: the thread runs on the buffer given, all of it, and the buffer stays the program's" {
    expect_same user_stack "$(checks)" "$FIXTURES/user_stack"
}

@test "pthread_attr_setstack with private TLS: the thread's TLS is its own, and none of it is taken from the buffer" {
    require_private_tls
    export GREENRUN_TLS=private
    expect_same user_stack_tls "$(checks tls)" "$FIXTURES/user_stack" tls
}
