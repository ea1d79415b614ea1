/*
 * test_cpuclock.c - per-green-thread CPU clocks (sched/cpuclock.c): the
 * clockids that name green threads, and the time charged at switches.
 */
#include "cpuclock.h"
#include "test.h"

static void *yield_then_return(void *arg)
{
    green_yield();
    return arg;
}

static void *ids_main(void *arg)
{
    struct green__hub *h = green__hub;
    green_t *a, *b;
    uint64_t ns;

    (void)arg;
    ASSERT_EQ(green_spawn(&a, yield_then_return, NULL, NULL), 0);
    ASSERT_EQ(green_spawn(&b, yield_then_return, NULL, NULL), 0);
    clockid_t ca = green__cpu_clock_of(a), cb = green__cpu_clock_of(b);
    ASSERT_NE(ca, cb);
    /* Negative, as CPU clockids are; never a clock the kernel knows. */
    ASSERT_LT(ca, 0);
    ASSERT(green__is_green_cpu_clock(ca));
    ASSERT(!green__is_green_cpu_clock(CLOCK_THREAD_CPUTIME_ID));
    ASSERT(!green__is_green_cpu_clock(CLOCK_MONOTONIC));
    /* glibc's clockid for tid 1234: (~tid << 3) | 6. */
    ASSERT(!green__is_green_cpu_clock((clockid_t)(~1234u << 3 | 6)));
    ASSERT_EQ(green__cpu_clock_read(h, ca, &ns), 0);
    ASSERT_EQ(green__cpu_clock_read(h, cb, &ns), 0);
    ASSERT_EQ(green__cpu_clock_read(h, green__cpu_clock_of(green_self()), &ns),
              0);
    ASSERT_EQ(green_join(a, NULL), 0);
    /* A joined thread's clock names nobody. */
    ASSERT_EQ(green__cpu_clock_read(h, ca, &ns), -EINVAL);
    ASSERT_EQ(green_join(b, NULL), 0);
    return NULL;
}

TEST(cpuclock_ids_name_live_threads)
{
    test_run_green(ids_main, NULL);
}

static volatile unsigned long sink;

static void *spin(void *arg)
{
    for (long i = 0; i < 20000000; i++)
        sink += (unsigned long)i;
    return arg;
}

static void *nap(void *arg)
{
    for (int i = 0; i < 10; i++)
        green_sleep(2 * TEST_MS);
    return arg;
}

/* Which thread's CPU time: a sleeper's next to none while a spinner
 * computes; bounds no loaded machine can break.  Read through their
 * clockids, as another thread would. */
static void *charge_main(void *arg)
{
    struct green__hub *h = green__hub;
    green_t *spinner, *sleeper;
    uint64_t spun, slept;

    (void)arg;
    green__cpu_clocks_start(h);
    ASSERT(green__cpu_clocks_wanted());
    ASSERT_EQ(green_spawn(&sleeper, nap, NULL, NULL), 0);
    ASSERT_EQ(green_spawn(&spinner, spin, NULL, NULL), 0);
    clockid_t spinner_clock = green__cpu_clock_of(spinner);
    clockid_t sleeper_clock = green__cpu_clock_of(sleeper);
    /* A live thread's clock reads; an ended one's is gone. */
    while (spinner->state != GREEN__DONE || sleeper->state != GREEN__DONE) {
        if (sleeper->state != GREEN__DONE)
            ASSERT_EQ(green__cpu_clock_read(h, sleeper_clock, &slept), 0);
        green_sleep(TEST_MS);
    }
    ASSERT_EQ(green__cpu_clock_read(h, spinner_clock, &spun), -EINVAL);
    /* What they were charged stays until they are released. */
    spun = green__cpu_time(spinner);
    slept = green__cpu_time(sleeper);
    ASSERT_GT(spun, 0);
    ASSERT_LT(slept * 2, spun);
    /* The running thread's time grows while it runs. */
    uint64_t before = green__cpu_time(green_self());
    spin(NULL);
    ASSERT_GT(green__cpu_time(green_self()), before);
    ASSERT_EQ(green_join(spinner, NULL), 0);
    ASSERT_EQ(green_join(sleeper, NULL), 0);
    return NULL;
}

TEST(cpuclock_charges_the_thread_switched_out)
{
    test_run_green(charge_main, NULL);
}
