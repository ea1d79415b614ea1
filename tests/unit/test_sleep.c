/*
 * test_sleep.c - green_sleep: many sleepers, wake-up order, lower bounds.
 *
 * The only timing asserts are lower bounds: a sleeper never wakes before its
 * deadline.  Wake-up order is checked against deadlines that are whole
 * milliseconds apart and all lie in the future when the sleeps start.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

/* ---- 10,000 sleepers -------------------------------------------------- */
/*
 * Sleeper i reads the clock at t_i and sleeps (D_i - t_i) to reach its
 * deadline D_i.  The core reads its own clock when it arms the timer,
 * somewhat after t_i, so the timer really expires in [D_i, D_i + w_i],
 * where w_i runs from t_i to the next clock read of any sleeper, which
 * happens after the arming.  w_i is microseconds, unless the OS preempted
 * the process right there.  The wake-up order must be one that some choice
 * of expiry times within those windows explains: with tiny windows and
 * deadlines 1 ms apart, that is exactly the order of the deadlines, and a
 * preemption cannot make the test fail spuriously.
 */
enum { NSLEEPERS = 10000 };

struct sleeper_rec {
    int64_t deadline;
    int64_t read_at; /* t_i */
    int64_t window;  /* w_i; -1 until the next read closes it */
};

static green_t *sleepers[NSLEEPERS];
static struct sleeper_rec recs[NSLEEPERS];
static int64_t sleep_base; /* common start of all deadlines */
static int last_reader = -1;
static int woke_order[NSLEEPERS];
static int nwoke;
static int nlate;

static int64_t sleeper_deadline(int i)
{
    uint64_t s = (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15) + 1;

    return sleep_base + (int64_t)(test_rand(&s) % 100 + 1) * TEST_MS;
}

/* Read the clock, closing the window of the sleeper that read it last. */
static int64_t read_closing_window(int reader)
{
    int64_t now = test_now_ns(CLOCK_MONOTONIC);

    if (last_reader >= 0)
        recs[last_reader].window = now - recs[last_reader].read_at;
    last_reader = reader;
    return now;
}

static void *sleeper(void *arg)
{
    int i = (int)(intptr_t)arg;
    struct sleeper_rec *r = &recs[i];

    r->deadline = sleeper_deadline(i);
    r->window = -1;
    r->read_at = read_closing_window(i);
    int64_t left = r->deadline - r->read_at;
    if (left < 0) {
        nlate++; /* the machine was too slow to start them all in time */
        left = 0;
    }
    ASSERT_EQ(green_sleep(left), 0);
    ASSERT_GE(test_now_ns(CLOCK_MONOTONIC), r->deadline);
    woke_order[nwoke++] = i;
    return NULL;
}

/* Spawned after every sleeper, so it first runs after they all armed. */
static void *window_closer(void *arg)
{
    (void)arg;
    read_closing_window(-1);
    return NULL;
}

static void *many_sleepers_main(void *arg)
{
    green_t *closer;

    (void)arg;
    for (int i = 0; i < NSLEEPERS; i++)
        ASSERT_EQ(green_spawn(&sleepers[i], sleeper, (void *)(intptr_t)i, NULL),
                  0);
    ASSERT_EQ(green_spawn(&closer, window_closer, NULL, NULL), 0);
    /* No sleeper has run yet: give them all time to start sleeping before
     * the first deadline, so the deadlines alone decide the order. */
    sleep_base = test_now_ns(CLOCK_MONOTONIC) +
                 (int64_t)(300 * TEST_MS * test_timeout_multiplier());
    for (int i = 0; i < NSLEEPERS; i++)
        ASSERT_EQ(green_join(sleepers[i], NULL), 0);
    ASSERT_EQ(green_join(closer, NULL), 0);
    return NULL;
}

TEST(sleep_10000_wake_in_deadline_order)
{
    int64_t expiry = INT64_MIN; /* earliest expiry consistent so far */

    test_run_green(many_sleepers_main, NULL);
    ASSERT_EQ(nlate, 0);
    ASSERT_EQ(nwoke, NSLEEPERS);
    for (int k = 0; k < NSLEEPERS; k++) {
        const struct sleeper_rec *r = &recs[woke_order[k]];
        ASSERT_GE(r->window, 0);
        /* 1 us covers the core's conversion of times to doubles. */
        int64_t latest = r->deadline + r->window + 1000;
        if (expiry < r->deadline)
            expiry = r->deadline;
        if (expiry > latest)
            fprintf(
                stderr,
                "wake-up %d: sleeper %d (deadline base+%lld us, window "
                "%lld ns) woke after one due at base+%lld us\n",
                k, woke_order[k], (long long)(r->deadline - sleep_base) / 1000,
                (long long)r->window, (long long)(expiry - sleep_base) / 1000);
        ASSERT_LE(expiry, latest);
    }
}

static void *sleep_args_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sleep(-1), EINVAL);
    ASSERT_EQ(green_sleep(INT64_MIN), EINVAL);
    ASSERT_EQ(green_sleep(0), 0);
    for (int64_t ms = 1; ms <= 20; ms *= 4) {
        int64_t start = test_now_ns(CLOCK_MONOTONIC);
        ASSERT_EQ(green_sleep(ms * TEST_MS), 0);
        ASSERT_GE(test_now_ns(CLOCK_MONOTONIC) - start, ms * TEST_MS);
    }
    return NULL;
}

TEST(sleep_einval_and_lower_bound)
{
    test_run_green(sleep_args_main, NULL);
}

/*
 * A thread that keeps yielding is always runnable.  The hub must still look
 * at its timers now and then, or the sleeper below would never wake and the
 * yielder would spin until the runner's timeout.
 */
static int sleeper_done;

static void *short_sleeper(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sleep(20 * TEST_MS), 0);
    sleeper_done = 1;
    return NULL;
}

static void *yield_while_sleeping_main(void *arg)
{
    long spins = 0;
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_spawn(&t, short_sleeper, NULL, NULL), 0);
    while (!sleeper_done) {
        green_yield();
        spins++;
    }
    ASSERT_GT(spins, 1);
    ASSERT_EQ(green_join(t, NULL), 0);
    return NULL;
}

TEST(sleep_wakes_while_others_yield)
{
    test_run_green(yield_while_sleeping_main, NULL);
}
