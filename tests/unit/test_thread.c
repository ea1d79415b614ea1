/*
 * test_thread.c - spawning, joining, detaching, ids, names and stacks.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

/* ---- join ------------------------------------------------------------- */

static void *returns_value(void *arg)
{
    green_yield();
    return arg;
}

static void __attribute__((noinline)) exit_from_depth(int depth, void *v)
{
    if (depth > 0) {
        exit_from_depth(depth - 1, v);
        ASSERT(!"green_exit returned");
    }
    if (v != NULL)
        green_exit(v);
}

static void *exits_with_value(void *arg)
{
    exit_from_depth(3, arg);
    return NULL;
}

static void *join_main(void *arg)
{
    green_t *a, *b;
    void *ra = NULL, *rb = NULL;

    (void)arg;
    ASSERT_EQ(green_spawn(&a, returns_value, (void *)0x1234, NULL), 0);
    ASSERT_EQ(green_spawn(&b, exits_with_value, (void *)0x5678, NULL), 0);
    ASSERT_EQ(green_join(b, &rb), 0);
    ASSERT_EQ(green_join(a, &ra), 0);
    ASSERT_PTR_EQ(ra, (void *)0x1234);
    ASSERT_PTR_EQ(rb, (void *)0x5678);
    /* A NULL result pointer is allowed. */
    ASSERT_EQ(green_spawn(&a, returns_value, (void *)0x1, NULL), 0);
    ASSERT_EQ(green_join(a, NULL), 0);
    return (void *)0xabcd;
}

TEST(thread_join_exit_value)
{
    ASSERT_PTR_EQ(test_run_green(join_main, NULL), (void *)0xabcd);
}

static void *main_exits(void *arg)
{
    green_exit(arg);
}

TEST(thread_main_green_exit)
{
    void *r = NULL;

    ASSERT_EQ(green_main(main_exits, (void *)0x77, &r), 0);
    ASSERT_PTR_EQ(r, (void *)0x77);
    /* result may be NULL. */
    ASSERT_EQ(green_main(returns_value, (void *)0x78, NULL), 0);
}

/* ---- join errors and detach ------------------------------------------- */

static int detached_ran;

static void *detached_body(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sleep(5 * TEST_MS), 0);
    detached_ran++;
    return NULL;
}

static void *join_errors_main(void *arg)
{
    green_attr_t attr = {0, 1, NULL};
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_join(green_self(), NULL), EDEADLK);
    ASSERT_EQ(green_timedjoin(green_self(), NULL, TEST_MS), EDEADLK);

    /* Detached by attr; it has not run yet, so the handle is valid. */
    ASSERT_EQ(green_spawn(&t, detached_body, NULL, &attr), 0);
    ASSERT_EQ(green_join(t, NULL), EINVAL);
    ASSERT_EQ(green_detach(t), EINVAL);

    /* Detached by green_detach. */
    ASSERT_EQ(green_spawn(&t, detached_body, NULL, NULL), 0);
    ASSERT_EQ(green_detach(t), 0);
    ASSERT_EQ(green_join(t, NULL), EINVAL);
    ASSERT_EQ(green_detach(t), EINVAL);
    return NULL;
}

TEST(thread_join_errors)
{
    test_run_green(join_errors_main, NULL);
    ASSERT_EQ(detached_ran, 2);
}

static void *sleeps_then_returns(void *arg)
{
    ASSERT_EQ(green_sleep(50 * TEST_MS), 0);
    return arg;
}

static void *timedjoin_main(void *arg)
{
    green_t *t;
    void *r = NULL;

    (void)arg;
    ASSERT_EQ(green_spawn(&t, sleeps_then_returns, (void *)0x42, NULL), 0);
    int64_t start = test_now_ns(CLOCK_MONOTONIC);
    ASSERT_EQ(green_timedjoin(t, &r, 10 * TEST_MS), ETIMEDOUT);
    ASSERT_GE(test_now_ns(CLOCK_MONOTONIC) - start, 10 * TEST_MS);
    ASSERT_PTR_EQ(r, NULL);
    ASSERT_EQ(green_timedjoin(t, &r, 5000 * TEST_MS), 0);
    ASSERT_PTR_EQ(r, (void *)0x42);

    /* "GREEN_FOREVER waits without limit" holds for timedjoin too. */
    ASSERT_EQ(green_spawn(&t, sleeps_then_returns, (void *)0x43, NULL), 0);
    ASSERT_EQ(green_timedjoin(t, &r, GREEN_FOREVER), 0);
    ASSERT_PTR_EQ(r, (void *)0x43);
    return NULL;
}

TEST(thread_timedjoin)
{
    test_run_green(timedjoin_main, NULL);
}

/* ---- ids, names, self ------------------------------------------------- */

static void *report_own_id(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)green_id(green_self());
}

static void *ids_main(void *arg)
{
    green_t *t[3];
    uint64_t last;

    (void)arg;
    ASSERT_EQ(green_id(green_self()), 1);
    last = 1;
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(green_spawn(&t[i], report_own_id, NULL, NULL), 0);
        ASSERT_GT(green_id(t[i]), last);
        last = green_id(t[i]);
    }
    for (int i = 0; i < 3; i++) {
        uint64_t id = green_id(t[i]);
        void *r = NULL;
        ASSERT_EQ(green_join(t[i], &r), 0);
        ASSERT_EQ((uint64_t)(uintptr_t)r, id);
    }
    return NULL;
}

TEST(thread_ids)
{
    test_run_green(ids_main, NULL);
}

static void *check_own_name(void *arg)
{
    ASSERT_STR_EQ(green_name(green_self()), (const char *)arg);
    green_set_name(green_self(), "renamed");
    ASSERT_STR_EQ(green_name(green_self()), "renamed");
    return NULL;
}

static void *names_main(void *arg)
{
    char buf[32];
    green_attr_t attr = {0, 0, buf};
    green_t *t;

    (void)arg;
    ASSERT_STR_EQ(green_name(green_self()), "");
    green_set_name(green_self(), "worker");
    ASSERT_STR_EQ(green_name(green_self()), "worker");
    green_set_name(green_self(), "abcdefghijklmnopqrstuvwxyz");
    ASSERT_STR_EQ(green_name(green_self()), "abcdefghijklmno");
    green_set_name(green_self(), "exactly-15-char");
    ASSERT_STR_EQ(green_name(green_self()), "exactly-15-char");

    /* attr.name is copied at spawn. */
    strcpy(buf, "named-by-attr");
    ASSERT_EQ(green_spawn(&t, check_own_name, "named-by-attr", &attr), 0);
    memset(buf, 'x', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    ASSERT_STR_EQ(green_name(t), "named-by-attr");
    ASSERT_EQ(green_join(t, NULL), 0);

    /* ... and cut to 15 bytes. */
    strcpy(buf, "0123456789abcdefghij");
    ASSERT_EQ(green_spawn(&t, check_own_name, "0123456789abcde", &attr), 0);
    ASSERT_STR_EQ(green_name(t), "0123456789abcde");
    ASSERT_EQ(green_join(t, NULL), 0);

    /* No name: "". */
    ASSERT_EQ(green_spawn(&t, check_own_name, "", NULL), 0);
    ASSERT_STR_EQ(green_name(t), "");
    green_set_name(t, "set-by-other");
    ASSERT_STR_EQ(green_name(t), "set-by-other");
    green_set_name(t, "");
    ASSERT_EQ(green_join(t, NULL), 0);
    return NULL;
}

TEST(thread_names)
{
    test_run_green(names_main, NULL);
}

static void *self_main(void *arg)
{
    green_t **out = arg;

    *out = green_self();
    ASSERT(*out != NULL);
    return NULL;
}

static void *nested_main(void *arg)
{
    (void)arg;
    ASSERT_NE(green_main(returns_value, NULL, NULL), 0);
    /* The refused call changed nothing: this thread still works. */
    ASSERT(green_self() != NULL);
    ASSERT_EQ(green_sleep(TEST_MS), 0);
    return (void *)0x5;
}

TEST(thread_nested_main_refused)
{
    ASSERT_PTR_EQ(test_run_green(nested_main, NULL), (void *)0x5);
}

TEST(thread_self_outside_is_null)
{
    green_t *inside = NULL;

    ASSERT_PTR_EQ(green_self(), NULL);
    test_run_green(self_main, &inside);
    ASSERT(inside != NULL);
    ASSERT_PTR_EQ(green_self(), NULL);
}

/* ---- scheduling ------------------------------------------------------- */

static void *set_flag(void *arg)
{
    *(int *)arg = 1;
    return NULL;
}

static void *spawn_runs_later_main(void *arg)
{
    int flag = 0;
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_spawn(&t, set_flag, &flag, NULL), 0);
    ASSERT_EQ(flag, 0);
    green_yield();
    ASSERT_EQ(flag, 1);
    ASSERT_EQ(green_join(t, NULL), 0);
    return NULL;
}

TEST(thread_spawn_runs_on_yield)
{
    test_run_green(spawn_runs_later_main, NULL);
}

static int detached_flag;

static void *detached_sleeper(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sleep(50 * TEST_MS), 0);
    detached_flag = 1;
    return NULL;
}

static void *detach_and_return_main(void *arg)
{
    green_attr_t attr = {0, 1, NULL};
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_spawn(&t, detached_sleeper, NULL, &attr), 0);
    return NULL;
}

TEST(thread_main_waits_for_detached)
{
    test_run_green(detach_and_return_main, NULL);
    ASSERT_EQ(detached_flag, 1);
}

enum { NMANY = 2000 };

static void *many_main(void *arg)
{
    static green_t *t[NMANY];

    (void)arg;
    for (int i = 0; i < NMANY; i++)
        ASSERT_EQ(green_spawn(&t[i], returns_value, (void *)(intptr_t)i, NULL),
                  0);
    /* Join in reverse, so most have ended before they are joined. */
    for (int i = NMANY - 1; i >= 0; i--) {
        void *r = NULL;
        ASSERT_EQ(green_join(t[i], &r), 0);
        ASSERT_EQ((intptr_t)r, i);
    }
    return NULL;
}

TEST(thread_spawn_join_many)
{
    test_run_green(many_main, NULL);
    /* Everything was released: it all works a second time. */
    test_run_green(many_main, NULL);
}

/* ---- stacks ----------------------------------------------------------- */

enum { USE_BYTES = 32 * 1024 };

/* Fill 32 KiB of the stack with a pattern, let the other thread (same
 * stack size, other pattern) run, and check the pattern is intact. */
static __attribute__((noinline)) int use_stack(unsigned char seed)
{
    volatile unsigned char buf[USE_BYTES];

    for (int i = 0; i < USE_BYTES; i++)
        buf[i] = (unsigned char)(seed + i * 7);
    for (int y = 0; y < 3; y++)
        green_yield();
    for (int i = 0; i < USE_BYTES; i++)
        if (buf[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

static void *stack_user(void *arg)
{
    return (void *)(intptr_t)use_stack((unsigned char)(intptr_t)arg);
}

static void *small_stack_main(void *arg)
{
    green_attr_t attr = {64 * 1024, 0, "small"};
    green_t *t[2];

    (void)arg;
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(
            green_spawn(&t[i], stack_user, (void *)(intptr_t)(i * 101), &attr),
            0);
    for (int i = 0; i < 2; i++) {
        void *r = NULL;
        ASSERT_EQ(green_join(t[i], &r), 0);
        ASSERT_PTR_EQ(r, (void *)1);
    }
    return NULL;
}

TEST(thread_small_stack)
{
    test_run_green(small_stack_main, NULL);
}
