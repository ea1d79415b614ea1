/*
 * test_mutex.c - green mutexes: exclusion, hand-off, kinds, timeouts, FIFO.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

/* ---- Exclusion under contention --------------------------------------- */

enum { CONTENDERS = 100, ITERATIONS = 10000 };

static green_mutex_t counter_mutex = GREEN_MUTEX_INIT;
static long counter;

/* The increment is split around a yield inside the critical section, so
 * any lapse in exclusion or any lost hand-off loses or hangs increments. */
static void *contender(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERATIONS; i++) {
        ASSERT_EQ(green_mutex_lock(&counter_mutex), 0);
        long v = counter;
        if (i % 7 == 0)
            green_yield();
        counter = v + 1;
        ASSERT_EQ(green_mutex_unlock(&counter_mutex), 0);
    }
    return NULL;
}

static void *contention_main(void *arg)
{
    green_t *t[CONTENDERS];

    (void)arg;
    for (int i = 0; i < CONTENDERS; i++)
        ASSERT_EQ(green_spawn(&t[i], contender, NULL, NULL), 0);
    for (int i = 0; i < CONTENDERS; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(mutex_contention_exact_count)
{
    test_run_green(contention_main, NULL);
    ASSERT_EQ(counter, (long)CONTENDERS * ITERATIONS);
    ASSERT_EQ(green_mutex_destroy(&counter_mutex), 0);
}

/* ---- trylock, kinds --------------------------------------------------- */

static green_mutex_t m;

static void *expect_trylock_busy(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_trylock(&m), EBUSY);
    return NULL;
}

static void *expect_unlock_eperm(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_unlock(&m), EPERM);
    return NULL;
}

static void *lock_unlock(void *arg)
{
    int *acquired = arg;

    ASSERT_EQ(green_mutex_lock(&m), 0);
    if (acquired != NULL)
        *acquired = 1;
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return NULL;
}

static void *trylock_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_init(&m, GREEN_MUTEX_NORMAL), 0);
    ASSERT_EQ(green_mutex_trylock(&m), 0);
    test_spawn_join(expect_trylock_busy, NULL);
    ASSERT_EQ(green_mutex_trylock(&m), EBUSY);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_mutex_trylock(&m), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_mutex_destroy(&m), 0);
    return NULL;
}

TEST(mutex_trylock_busy)
{
    test_run_green(trylock_main, NULL);
}

static void *errorcheck_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_init(&m, GREEN_MUTEX_ERRORCHECK), 0);
    ASSERT_EQ(green_mutex_unlock(&m), EPERM);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    ASSERT_EQ(green_mutex_lock(&m), EDEADLK);
    ASSERT_EQ(green_mutex_trylock(&m), EBUSY);
    test_spawn_join(expect_unlock_eperm, NULL);
    test_spawn_join(expect_trylock_busy, NULL);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_mutex_unlock(&m), EPERM);
    /* Released for real: another thread gets it. */
    int acquired = 0;
    test_spawn_join(lock_unlock, &acquired);
    ASSERT_EQ(acquired, 1);
    ASSERT_EQ(green_mutex_destroy(&m), 0);
    return NULL;
}

TEST(mutex_errorcheck)
{
    test_run_green(errorcheck_main, NULL);
}

static void *recursive_main(void *arg)
{
    int acquired = 0;
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_mutex_init(&m, GREEN_MUTEX_RECURSIVE), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    ASSERT_EQ(green_mutex_trylock(&m), 0);
    test_spawn_join(expect_trylock_busy, NULL);
    test_spawn_join(expect_unlock_eperm, NULL);

    /* A waiter queues now and must not get in before the third unlock. */
    ASSERT_EQ(green_spawn(&t, lock_unlock, &acquired, NULL), 0);
    green_yield();
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    for (int i = 0; i < 5; i++)
        green_yield();
    ASSERT_EQ(acquired, 0);
    test_spawn_join(expect_trylock_busy, NULL);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_join(t, NULL), 0);
    ASSERT_EQ(acquired, 1);
    ASSERT_EQ(green_mutex_unlock(&m), EPERM);
    ASSERT_EQ(green_mutex_destroy(&m), 0);
    return NULL;
}

TEST(mutex_recursive)
{
    test_run_green(recursive_main, NULL);
}

static void *init_einval_main(void *arg)
{
    green_mutex_t bad;

    (void)arg;
    ASSERT_EQ(green_mutex_init(&bad, 12345), EINVAL);
    ASSERT_EQ(green_mutex_init(&bad, -1), EINVAL);
    return NULL;
}

TEST(mutex_init_einval)
{
    test_run_green(init_einval_main, NULL);
}

/* ---- Timed locking ---------------------------------------------------- */

static void *timedlock_times_out(void *arg)
{
    clockid_t clock = (clockid_t)(intptr_t)arg;
    struct timespec dl = test_deadline(clock, 20 * TEST_MS);

    ASSERT_EQ(green_mutex_timedlock(&m, clock, &dl), ETIMEDOUT);
    ASSERT_GE(test_now_ns(clock), test_timespec_ns(&dl));
    return NULL;
}

static void *timedlock_einval(void *arg)
{
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 20 * TEST_MS);
    struct timespec bad = dl;

    (void)arg;
    ASSERT_EQ(green_mutex_timedlock(&m, CLOCK_PROCESS_CPUTIME_ID, &dl), EINVAL);
    bad.tv_nsec = 1000000000;
    ASSERT_EQ(green_mutex_timedlock(&m, CLOCK_MONOTONIC, &bad), EINVAL);
    bad.tv_nsec = -1;
    ASSERT_EQ(green_mutex_timedlock(&m, CLOCK_MONOTONIC, &bad), EINVAL);
    return NULL;
}

static void *timedlock_in_time(void *arg)
{
    clockid_t clock = (clockid_t)(intptr_t)arg;
    struct timespec dl = test_deadline(clock, 5000 * TEST_MS);

    ASSERT_EQ(green_mutex_timedlock(&m, clock, &dl), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return (void *)1;
}

static void *timedlock_main(void *arg)
{
    static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
    green_t *t;
    void *r = NULL;

    (void)arg;
    ASSERT_EQ(green_mutex_init(&m, GREEN_MUTEX_NORMAL), 0);
    for (int i = 0; i < 2; i++) {
        void *ck = (void *)(intptr_t)clocks[i];

        ASSERT_EQ(green_mutex_lock(&m), 0);
        test_spawn_join(timedlock_times_out, ck);
        test_spawn_join(timedlock_einval, NULL);
        ASSERT_EQ(green_mutex_unlock(&m), 0);
        /* The timed-out waiter left the queue: nobody was handed it. */
        ASSERT_EQ(green_mutex_trylock(&m), 0);

        /* Released while the waiter still has time: it gets the lock. */
        ASSERT_EQ(green_spawn(&t, timedlock_in_time, ck, NULL), 0);
        ASSERT_EQ(green_sleep(10 * TEST_MS), 0);
        ASSERT_EQ(green_mutex_unlock(&m), 0);
        ASSERT_EQ(green_join(t, &r), 0);
        ASSERT_PTR_EQ(r, (void *)1);
    }
    /* A free mutex is taken even when the deadline has passed. */
    struct timespec past = test_deadline(CLOCK_MONOTONIC, -TEST_MS);
    ASSERT_EQ(green_mutex_timedlock(&m, CLOCK_MONOTONIC, &past), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_mutex_destroy(&m), 0);
    return NULL;
}

TEST(mutex_timedlock)
{
    test_run_green(timedlock_main, NULL);
}

/* ---- FIFO hand-off ---------------------------------------------------- */

enum { NFIFO = 20 };

static int fifo_started;
static int fifo_order[NFIFO];
static int fifo_n;

static void *fifo_waiter(void *arg)
{
    int k = (int)(intptr_t)arg;

    fifo_started = k;
    ASSERT_EQ(green_mutex_lock(&m), 0);
    fifo_order[fifo_n++] = k;
    green_yield();
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return NULL;
}

static void *fifo_main(void *arg)
{
    green_t *t[NFIFO];

    (void)arg;
    ASSERT_EQ(green_mutex_init(&m, GREEN_MUTEX_NORMAL), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    for (int k = 0; k < NFIFO; k++) {
        ASSERT_EQ(green_spawn(&t[k], fifo_waiter, (void *)(intptr_t)k, NULL),
                  0);
        green_yield(); /* waiter k runs until it blocks in lock */
        ASSERT_EQ(fifo_started, k);
    }
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    /* Ownership went straight to waiter 0, which has not run yet.  Only a
     * trylock may still take it (std::lock relies on that); waiter 0 then
     * keeps its place at the head of the queue, so the order stays FIFO. */
    ASSERT_EQ(green_mutex_trylock(&m), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    for (int k = 0; k < NFIFO; k++)
        ASSERT_EQ(green_join(t[k], NULL), 0);
    ASSERT_EQ(fifo_n, NFIFO);
    for (int k = 0; k < NFIFO; k++)
        ASSERT_EQ(fifo_order[k], k);
    ASSERT_EQ(green_mutex_destroy(&m), 0);
    return NULL;
}

TEST(mutex_fifo_handoff)
{
    test_run_green(fifo_main, NULL);
}

/* ---- destroy ---------------------------------------------------------- */

static void *destroy_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_init(&m, GREEN_MUTEX_NORMAL), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    ASSERT_EQ(green_mutex_destroy(&m), EBUSY);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(green_mutex_destroy(&m), 0);
    /* Zero-filled is a valid, unlocked, normal mutex. */
    green_mutex_t z = GREEN_MUTEX_INIT;
    ASSERT_EQ(green_mutex_lock(&z), 0);
    ASSERT_EQ(green_mutex_trylock(&z), EBUSY);
    ASSERT_EQ(green_mutex_unlock(&z), 0);
    ASSERT_EQ(green_mutex_destroy(&z), 0);
    return NULL;
}

TEST(mutex_destroy_busy)
{
    test_run_green(destroy_main, NULL);
}
