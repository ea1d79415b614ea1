/*
 * rwlock.c - green reader-writer locks.
 *
 * Reader-preferring, like glibc's default: a reader gets in whenever no
 * writer holds the lock, even with writers queued, so a thread may take a
 * read lock it already holds without deadlocking.  Waiters queue only while
 * a writer holds the lock (or, for writers, while anyone does).  A release
 * grants in FIFO order: every queued reader at once, or the first writer.
 *
 * A lock set up by glibc as PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
 * (the flags word at offset 48, where glibc keeps it) prefers writers
 * instead: readers queue behind a waiting writer, and a release serves
 * the first queued writer before any reader.
 */
#include "hub.h"
#include "world.h"

#define WANTS_WRITE 1

#define PREFER_WRITER                                                          \
    2 /* glibc's PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP */

/* Bytes 24..31 are left alone: glibc keeps __cur_writer and __shared
 * there, and the preload hooks read __shared to tell process-shared locks,
 * which stay glibc's. */
struct rwlock {
    unsigned readers;
    int reserved0;
    struct green *writer;
    int64_t reserved1[2];
    struct green__queue waiters;
    unsigned flags;
    int reserved2;
};

_Static_assert(sizeof(struct rwlock) == sizeof(green_rwlock_t),
               "struct rwlock must fill green_rwlock_t exactly");
_Static_assert(offsetof(struct rwlock, flags) == 48,
               "the flags sit where glibc's pthread_rwlock_init puts them");
_Static_assert(offsetof(struct rwlock, waiters) >= 32,
               "the waiters keep clear of glibc's __shared at offset 28");

static struct green *first_writer(const struct rwlock *l)
{
    for (struct green *g = l->waiters.head; g; g = g->q_next)
        if (g->wait_flags & WANTS_WRITE)
            return g;
    return NULL;
}

static struct rwlock *as_rwlock(green_rwlock_t *rw)
{
    return (struct rwlock *)rw;
}

GREEN_EXPORT int green_rwlock_init(green_rwlock_t *rw)
{
    *rw = (green_rwlock_t)GREEN_RWLOCK_INIT;
    return 0;
}

GREEN_EXPORT int green_rwlock_destroy(green_rwlock_t *rw)
{
    struct rwlock *l = as_rwlock(rw);
    green__lock();
    int r = l->readers || l->writer || l->waiters.head ? -EBUSY : 0;
    green__unlock();
    return green__api_result(r);
}

static int try_lock(struct rwlock *l, struct green *self, int write)
{
    if (l->writer == self)
        return -EDEADLK;
    if (l->writer || (write && l->readers))
        return -EBUSY;
    if (!write && l->flags == PREFER_WRITER && first_writer(l))
        return -EBUSY;
    if (write)
        l->writer = self;
    else
        l->readers++;
    return 0;
}

static int lock_locked(struct rwlock *l, struct green *self, int write,
                       clockid_t clock, const struct timespec *deadline)
{
    int r = try_lock(l, self, write);
    if (r != -EBUSY)
        return r;
    if (deadline && (r = green__arm_deadline(self, clock, deadline)))
        return r;
    self->wait_flags = write ? WANTS_WRITE : 0;
    green__queue_push(&l->waiters, self);
    return green__park_nocancel(self->hub) < 0 ? -ETIMEDOUT : 0;
}

static int lock(green_rwlock_t *rw, int write, clockid_t clock,
                const struct timespec *deadline)
{
    struct green *self = green__current();
    if (!self)
        return -EPERM;
    green__lock();
    int r = lock_locked(as_rwlock(rw), self, write, clock, deadline);
    green__unlock();
    return r;
}

static int trylock(green_rwlock_t *rw, int write)
{
    struct green *self = green__current();
    if (!self)
        return -EPERM;
    green__lock();
    int r = try_lock(as_rwlock(rw), self, write);
    green__unlock();
    return r == -EDEADLK ? -EBUSY : r;
}

/* Hand the lock to whoever can have it now, in queue order. */
static void grant(struct rwlock *l)
{
    struct green *g = l->waiters.head, *next;
    if (l->writer)
        return;
    if (l->flags == PREFER_WRITER && (g = first_writer(l))) {
        if (l->readers == 0) {
            l->writer = g;
            green__wake(g, 0);
        }
        return;
    }
    for (g = l->waiters.head; g; g = next) {
        next = g->q_next;
        if (!(g->wait_flags & WANTS_WRITE)) {
            l->readers++;
            green__wake(g, 0);
        }
    }
    g = l->waiters.head;
    if (g && l->readers == 0) {
        l->writer = g;
        green__wake(g, 0);
    }
}

GREEN_EXPORT int green_rwlock_rdlock(green_rwlock_t *rw)
{
    return green__api_result(lock(rw, 0, CLOCK_REALTIME, NULL));
}

GREEN_EXPORT int green_rwlock_wrlock(green_rwlock_t *rw)
{
    return green__api_result(lock(rw, 1, CLOCK_REALTIME, NULL));
}

GREEN_EXPORT int green_rwlock_tryrdlock(green_rwlock_t *rw)
{
    return green__api_result(trylock(rw, 0));
}

GREEN_EXPORT int green_rwlock_trywrlock(green_rwlock_t *rw)
{
    return green__api_result(trylock(rw, 1));
}

GREEN_EXPORT int green_rwlock_timedrdlock(green_rwlock_t *rw, clockid_t clock,
                                          const struct timespec *deadline)
{
    int r = green__check_deadline(clock, deadline);
    if (!r)
        r = lock(rw, 0, clock, deadline);
    return green__api_result(r);
}

GREEN_EXPORT int green_rwlock_timedwrlock(green_rwlock_t *rw, clockid_t clock,
                                          const struct timespec *deadline)
{
    int r = green__check_deadline(clock, deadline);
    if (!r)
        r = lock(rw, 1, clock, deadline);
    return green__api_result(r);
}

GREEN_EXPORT int green_rwlock_unlock(green_rwlock_t *rw)
{
    struct rwlock *l = as_rwlock(rw);
    struct green *self = green__current();
    int r = 0;
    green__lock();
    if (l->writer && l->writer == self)
        l->writer = NULL;
    else if (!l->writer && l->readers > 0)
        l->readers--;
    else
        r = -EPERM;
    if (!r)
        grant(l);
    green__unlock();
    return green__api_result(r);
}
