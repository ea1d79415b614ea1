/*
 * test_errno.c - errno belongs to the green thread, not to the OS thread.
 *
 * errno is per OS thread, so the core saves and restores it on every switch
 * (docs/DESIGN.md, pitfall 2).  Threads that set different values and then
 * yield or sleep must each find their own value again.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

enum { ROUNDS = 5000 };

static void *yield_worker(void *arg)
{
    int mine = (int)(intptr_t)arg;

    for (int i = 0; i < ROUNDS; i++) {
        errno = mine;
        green_yield();
        ASSERT_EQ(errno, mine);
        green_yield();
        ASSERT_EQ(errno, mine);
    }
    return NULL;
}

static void *errno_main(void *arg)
{
    green_t *a, *b;

    (void)arg;
    ASSERT_EQ(green_spawn(&a, yield_worker, (void *)(intptr_t)111, NULL), 0);
    ASSERT_EQ(green_spawn(&b, yield_worker, (void *)(intptr_t)222, NULL), 0);
    errno = 333;
    ASSERT_EQ(green_join(a, NULL), 0);
    ASSERT_EQ(green_join(b, NULL), 0);
    ASSERT_EQ(errno, 333);
    return NULL;
}

TEST(errno_per_green_thread)
{
    test_run_green(errno_main, NULL);
}

/*
 * Sleeping makes the hub run the event loop between switches, and the loop
 * makes system calls (epoll_wait, clock_gettime, ...) that may set errno.
 * green_sleep succeeds here, so the caller's errno must come back intact.
 */
static void *sleep_worker(void *arg)
{
    int mine = (int)(intptr_t)arg;

    for (int i = 0; i < 20; i++) {
        errno = mine;
        ASSERT_EQ(green_sleep(TEST_MS / 2), 0);
        ASSERT_EQ(errno, mine);
        errno = mine;
        green_yield();
        ASSERT_EQ(errno, mine);
    }
    return NULL;
}

static void *errno_sleep_main(void *arg)
{
    green_t *t[3];

    (void)arg;
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(
            green_spawn(&t[i], sleep_worker, (void *)(intptr_t)(100 + i), NULL),
            0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(errno_kept_across_sleep)
{
    test_run_green(errno_sleep_main, NULL);
}
