/*
 * test_rwlock.c - reader-writer locks (reader-preferring, like glibc's).
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

static green_rwlock_t rw = GREEN_RWLOCK_INIT;
static int readers_in, writers_in, max_readers_in;
static int entered;

static void *reader(void *arg)
{
    int yields = (int)(intptr_t)arg;

    ASSERT_EQ(green_rwlock_rdlock(&rw), 0);
    ASSERT_EQ(writers_in, 0);
    readers_in++;
    entered++;
    if (readers_in > max_readers_in)
        max_readers_in = readers_in;
    for (int i = 0; i < yields; i++) {
        green_yield();
        ASSERT_EQ(writers_in, 0);
    }
    readers_in--;
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    return NULL;
}

static void *writer(void *arg)
{
    int yields = (int)(intptr_t)arg;

    ASSERT_EQ(green_rwlock_wrlock(&rw), 0);
    ASSERT_EQ(writers_in, 0);
    ASSERT_EQ(readers_in, 0);
    writers_in++;
    entered++;
    for (int i = 0; i < yields; i++) {
        green_yield();
        ASSERT_EQ(readers_in, 0);
        ASSERT_EQ(writers_in, 1);
    }
    writers_in--;
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    return NULL;
}

/* ---- readers share ---------------------------------------------------- */

enum { NREADERS = 5 };

static void *readers_main(void *arg)
{
    green_t *t[NREADERS];

    (void)arg;
    for (int i = 0; i < NREADERS; i++)
        ASSERT_EQ(green_spawn(&t[i], reader, (void *)(intptr_t)3, NULL), 0);
    for (int i = 0; i < NREADERS; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    ASSERT_EQ(readers_in, 0);
    /* A reader may take the lock again while it holds it. */
    ASSERT_EQ(green_rwlock_rdlock(&rw), 0);
    ASSERT_EQ(green_rwlock_rdlock(&rw), 0);
    ASSERT_EQ(green_rwlock_tryrdlock(&rw), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    ASSERT_EQ(green_rwlock_trywrlock(&rw), 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    return NULL;
}

TEST(rwlock_readers_share)
{
    test_run_green(readers_main, NULL);
    ASSERT_EQ(max_readers_in, NREADERS);
}

/* ---- writers exclude -------------------------------------------------- */

static void *expect_try_busy(void *arg)
{
    int rd = (int)(intptr_t)arg;

    if (rd)
        ASSERT_EQ(green_rwlock_tryrdlock(&rw), EBUSY);
    ASSERT_EQ(green_rwlock_trywrlock(&rw), EBUSY);
    return NULL;
}

static void *expect_tryrd_ok(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_rwlock_tryrdlock(&rw), 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    return NULL;
}

static void *exclusion_main(void *arg)
{
    green_t *t[4];

    (void)arg;
    ASSERT_EQ(green_rwlock_init(&rw), 0);

    /* A writer holds it: readers and writers wait. */
    ASSERT_EQ(green_rwlock_wrlock(&rw), 0);
    writers_in = 1;
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(green_spawn(&t[i], reader, (void *)(intptr_t)1, NULL), 0);
    ASSERT_EQ(green_spawn(&t[3], writer, (void *)(intptr_t)1, NULL), 0);
    for (int i = 0; i < 10; i++)
        green_yield();
    ASSERT_EQ(green_sleep(2 * TEST_MS), 0);
    ASSERT_EQ(entered, 0);
    test_spawn_join(expect_try_busy, (void *)(intptr_t)1);
    writers_in = 0;
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    ASSERT_EQ(entered, 4);

    /* A reader holds it: a writer waits, other readers still get in. */
    entered = 0;
    ASSERT_EQ(green_rwlock_rdlock(&rw), 0);
    readers_in = 1;
    ASSERT_EQ(green_spawn(&t[0], writer, (void *)(intptr_t)1, NULL), 0);
    for (int i = 0; i < 10; i++)
        green_yield();
    ASSERT_EQ(green_sleep(2 * TEST_MS), 0);
    ASSERT_EQ(entered, 0);
    test_spawn_join(expect_try_busy, (void *)(intptr_t)0);
    test_spawn_join(expect_tryrd_ok, NULL);
    readers_in = 0;
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    ASSERT_EQ(green_join(t[0], NULL), 0);
    ASSERT_EQ(entered, 1);
    ASSERT_EQ(green_rwlock_destroy(&rw), 0);
    return NULL;
}

TEST(rwlock_writer_excludes)
{
    test_run_green(exclusion_main, NULL);
}

/* ---- mixed load ------------------------------------------------------- */

enum { MIX_READERS = 6, MIX_WRITERS = 3, MIX_ROUNDS = 300 };

static void *mixed_worker(void *arg)
{
    int is_writer = (int)(intptr_t)arg;

    for (int i = 0; i < MIX_ROUNDS; i++) {
        if (is_writer)
            writer((void *)(intptr_t)(i % 3));
        else
            reader((void *)(intptr_t)(i % 4));
        green_yield();
    }
    return NULL;
}

static void *mixed_main(void *arg)
{
    green_t *t[MIX_READERS + MIX_WRITERS];

    (void)arg;
    for (int i = 0; i < MIX_READERS + MIX_WRITERS; i++)
        ASSERT_EQ(green_spawn(&t[i], mixed_worker,
                              (void *)(intptr_t)(i % 3 == 0), NULL),
                  0);
    for (int i = 0; i < MIX_READERS + MIX_WRITERS; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(rwlock_mixed_load)
{
    test_run_green(mixed_main, NULL);
    ASSERT_EQ(entered, (MIX_READERS + MIX_WRITERS) * MIX_ROUNDS);
    ASSERT(max_readers_in > 1);
}

/* ---- errors ----------------------------------------------------------- */

static void *expect_unlock_eperm(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_rwlock_unlock(&rw), EPERM);
    return NULL;
}

static void *errors_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_rwlock_init(&rw), 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), EPERM);
    ASSERT_EQ(green_rwlock_wrlock(&rw), 0);
    ASSERT_EQ(green_rwlock_rdlock(&rw), EDEADLK);
    ASSERT_EQ(green_rwlock_wrlock(&rw), EDEADLK);
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 20 * TEST_MS);
    ASSERT_EQ(green_rwlock_timedrdlock(&rw, CLOCK_MONOTONIC, &dl), EDEADLK);
    ASSERT_EQ(green_rwlock_timedwrlock(&rw, CLOCK_MONOTONIC, &dl), EDEADLK);
    test_spawn_join(expect_unlock_eperm, NULL);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), EPERM);
    ASSERT_EQ(green_rwlock_destroy(&rw), 0);
    return NULL;
}

TEST(rwlock_edeadlk_eperm)
{
    test_run_green(errors_main, NULL);
}

/* ---- timed variants --------------------------------------------------- */

static void *timed_fail(void *arg)
{
    int rd = (int)(intptr_t)arg;
    static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};

    for (int i = 0; i < 2; i++) {
        struct timespec dl = test_deadline(clocks[i], 20 * TEST_MS);
        if (rd) {
            ASSERT_EQ(green_rwlock_timedrdlock(&rw, clocks[i], &dl), ETIMEDOUT);
            ASSERT_GE(test_now_ns(clocks[i]), test_timespec_ns(&dl));
        }
        dl = test_deadline(clocks[i], 20 * TEST_MS);
        ASSERT_EQ(green_rwlock_timedwrlock(&rw, clocks[i], &dl), ETIMEDOUT);
        ASSERT_GE(test_now_ns(clocks[i]), test_timespec_ns(&dl));
    }
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 20 * TEST_MS);
    ASSERT_EQ(green_rwlock_timedwrlock(&rw, CLOCK_PROCESS_CPUTIME_ID, &dl),
              EINVAL);
    dl.tv_nsec = 1000000000;
    ASSERT_EQ(green_rwlock_timedwrlock(&rw, CLOCK_MONOTONIC, &dl), EINVAL);
    return NULL;
}

static void *timed_reader_ok(void *arg)
{
    struct timespec dl = test_deadline(CLOCK_REALTIME, 5000 * TEST_MS);

    (void)arg;
    ASSERT_EQ(green_rwlock_timedrdlock(&rw, CLOCK_REALTIME, &dl), 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    return NULL;
}

static void *timed_writer_ok(void *arg)
{
    struct timespec dl = test_deadline(CLOCK_MONOTONIC, 5000 * TEST_MS);

    (void)arg;
    ASSERT_EQ(green_rwlock_timedwrlock(&rw, CLOCK_MONOTONIC, &dl), 0);
    entered++;
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    return NULL;
}

static void *timed_main(void *arg)
{
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_rwlock_init(&rw), 0);
    ASSERT_EQ(green_rwlock_wrlock(&rw), 0);
    test_spawn_join(timed_fail, (void *)(intptr_t)1);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);

    ASSERT_EQ(green_rwlock_rdlock(&rw), 0);
    test_spawn_join(timed_fail, (void *)(intptr_t)0);
    test_spawn_join(timed_reader_ok, NULL);
    /* Released while the writer still has time: it gets in. */
    ASSERT_EQ(green_spawn(&t, timed_writer_ok, NULL, NULL), 0);
    ASSERT_EQ(green_sleep(10 * TEST_MS), 0);
    ASSERT_EQ(entered, 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    ASSERT_EQ(green_join(t, NULL), 0);
    ASSERT_EQ(entered, 1);
    /* Timed-out waiters left no trace: the lock is free. */
    ASSERT_EQ(green_rwlock_trywrlock(&rw), 0);
    ASSERT_EQ(green_rwlock_unlock(&rw), 0);
    ASSERT_EQ(green_rwlock_destroy(&rw), 0);
    return NULL;
}

TEST(rwlock_timed)
{
    test_run_green(timed_main, NULL);
}
