/*
 * test_cond.c - condition variables: broadcast, signal, timeouts, queues.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

static green_mutex_t m = GREEN_MUTEX_INIT;
static green_cond_t c = GREEN_COND_INIT;

/* Yield, and sleep a little, until *flag reaches want or a generous bound
 * passes; give back the last value seen.  Keeps a lost wake-up from
 * turning into a hang. */
static int wait_for_count(const int *flag, int want)
{
    for (int i = 0; i < 200 && *flag < want; i++) {
        for (int j = 0; j < 10; j++)
            green_yield();
        if (*flag < want)
            ASSERT_EQ(green_sleep(TEST_MS), 0);
    }
    return *flag;
}

/* ---- broadcast -------------------------------------------------------- */

enum { NBROADCAST = 50 };

static int go;
static int waiting;
static int woken;

static void *predicate_waiter(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_lock(&m), 0);
    waiting++;
    while (!go)
        ASSERT_EQ(green_cond_wait(&c, &m), 0);
    woken++;
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return NULL;
}

static void *broadcast_main(void *arg)
{
    green_t *t[NBROADCAST];

    (void)arg;
    for (int i = 0; i < NBROADCAST; i++)
        ASSERT_EQ(green_spawn(&t[i], predicate_waiter, NULL, NULL), 0);
    ASSERT_EQ(wait_for_count(&waiting, NBROADCAST), NBROADCAST);
    ASSERT_EQ(green_cond_destroy(&c), EBUSY);
    ASSERT_EQ(woken, 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    go = 1;
    ASSERT_EQ(green_cond_broadcast(&c), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    ASSERT_EQ(wait_for_count(&woken, NBROADCAST), NBROADCAST);
    for (int i = 0; i < NBROADCAST; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    ASSERT_EQ(green_cond_destroy(&c), 0);
    return NULL;
}

TEST(cond_broadcast_wakes_all)
{
    test_run_green(broadcast_main, NULL);
}

/* ---- signal ----------------------------------------------------------- */

enum { NSIGNAL = 3 };

static int wake_order[NSIGNAL];

/* One wait, no predicate loop: each return from green_cond_wait counts,
 * so a signal that woke more than one waiter shows up. */
static void *single_waiter(void *arg)
{
    ASSERT_EQ(green_mutex_lock(&m), 0);
    waiting++;
    ASSERT_EQ(green_cond_wait(&c, &m), 0);
    wake_order[woken++] = (int)(intptr_t)arg;
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return NULL;
}

static void *signal_main(void *arg)
{
    green_t *t[NSIGNAL];

    (void)arg;
    for (int i = 0; i < NSIGNAL; i++) {
        ASSERT_EQ(green_spawn(&t[i], single_waiter, (void *)(intptr_t)i, NULL),
                  0);
        ASSERT_EQ(wait_for_count(&waiting, i + 1), i + 1);
    }
    for (int round = 1; round <= NSIGNAL; round++) {
        ASSERT_EQ(green_mutex_lock(&m), 0);
        ASSERT_EQ(green_cond_signal(&c), 0);
        ASSERT_EQ(green_mutex_unlock(&m), 0);
        ASSERT_EQ(wait_for_count(&woken, round), round);
        /* Give any extra wake-up every chance to show. */
        for (int i = 0; i < 10; i++)
            green_yield();
        ASSERT_EQ(green_sleep(5 * TEST_MS), 0);
        ASSERT_EQ(woken, round);
        /* The longest waiter goes first. */
        ASSERT_EQ(wake_order[round - 1], round - 1);
    }
    for (int i = 0; i < NSIGNAL; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    /* Signals with nobody waiting are not remembered. */
    ASSERT_EQ(green_cond_signal(&c), 0);
    ASSERT_EQ(green_cond_broadcast(&c), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 10 * TEST_MS);
    ASSERT_EQ(green_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &dl), ETIMEDOUT);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return NULL;
}

TEST(cond_signal_wakes_one)
{
    test_run_green(signal_main, NULL);
}

/* ---- timeouts --------------------------------------------------------- */

static void *expect_trylock_busy(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_mutex_trylock(&m), EBUSY);
    return NULL;
}

/* After a timed wait gave up, the waiter holds the mutex again. */
static void check_relocked(void)
{
    test_spawn_join(expect_trylock_busy, NULL);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
}

static void *timedwait_main(void *arg)
{
    static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
    green_cond_t ic;
    struct timespec dl;

    (void)arg;
    for (int i = 0; i < 2; i++) {
        clockid_t clock = clocks[i];

        /* green_cond_clockwait against an explicit clock. */
        ASSERT_EQ(green_mutex_lock(&m), 0);
        dl = test_deadline(clock, 20 * TEST_MS);
        ASSERT_EQ(green_cond_clockwait(&c, &m, clock, &dl), ETIMEDOUT);
        ASSERT_GE(test_now_ns(clock), test_timespec_ns(&dl));
        check_relocked();

        /* green_cond_timedwait against the clock given to init. */
        ASSERT_EQ(green_cond_init(&ic, clock), 0);
        ASSERT_EQ(green_mutex_lock(&m), 0);
        dl = test_deadline(clock, 20 * TEST_MS);
        ASSERT_EQ(green_cond_timedwait(&ic, &m, &dl), ETIMEDOUT);
        ASSERT_GE(test_now_ns(clock), test_timespec_ns(&dl));
        check_relocked();
        ASSERT_EQ(green_cond_destroy(&ic), 0);
    }

    /* A zero-filled cond times out against CLOCK_REALTIME. */
    ASSERT_EQ(green_mutex_lock(&m), 0);
    dl = test_deadline(CLOCK_REALTIME, 20 * TEST_MS);
    ASSERT_EQ(green_cond_timedwait(&c, &m, &dl), ETIMEDOUT);
    ASSERT_GE(test_now_ns(CLOCK_REALTIME), test_timespec_ns(&dl));
    check_relocked();
    return NULL;
}

TEST(cond_timedwait_timeout)
{
    test_run_green(timedwait_main, NULL);
}

static void *signaller(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_sleep(10 * TEST_MS), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    go = 1;
    ASSERT_EQ(green_cond_signal(&c), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return NULL;
}

static void *clockwait_signalled_main(void *arg)
{
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 5000 * TEST_MS);
    green_t *t;
    int r = 0;

    (void)arg;
    ASSERT_EQ(green_spawn(&t, signaller, NULL, NULL), 0);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    while (!go && r == 0)
        r = green_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &dl);
    ASSERT_EQ(r, 0);
    ASSERT_EQ(go, 1);
    check_relocked();
    ASSERT_EQ(green_join(t, NULL), 0);
    return NULL;
}

TEST(cond_clockwait_signalled_in_time)
{
    test_run_green(clockwait_signalled_main, NULL);
}

static void *cond_einval_main(void *arg)
{
    green_mutex_t em;
    green_cond_t bad;
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 20 * TEST_MS);

    (void)arg;
    ASSERT_EQ(green_cond_init(&bad, CLOCK_PROCESS_CPUTIME_ID), EINVAL);
    ASSERT_EQ(green_mutex_lock(&m), 0);
    ASSERT_EQ(green_cond_clockwait(&c, &m, CLOCK_PROCESS_CPUTIME_ID, &dl),
              EINVAL);
    dl.tv_nsec = 1000000000;
    ASSERT_EQ(green_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &dl), EINVAL);
    check_relocked();

    /* Waiting on an error-checking mutex the caller does not hold. */
    ASSERT_EQ(green_mutex_init(&em, GREEN_MUTEX_ERRORCHECK), 0);
    ASSERT_EQ(green_cond_wait(&c, &em), EPERM);
    ASSERT_EQ(green_mutex_destroy(&em), 0);
    return NULL;
}

TEST(cond_einval_eperm)
{
    test_run_green(cond_einval_main, NULL);
}

/* ---- producer/consumer ------------------------------------------------ */

enum {
    QSIZE = 64,
    NPRODUCERS = 4,
    NCONSUMERS = 4,
    NITEMS = 100000,
    PER_PRODUCER = NITEMS / NPRODUCERS
};

static green_cond_t not_full = GREEN_COND_INIT;
static green_cond_t not_empty = GREEN_COND_INIT;
static long queue[QSIZE];
static int qhead, qlen;
static unsigned char seen[NITEMS + 1];
static long long consumed_sum;
static long consumed_count;

static void put(long v)
{
    ASSERT_EQ(green_mutex_lock(&m), 0);
    while (qlen == QSIZE)
        ASSERT_EQ(green_cond_wait(&not_full, &m), 0);
    queue[(qhead + qlen++) % QSIZE] = v;
    ASSERT_EQ(green_cond_signal(&not_empty), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
}

static long get(void)
{
    long v;

    ASSERT_EQ(green_mutex_lock(&m), 0);
    while (qlen == 0)
        ASSERT_EQ(green_cond_wait(&not_empty, &m), 0);
    v = queue[qhead];
    qhead = (qhead + 1) % QSIZE;
    qlen--;
    ASSERT_EQ(green_cond_signal(&not_full), 0);
    ASSERT_EQ(green_mutex_unlock(&m), 0);
    return v;
}

static void *producer(void *arg)
{
    long p = (long)(intptr_t)arg;

    for (long i = 0; i < PER_PRODUCER; i++) {
        put(p * PER_PRODUCER + i + 1);
        if (i % 13 == 0)
            green_yield();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long v;

    (void)arg;
    while ((v = get()) != 0) {
        ASSERT(v >= 1 && v <= NITEMS);
        ASSERT_EQ(seen[v], 0);
        seen[v] = 1;
        consumed_sum += v;
        consumed_count++;
    }
    return NULL;
}

static void *queue_main(void *arg)
{
    green_t *p[NPRODUCERS], *cs[NCONSUMERS];

    (void)arg;
    for (int i = 0; i < NCONSUMERS; i++)
        ASSERT_EQ(green_spawn(&cs[i], consumer, NULL, NULL), 0);
    for (int i = 0; i < NPRODUCERS; i++)
        ASSERT_EQ(green_spawn(&p[i], producer, (void *)(intptr_t)i, NULL), 0);
    for (int i = 0; i < NPRODUCERS; i++)
        ASSERT_EQ(green_join(p[i], NULL), 0);
    for (int i = 0; i < NCONSUMERS; i++)
        put(0); /* one end marker per consumer */
    for (int i = 0; i < NCONSUMERS; i++)
        ASSERT_EQ(green_join(cs[i], NULL), 0);
    return NULL;
}

TEST(cond_producer_consumer)
{
    test_run_green(queue_main, NULL);
    ASSERT_EQ(consumed_count, NITEMS);
    ASSERT_EQ(consumed_sum, (long long)NITEMS * (NITEMS + 1) / 2);
    for (int v = 1; v <= NITEMS; v++)
        ASSERT_EQ(seen[v], 1);
}
