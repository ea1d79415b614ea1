/*
 * test_sem.c - counting semaphores.
 */
#include <limits.h>
#include <stdint.h>

#include "green.h"
#include "test.h"

static green_sem_t s;

static int getvalue(green_sem_t *sem)
{
    int v = -12345;

    ASSERT_EQ(green_sem_getvalue(sem, &v), 0);
    return v;
}

static void *counting_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sem_init(&s, 3), 0);
    ASSERT_EQ(getvalue(&s), 3);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(green_sem_trywait(&s), 0);
    ASSERT_EQ(green_sem_trywait(&s), EAGAIN);
    ASSERT_EQ(getvalue(&s), 0);
    ASSERT_EQ(green_sem_post(&s), 0);
    ASSERT_EQ(green_sem_post(&s), 0);
    ASSERT_EQ(getvalue(&s), 2);
    ASSERT_EQ(green_sem_wait(&s), 0);
    ASSERT_EQ(getvalue(&s), 1);
    ASSERT_EQ(green_sem_destroy(&s), 0);
    return NULL;
}

TEST(sem_counting)
{
    test_run_green(counting_main, NULL);
}

static void *limits_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sem_init(&s, (unsigned)INT_MAX + 1u), EINVAL);
    ASSERT_EQ(green_sem_init(&s, INT_MAX), 0);
    ASSERT_EQ(green_sem_post(&s), EOVERFLOW);
    ASSERT_EQ(getvalue(&s), INT_MAX);
    ASSERT_EQ(green_sem_trywait(&s), 0);
    ASSERT_EQ(getvalue(&s), INT_MAX - 1);
    ASSERT_EQ(green_sem_destroy(&s), 0);
    return NULL;
}

TEST(sem_limits)
{
    test_run_green(limits_main, NULL);
}

/* ---- post wakes a waiter ---------------------------------------------- */

static int about_to_wait, passed;

static void *sem_waiter(void *arg)
{
    (void)arg;
    about_to_wait = 1;
    ASSERT_EQ(green_sem_wait(&s), 0);
    passed = 1;
    return NULL;
}

static void *post_wakes_main(void *arg)
{
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_sem_init(&s, 0), 0);
    ASSERT_EQ(green_spawn(&t, sem_waiter, NULL, NULL), 0);
    for (int i = 0; i < 5; i++)
        green_yield();
    ASSERT_EQ(green_sleep(2 * TEST_MS), 0);
    ASSERT_EQ(about_to_wait, 1);
    ASSERT_EQ(passed, 0);
    ASSERT_EQ(green_sem_post(&s), 0);
    ASSERT_EQ(green_join(t, NULL), 0);
    ASSERT_EQ(passed, 1);
    /* The post went to the waiter, not into the count. */
    ASSERT_EQ(getvalue(&s), 0);
    ASSERT_EQ(green_sem_trywait(&s), EAGAIN);
    ASSERT_EQ(green_sem_destroy(&s), 0);
    return NULL;
}

TEST(sem_post_wakes_waiter)
{
    test_run_green(post_wakes_main, NULL);
}

/* ---- timed waits ------------------------------------------------------ */

static void *post_later(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sleep(10 * TEST_MS), 0);
    ASSERT_EQ(green_sem_post(&s), 0);
    return NULL;
}

static void *timedwait_main(void *arg)
{
    static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
    struct timespec dl;
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_sem_init(&s, 0), 0);
    for (int i = 0; i < 2; i++) {
        dl = test_deadline(clocks[i], 20 * TEST_MS);
        ASSERT_EQ(green_sem_timedwait(&s, clocks[i], &dl), ETIMEDOUT);
        ASSERT_GE(test_now_ns(clocks[i]), test_timespec_ns(&dl));

        ASSERT_EQ(green_spawn(&t, post_later, NULL, NULL), 0);
        dl = test_deadline(clocks[i], 5000 * TEST_MS);
        ASSERT_EQ(green_sem_timedwait(&s, clocks[i], &dl), 0);
        ASSERT_EQ(green_join(t, NULL), 0);
        ASSERT_EQ(getvalue(&s), 0);
    }
    dl = test_deadline(CLOCK_MONOTONIC, 20 * TEST_MS);
    ASSERT_EQ(green_sem_timedwait(&s, CLOCK_PROCESS_CPUTIME_ID, &dl), EINVAL);
    dl.tv_nsec = 1000000000;
    ASSERT_EQ(green_sem_timedwait(&s, CLOCK_MONOTONIC, &dl), EINVAL);
    /* A positive count is taken even when the deadline has passed. */
    ASSERT_EQ(green_sem_post(&s), 0);
    dl = test_deadline(CLOCK_MONOTONIC, -TEST_MS);
    ASSERT_EQ(green_sem_timedwait(&s, CLOCK_MONOTONIC, &dl), 0);
    ASSERT_EQ(green_sem_destroy(&s), 0);
    return NULL;
}

TEST(sem_timedwait)
{
    test_run_green(timedwait_main, NULL);
}

/* ---- producer/consumer ------------------------------------------------ */

enum {
    SLOTS = 32,
    NPRODUCERS = 2,
    NCONSUMERS = 3,
    NITEMS = 100000,
    PER_PRODUCER = NITEMS / NPRODUCERS
};

static green_sem_t empty_slots, full_slots, ring_lock;
static long ring[SLOTS];
static int ring_in, ring_out;
static unsigned char seen[NITEMS + 1];
static long long sum;
static long count;

/* ring_lock is a binary semaphore used as a mutex, with a yield inside the
 * critical section now and then to make the others queue on it. */
static void ring_put(long v, int yield)
{
    ASSERT_EQ(green_sem_wait(&empty_slots), 0);
    ASSERT_EQ(green_sem_wait(&ring_lock), 0);
    int at = ring_in;
    if (yield)
        green_yield();
    ring[at] = v;
    ring_in = (at + 1) % SLOTS;
    ASSERT_EQ(green_sem_post(&ring_lock), 0);
    ASSERT_EQ(green_sem_post(&full_slots), 0);
}

static long ring_get(void)
{
    ASSERT_EQ(green_sem_wait(&full_slots), 0);
    ASSERT_EQ(green_sem_wait(&ring_lock), 0);
    long v = ring[ring_out];
    ring_out = (ring_out + 1) % SLOTS;
    ASSERT_EQ(green_sem_post(&ring_lock), 0);
    ASSERT_EQ(green_sem_post(&empty_slots), 0);
    return v;
}

static void *sem_producer(void *arg)
{
    long p = (long)(intptr_t)arg;

    for (long i = 0; i < PER_PRODUCER; i++)
        ring_put(p * PER_PRODUCER + i + 1, i % 11 == 0);
    return NULL;
}

static void *sem_consumer(void *arg)
{
    long v;

    (void)arg;
    while ((v = ring_get()) != 0) {
        ASSERT(v >= 1 && v <= NITEMS);
        ASSERT_EQ(seen[v], 0);
        seen[v] = 1;
        sum += v;
        count++;
    }
    return NULL;
}

static void *sem_queue_main(void *arg)
{
    green_t *p[NPRODUCERS], *cs[NCONSUMERS];

    (void)arg;
    ASSERT_EQ(green_sem_init(&empty_slots, SLOTS), 0);
    ASSERT_EQ(green_sem_init(&full_slots, 0), 0);
    ASSERT_EQ(green_sem_init(&ring_lock, 1), 0);
    for (int i = 0; i < NCONSUMERS; i++)
        ASSERT_EQ(green_spawn(&cs[i], sem_consumer, NULL, NULL), 0);
    for (int i = 0; i < NPRODUCERS; i++)
        ASSERT_EQ(green_spawn(&p[i], sem_producer, (void *)(intptr_t)i, NULL),
                  0);
    for (int i = 0; i < NPRODUCERS; i++)
        ASSERT_EQ(green_join(p[i], NULL), 0);
    for (int i = 0; i < NCONSUMERS; i++)
        ring_put(0, 0);
    for (int i = 0; i < NCONSUMERS; i++)
        ASSERT_EQ(green_join(cs[i], NULL), 0);
    ASSERT_EQ(getvalue(&full_slots), 0);
    ASSERT_EQ(getvalue(&empty_slots), SLOTS);
    ASSERT_EQ(getvalue(&ring_lock), 1);
    return NULL;
}

TEST(sem_producer_consumer)
{
    test_run_green(sem_queue_main, NULL);
    ASSERT_EQ(count, NITEMS);
    ASSERT_EQ(sum, (long long)NITEMS * (NITEMS + 1) / 2);
    for (int v = 1; v <= NITEMS; v++)
        ASSERT_EQ(seen[v], 1);
}
