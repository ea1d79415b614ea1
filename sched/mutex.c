/*
 * mutex.c - green mutexes: normal, recursive and error-checking.
 *
 * All green threads of a hub run on one OS thread and switch only when they
 * park, so the mutex needs no atomics: its state changes between two
 * switches as one step.  With several hubs the scheduler lock (world.h)
 * makes each change one step again; the functions named *_locked expect
 * it held, for cond waits, which release and retake a mutex inside their
 * own step.  Unlock hands the mutex straight to the first
 * waiter (it becomes the owner before it even runs), which gives FIFO order,
 * no lost wake-ups and no barging.
 *
 * One exception keeps std::lock from livelocking: a trylock may take a
 * mutex that was handed to a waiter which has not run yet.  std::lock
 * holds one mutex and trylocks the next, and with strict hand-off each
 * thread would always find its second mutex handed to another waiter, as
 * they pass them round for ever; glibc lets a running thread barge in.  The
 * robbed waiter goes back to the head of the queue at once, so the order
 * of hand-offs stays FIFO.
 *
 * The layout fits glibc's 40-byte pthread_mutex_t and keeps the kind at
 * offset 16, where glibc's static initialisers (PTHREAD_RECURSIVE_MUTEX_
 * INITIALIZER_NP...) put it; all zeros is an unlocked normal mutex.
 */
#include <limits.h>

#include "sync.h"
#include "world.h"

/* glibc's kind values match GREEN_MUTEX_* in these bits; the others say
 * robust, process-shared..., which the preload hooks hand to glibc. */
#define KIND_MASK 3

struct mutex {
    struct green *owner;
    unsigned count;   /* recursion depth of the owner */
    unsigned pending; /* handed to owner, which has not run since */
    int kind;         /* GREEN_MUTEX_*, glibc's __kind */
    int reserved1;
    struct green__queue waiters;
};

_Static_assert(sizeof(struct mutex) == sizeof(green_mutex_t),
               "struct mutex must fill green_mutex_t exactly");
_Static_assert(offsetof(struct mutex, kind) == 16,
               "the kind sits where glibc's initialisers put it");

static struct mutex *as_mutex(green_mutex_t *m)
{
    return (struct mutex *)m;
}

struct green *green__mutex_owner(green_mutex_t *m)
{
    return as_mutex(m)->owner;
}

static int unlock_locked(struct mutex *mx);
static int lock_locked(struct mutex *mx, clockid_t clock,
                       const struct timespec *deadline);

unsigned green__mutex_release(green_mutex_t *m)
{
    struct mutex *mx = as_mutex(m);
    unsigned depth = mx->count;
    mx->count = 1;
    int r = unlock_locked(mx);
    green__assert(r == 0);
    return depth;
}

void green__mutex_reacquire(green_mutex_t *m, unsigned depth)
{
    /* A cond wait ends with the mutex held, cancelled or not: even an
     * asynchronously cancellable thread gets it back before it unwinds. */
    struct green *self = green__current();
    unsigned char outer = self->no_cancel;
    self->no_cancel = 1;
    int r = lock_locked(as_mutex(m), CLOCK_MONOTONIC, NULL);
    self->no_cancel = outer;
    green__assert(r == 0);
    as_mutex(m)->count = depth;
}

GREEN_EXPORT int green_mutex_init(green_mutex_t *m, int kind)
{
    if (kind < GREEN_MUTEX_NORMAL || kind > GREEN_MUTEX_ERRORCHECK)
        return green__api_result(-EINVAL);
    *m = (green_mutex_t)GREEN_MUTEX_INIT;
    as_mutex(m)->kind = kind;
    return 0;
}

GREEN_EXPORT int green_mutex_destroy(green_mutex_t *m)
{
    struct mutex *mx = as_mutex(m);
    green__lock();
    int r = mx->owner || mx->waiters.head ? -EBUSY : 0;
    green__unlock();
    return green__api_result(r);
}

/* Take the mutex without waiting: 0, -EBUSY, or -EDEADLK/-EAGAIN when the
 * caller already owns it. */
static int try_take(struct mutex *mx, struct green *self)
{
    if (!mx->owner) {
        mx->owner = self;
        mx->count = 1;
        return 0;
    }
    if (mx->owner != self)
        return -EBUSY;
    if ((mx->kind & KIND_MASK) == GREEN_MUTEX_RECURSIVE) {
        if (mx->count == UINT_MAX)
            return -EAGAIN;
        mx->count++;
        return 0;
    }
    return (mx->kind & KIND_MASK) == GREEN_MUTEX_ERRORCHECK ? -EDEADLK : -EBUSY;
}

static int lock_locked(struct mutex *mx, clockid_t clock,
                       const struct timespec *deadline)
{
    struct green *self = green__current();
    if (!self)
        return -EPERM;
    int r = try_take(mx, self);
    if (r != -EBUSY)
        return r;
    /* A normal mutex relocked by its owner lands here too and deadlocks,
     * as POSIX says and as it would natively. */
    green__queue_push(&mx->waiters, self);
    for (;;) {
        if (deadline && (r = green__arm_deadline(self, clock, deadline))) {
            green__queue_remove(self);
            return r;
        }
        /* A thread that made itself asynchronously cancellable (preload)
         * can be cancelled here, even deadlocked on its own normal mutex:
         * POSIX lets it end anywhere. */
        int woke = self->cancel_async ? green__park(self->hub)
                                      : green__park_nocancel(self->hub);
        if (woke == -ECANCELED)
            return -ECANCELED;
        if (woke < 0)
            return -ETIMEDOUT;
        if (mx->owner == self) {
            mx->pending = 0;
            return 0;
        }
        /* A trylock took it before we ran; it put us back at the head
         * of the queue. */
        green__assert(self->q == &mx->waiters);
    }
}

int green__mutex_lock(green_mutex_t *m, clockid_t clock,
                      const struct timespec *deadline)
{
    green__lock();
    int r = lock_locked(as_mutex(m), clock, deadline);
    green__unlock();
    return r;
}

GREEN_EXPORT int green_mutex_lock(green_mutex_t *m)
{
    return green__api_result(green__mutex_lock(m, CLOCK_MONOTONIC, NULL));
}

static int trylock_locked(struct mutex *mx, struct green *self)
{
    if (mx->pending && mx->owner != self) {
        /* Barge in.  The robbed waiter, runnable but not yet run, goes
         * back to the head of the queue and parks again when it runs. */
        green__queue_push_front(&mx->waiters, mx->owner);
        mx->owner = self;
        mx->count = 1;
        mx->pending = 0;
        return 0;
    }
    int r = try_take(mx, self);
    return r == -EDEADLK ? -EBUSY : r;
}

GREEN_EXPORT int green_mutex_trylock(green_mutex_t *m)
{
    struct green *self = green__current();
    if (!self)
        return green__api_result(-EPERM);
    green__lock();
    int r = trylock_locked(as_mutex(m), self);
    green__unlock();
    return green__api_result(r);
}

GREEN_EXPORT int green_mutex_timedlock(green_mutex_t *m, clockid_t clock,
                                       const struct timespec *deadline)
{
    int r = green__check_deadline(clock, deadline);
    if (!r)
        r = green__mutex_lock(m, clock, deadline);
    return green__api_result(r);
}

static int unlock_locked(struct mutex *mx)
{
    struct green *self = green__current();
    if (!mx->owner)
        return -EPERM;
    if (mx->owner != self && (mx->kind & KIND_MASK) != GREEN_MUTEX_NORMAL)
        return -EPERM;
    if ((mx->kind & KIND_MASK) == GREEN_MUTEX_RECURSIVE && --mx->count > 0)
        return 0;
    struct green *next = green__queue_pop(&mx->waiters);
    mx->owner = next;
    mx->count = next ? 1 : 0;
    mx->pending = next != NULL;
    if (next)
        green__wake(next, 0);
    return 0;
}

GREEN_EXPORT int green_mutex_unlock(green_mutex_t *m)
{
    green__lock();
    int r = unlock_locked(as_mutex(m));
    green__unlock();
    return green__api_result(r);
}
