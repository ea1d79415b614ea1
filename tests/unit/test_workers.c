/*
 * test_workers.c - green threads on several OS threads (green_main_workers):
 * every primitive under contention across workers, with invariants that a
 * lost wake-up, a broken exclusion or a double hand-off would break.
 *
 * Together the stress tests make well over 10^6 contended operations on
 * two workers: mutex increments, cond hand-offs through a bounded queue,
 * semaphore posts and waits, rwlock reads and writes.  Each thread records
 * the OS thread it ran on, so a run that stayed on one proves nothing and
 * fails.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "green.h"
#include "test.h"

enum { WORKERS = 2 };

/* The distinct OS threads the threads of a test ran on (up to 8 kept). */
static pid_t seen_tids[8];
static green_mutex_t seen_lock = GREEN_MUTEX_INIT;

static void note_os_thread(void)
{
    pid_t tid = (pid_t)syscall(SYS_gettid);
    ASSERT_EQ(green_mutex_lock(&seen_lock), 0);
    for (int i = 0; i < 8; i++) {
        if (seen_tids[i] == tid)
            break;
        if (seen_tids[i] == 0) {
            seen_tids[i] = tid;
            break;
        }
    }
    ASSERT_EQ(green_mutex_unlock(&seen_lock), 0);
}

static int os_threads_seen(void)
{
    int n = 0;
    while (n < 8 && seen_tids[n])
        n++;
    return n;
}

/* Spawn count threads running fn(arg + i * size) and join them all. */
static void spawn_join_all(int count, void *(*fn)(void *), char *arg,
                           size_t size)
{
    green_t *t[64];
    ASSERT_LE(count, 64);
    for (int i = 0; i < count; i++)
        ASSERT_EQ(green_spawn(&t[i], fn, arg + (size_t)i * size, NULL), 0);
    for (int i = 0; i < count; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
}

static void run_on_workers(void *(*fn)(void *))
{
    memset(seen_tids, 0, sizeof seen_tids);
    ASSERT_EQ(green_main_workers(WORKERS, fn, NULL, NULL), 0);
    ASSERT_EQ(os_threads_seen(), WORKERS);
}

/* ---- Mutex: 8 threads x 60,000 increments ------------------------------ */

enum { MUTEX_THREADS = 8, MUTEX_ROUNDS = 60000 };

static green_mutex_t counter_lock = GREEN_MUTEX_INIT;
static long counter;

static void *increment(void *arg)
{
    (void)arg;
    note_os_thread();
    for (int i = 0; i < MUTEX_ROUNDS; i++) {
        ASSERT_EQ(green_mutex_lock(&counter_lock), 0);
        long v = counter; /* read and write apart: a lapse loses counts */
        if (i % 1024 == 0)
            green_yield();
        counter = v + 1;
        ASSERT_EQ(green_mutex_unlock(&counter_lock), 0);
    }
    return NULL;
}

static void *mutex_main(void *arg)
{
    (void)arg;
    counter = 0;
    spawn_join_all(MUTEX_THREADS, increment, NULL, 0);
    return NULL;
}

TEST(workers_mutex_exact_count)
{
    run_on_workers(mutex_main);
    ASSERT_EQ(counter, (long)MUTEX_THREADS * MUTEX_ROUNDS);
}

/* ---- Cond: 4 producer/consumer pairs x 60,000 items, a queue of 8 ------ */

enum { PAIRS = 4, ITEMS = 60000, QUEUE = 8 };

struct channel {
    green_mutex_t lock;
    green_cond_t not_full, not_empty;
    long items[QUEUE];
    unsigned head, count;
    long sum_in, sum_out;
};

static struct channel channels[PAIRS];

static void *produce(void *arg)
{
    struct channel *c = arg;
    note_os_thread();
    for (long i = 1; i <= ITEMS; i++) {
        ASSERT_EQ(green_mutex_lock(&c->lock), 0);
        while (c->count == QUEUE)
            ASSERT_EQ(green_cond_wait(&c->not_full, &c->lock), 0);
        c->items[(c->head + c->count++) % QUEUE] = i * 7;
        c->sum_in += i * 7;
        ASSERT_EQ(green_cond_signal(&c->not_empty), 0);
        ASSERT_EQ(green_mutex_unlock(&c->lock), 0);
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct channel *c = arg;
    note_os_thread();
    for (long i = 1; i <= ITEMS; i++) {
        ASSERT_EQ(green_mutex_lock(&c->lock), 0);
        while (c->count == 0)
            ASSERT_EQ(green_cond_wait(&c->not_empty, &c->lock), 0);
        long item = c->items[c->head];
        c->head = (c->head + 1) % QUEUE;
        c->count--;
        ASSERT_EQ(item, i * 7); /* FIFO, nothing lost or doubled */
        c->sum_out += item;
        ASSERT_EQ(green_cond_signal(&c->not_full), 0);
        ASSERT_EQ(green_mutex_unlock(&c->lock), 0);
    }
    return NULL;
}

static void *cond_main(void *arg)
{
    green_t *p[PAIRS], *q[PAIRS];
    (void)arg;
    memset(channels, 0, sizeof channels);
    /* Spawned alternately, so each pair's two ends land on two workers. */
    for (int i = 0; i < PAIRS; i++) {
        ASSERT_EQ(green_spawn(&p[i], produce, &channels[i], NULL), 0);
        ASSERT_EQ(green_spawn(&q[i], consume, &channels[i], NULL), 0);
    }
    for (int i = 0; i < PAIRS; i++) {
        ASSERT_EQ(green_join(p[i], NULL), 0);
        ASSERT_EQ(green_join(q[i], NULL), 0);
    }
    return NULL;
}

TEST(workers_cond_handoff_fifo)
{
    run_on_workers(cond_main);
    for (int i = 0; i < PAIRS; i++) {
        ASSERT_EQ(channels[i].sum_in, 7L * ITEMS * (ITEMS + 1) / 2);
        ASSERT_EQ(channels[i].sum_out, channels[i].sum_in);
        ASSERT_EQ(channels[i].count, 0);
    }
}

/* ---- Semaphore: 4 posters and 4 waiters x 60,000 ------------------------ */

enum { SEM_SIDES = 4, SEM_ROUNDS = 60000 };

static green_sem_t tokens;
static long taken;

static void *post_tokens(void *arg)
{
    (void)arg;
    note_os_thread();
    for (int i = 0; i < SEM_ROUNDS; i++) {
        ASSERT_EQ(green_sem_post(&tokens), 0);
        if (i % 256 == 0)
            green_yield();
    }
    return NULL;
}

static void *take_tokens(void *arg)
{
    (void)arg;
    note_os_thread();
    for (int i = 0; i < SEM_ROUNDS; i++) {
        ASSERT_EQ(green_sem_wait(&tokens), 0);
        __atomic_add_fetch(&taken, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *sem_main(void *arg)
{
    green_t *t[2 * SEM_SIDES];
    (void)arg;
    taken = 0;
    ASSERT_EQ(green_sem_init(&tokens, 0), 0);
    for (int i = 0; i < SEM_SIDES; i++) {
        ASSERT_EQ(green_spawn(&t[2 * i], take_tokens, NULL, NULL), 0);
        ASSERT_EQ(green_spawn(&t[2 * i + 1], post_tokens, NULL, NULL), 0);
    }
    for (int i = 0; i < 2 * SEM_SIDES; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(workers_sem_every_post_taken_once)
{
    int value = -1;
    run_on_workers(sem_main);
    ASSERT_EQ(taken, (long)SEM_SIDES * SEM_ROUNDS);
    ASSERT_EQ(green_sem_getvalue(&tokens, &value), 0);
    ASSERT_EQ(value, 0);
    ASSERT_EQ(green_sem_destroy(&tokens), 0);
}

/* ---- Rwlock: 2 writers keep two fields equal, 4 readers check ---------- */

enum { READERS = 4, WRITERS = 2, RW_ROUNDS = 60000 };

static green_rwlock_t pair_lock = GREEN_RWLOCK_INIT;
static volatile long pair_a, pair_b;
static long writes, torn_reads;

static void *write_pair(void *arg)
{
    (void)arg;
    note_os_thread();
    for (int i = 0; i < RW_ROUNDS; i++) {
        ASSERT_EQ(green_rwlock_wrlock(&pair_lock), 0);
        pair_a = pair_a + 1;
        if (i % 512 == 0)
            green_yield(); /* a reader let in now would see a torn pair */
        pair_b = pair_b + 1;
        writes++;
        ASSERT_EQ(green_rwlock_unlock(&pair_lock), 0);
    }
    return NULL;
}

static void *read_pair(void *arg)
{
    (void)arg;
    note_os_thread();
    for (int i = 0; i < RW_ROUNDS; i++) {
        ASSERT_EQ(green_rwlock_rdlock(&pair_lock), 0);
        if (pair_a != pair_b)
            __atomic_add_fetch(&torn_reads, 1, __ATOMIC_RELAXED);
        ASSERT_EQ(green_rwlock_unlock(&pair_lock), 0);
    }
    return NULL;
}

static void *rwlock_main(void *arg)
{
    green_t *t[READERS + WRITERS];
    (void)arg;
    for (int i = 0; i < READERS + WRITERS; i++)
        ASSERT_EQ(green_spawn(&t[i], i < WRITERS ? write_pair : read_pair, NULL,
                              NULL),
                  0);
    for (int i = 0; i < READERS + WRITERS; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(workers_rwlock_no_torn_reads)
{
    run_on_workers(rwlock_main);
    ASSERT_EQ(writes, (long)WRITERS * RW_ROUNDS);
    ASSERT_EQ(pair_a, writes);
    ASSERT_EQ(pair_b, writes);
    ASSERT_EQ(torn_reads, 0);
}

/* ---- Once, sleeps, detached threads, and green_main's result ----------- */

static green_once_t once = GREEN_ONCE_INIT;
static int once_runs;

static void run_once(void)
{
    green_sleep(2000000); /* the others arrive and wait meanwhile */
    once_runs++;
}

static void *once_and_sleep(void *arg)
{
    (void)arg;
    note_os_thread();
    ASSERT_EQ(green_once(&once, run_once), 0);
    ASSERT_EQ(once_runs, 1);
    ASSERT_EQ(green_sleep(1000000), 0);
    return NULL;
}

static void *detached_end(void *arg)
{
    green_sem_t *done = arg;
    ASSERT_EQ(green_sleep(500000), 0);
    ASSERT_EQ(green_sem_post(done), 0);
    return NULL;
}

static void *misc_main(void *arg)
{
    green_attr_t detached = {.detached = 1};
    green_sem_t done;
    green_t *t;
    (void)arg;
    spawn_join_all(8, once_and_sleep, NULL, 0);
    ASSERT_EQ(green_sem_init(&done, 0), 0);
    for (int i = 0; i < 16; i++)
        ASSERT_EQ(green_spawn(&t, detached_end, &done, &detached), 0);
    for (int i = 0; i < 16; i++)
        ASSERT_EQ(green_sem_wait(&done), 0);
    return (void *)(intptr_t)42;
}

TEST(workers_once_sleep_detach_result)
{
    void *result = NULL;
    memset(seen_tids, 0, sizeof seen_tids);
    ASSERT_EQ(green_main_workers(WORKERS, misc_main, NULL, &result), 0);
    ASSERT_EQ((intptr_t)result, 42);
    ASSERT_EQ(once_runs, 1);
    ASSERT_EQ(os_threads_seen(), WORKERS);
    /* The workers are gone: green_main can run again, on one. */
    ASSERT_EQ(green_main_workers(0, misc_main, NULL, NULL), EINVAL);
    ASSERT_EQ(green_main_workers(1025, misc_main, NULL, NULL), EINVAL);
}
