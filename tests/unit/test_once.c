/*
 * test_once.c - green_once runs its function once, and callers wait for it.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

enum { NCALLERS = 20 };

static green_once_t once = GREEN_ONCE_INIT;
static int init_calls;
static int init_done;
static int callers_returned;

/* Blocks several times, so the other callers arrive while it runs. */
static void slow_init(void)
{
    init_calls++;
    for (int i = 0; i < 5; i++)
        green_yield();
    ASSERT_EQ(green_sleep(2 * TEST_MS), 0);
    for (int i = 0; i < 5; i++)
        green_yield();
    ASSERT_EQ(callers_returned, 0);
    init_done = 1;
}

static void *caller(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_once(&once, slow_init), 0);
    ASSERT_EQ(init_done, 1);
    ASSERT_EQ(init_calls, 1);
    callers_returned++;
    return NULL;
}

static void *once_main(void *arg)
{
    green_t *t[NCALLERS];

    (void)arg;
    for (int i = 0; i < NCALLERS; i++)
        ASSERT_EQ(green_spawn(&t[i], caller, NULL, NULL), 0);
    for (int i = 0; i < NCALLERS; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    /* Later calls return at once without running it again. */
    ASSERT_EQ(green_once(&once, slow_init), 0);
    ASSERT_EQ(init_calls, 1);
    return NULL;
}

TEST(once_runs_exactly_once)
{
    test_run_green(once_main, NULL);
    ASSERT_EQ(init_calls, 1);
    ASSERT_EQ(init_done, 1);
    ASSERT_EQ(callers_returned, NCALLERS);
}

/* Separate once objects are independent. */
static green_once_t once_a = GREEN_ONCE_INIT, once_b = GREEN_ONCE_INIT;
static int a_calls, b_calls;

static void init_a(void)
{
    a_calls++;
}

static void init_b(void)
{
    b_calls++;
}

static void *two_onces_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(green_once(&once_a, init_a), 0);
        ASSERT_EQ(green_once(&once_b, init_b), 0);
    }
    return NULL;
}

TEST(once_objects_independent)
{
    test_run_green(two_onces_main, NULL);
    ASSERT_EQ(a_calls, 1);
    ASSERT_EQ(b_calls, 1);
}
