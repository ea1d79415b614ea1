/*
 * test.h - the unit-test framework: TEST(), assertions and small helpers.
 *
 * A test is `TEST(name) { ... }` in one of the tests/unit/test_*.c files,
 * listed once in list.h.  The runner (runner.c) runs each one in a forked
 * child with a timeout, like libuv's test/runner-unix.c.  An assertion that
 * fails prints file:line, the expression, both values and errno to stderr
 * and aborts, so the runner reports the test as killed by SIGABRT; with
 * GREEN_TEST_NOFORK=1 the abort stops gdb right at the failing line.
 *
 * Most tests run their body on green threads through test_run_green() and
 * assert there: an abort inside a green thread ends the whole child.
 */
#ifndef GREEN_TEST_H
#define GREEN_TEST_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEST(name)                                                             \
    void test_##name(void);                                                    \
    void test_##name(void)

void test_fail(const char *file, int line, const char *expr, const char *detail,
               int saved_errno) __attribute__((noreturn));
void test_fail_int(const char *file, int line, const char *expr, const char *op,
                   long long a, long long b, int saved_errno)
    __attribute__((noreturn));
void test_fail_ptr(const char *file, int line, const char *expr, const void *a,
                   const void *b, int saved_errno) __attribute__((noreturn));
void test_fail_str(const char *file, int line, const char *expr, const char *a,
                   const char *b, int saved_errno) __attribute__((noreturn));

#define ASSERT(cond)                                                           \
    do {                                                                       \
        if (!(cond))                                                           \
            test_fail(__FILE__, __LINE__, #cond, NULL, errno);                 \
    } while (0)

/* Both operands are evaluated once and compared as long long. */
#define ASSERT_INT_OP(a, op, b)                                                \
    do {                                                                       \
        long long test_a_ = (long long)(a);                                    \
        long long test_b_ = (long long)(b);                                    \
        if (!(test_a_ op test_b_))                                             \
            test_fail_int(__FILE__, __LINE__, #a " " #op " " #b, #op, test_a_, \
                          test_b_, errno);                                     \
    } while (0)

#define ASSERT_EQ(a, b) ASSERT_INT_OP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_INT_OP(a, !=, b)
#define ASSERT_GE(a, b) ASSERT_INT_OP(a, >=, b)
#define ASSERT_LE(a, b) ASSERT_INT_OP(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_INT_OP(a, >, b)
#define ASSERT_LT(a, b) ASSERT_INT_OP(a, <, b)

#define ASSERT_PTR_EQ(a, b)                                                    \
    do {                                                                       \
        const void *test_pa_ = (const void *)(a);                              \
        const void *test_pb_ = (const void *)(b);                              \
        if (test_pa_ != test_pb_)                                              \
            test_fail_ptr(__FILE__, __LINE__, #a " == " #b, test_pa_,          \
                          test_pb_, errno);                                    \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *test_sa_ = (a);                                            \
        const char *test_sb_ = (b);                                            \
        if (test_sa_ == NULL || test_sb_ == NULL ||                            \
            strcmp(test_sa_, test_sb_) != 0)                                   \
            test_fail_str(__FILE__, __LINE__, #a " == " #b, test_sa_,          \
                          test_sb_, errno);                                    \
    } while (0)

/* ---- Helpers (runner.c) ----------------------------------------------- */

/* Run fn(arg) under green_main, assert that it returned 0, and give back
 * fn's result. */
void *test_run_green(void *(*fn)(void *), void *arg);

/* Run fn(arg) on a new green thread, join it, and give back its result. */
void *test_spawn_join(void *(*fn)(void *), void *arg);

/* The timeout multiplier (GREEN_TEST_TIMEOUT_MULTIPLIER, default 1; 10
 * under valgrind). */
double test_timeout_multiplier(void);

/* 1 under valgrind (detected, or GREEN_TEST_VALGRIND=1). */
int test_under_valgrind(void);

/* clock_gettime(clock) in nanoseconds; asserts success. */
int64_t test_now_ns(clockid_t clock);

/* An absolute deadline ns nanoseconds from now on clock. */
struct timespec test_deadline(clockid_t clock, int64_t ns);
int64_t test_timespec_ns(const struct timespec *ts);

/* A small deterministic generator (xorshift64*); *state must not be 0. */
uint64_t test_rand(uint64_t *state);

/* FNV-1a 64; start with TEST_FNV_INIT. */
#define TEST_FNV_INIT UINT64_C(0xcbf29ce484222325)
uint64_t test_fnv1a(uint64_t hash, const void *buf, size_t len);

#define TEST_MS INT64_C(1000000)

#endif
