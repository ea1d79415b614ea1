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
