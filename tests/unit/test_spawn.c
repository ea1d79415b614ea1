/*
 * test_spawn.c - what a spawn and a join cost the hub (sched/green.c): a
 * thread that ends hands the OS thread straight to its joiner, without a
 * poll for I/O between them.
 */
#include <stdint.h>

#include "hub.h"
#include "test.h"

enum { SPAWNS = 10 };

static void *returns_arg(void *arg)
{
    return arg;
}

/* The hub's poll count: libev's loop iterations, 0 before it has a loop. */
static unsigned polls(void)
{
    struct green__hub *h = green__hub;
    return h->loop ? ev_iteration(h->loop) : 0;
}

static void *join_direct_main(void *arg)
{
    (void)arg;
    /* Once through the hub, so that its loop exists and is counted. */
    ASSERT_EQ(green_sleep(TEST_MS / 10), 0);
    unsigned before = polls();
    ASSERT(green__hub->loop != NULL);
    for (intptr_t i = 1; i <= SPAWNS; i++)
        ASSERT_PTR_EQ(test_spawn_join(returns_arg, (void *)i), (void *)i);
    ASSERT_EQ(polls(), before);
    return NULL;
}

TEST(spawn_join_switches_straight_back)
{
    test_run_green(join_direct_main, NULL);
}

/* ---- a join whose time ran out as the thread ended ------------------- */

static green_t *late_joiner;

/* Ends only once its joiner's wait is over (timed out) but before the
 * joiner has run again: its end must not count on that joiner. */
static void *ends_after_joiner_timed_out(void *arg)
{
    while (late_joiner->state == GREEN__PARKED)
        green_yield();
    return arg;
}

static void *late_join_main(void *arg)
{
    green_t *t;
    void *r = NULL;

    (void)arg;
    late_joiner = green_self();
    ASSERT_EQ(green_spawn(&t, ends_after_joiner_timed_out, (void *)7, NULL), 0);
    ASSERT_EQ(green_timedjoin(t, &r, TEST_MS), ETIMEDOUT);
    /* Ended, not joined: kept among the hub's unjoined threads, which
     * the hub releases at its end if nobody joins them. */
    ASSERT_EQ(t->state, GREEN__DONE);
    ASSERT_PTR_EQ(t->q, &green__hub->zombies);
    ASSERT_EQ(green_join(t, &r), 0);
    ASSERT_PTR_EQ(r, (void *)7);
    return NULL;
}

TEST(spawn_join_timed_out_as_thread_ends)
{
    test_run_green(late_join_main, NULL);
}
