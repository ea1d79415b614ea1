/*
 * cond.c - green condition variables.
 *
 * A waiter queues itself on the cond before it releases the mutex, and both
 * happen before the next switch (and under the scheduler lock, when there
 * are several hubs), so a signal sent after the release always finds it:
 * no wake-up is lost.  Signal wakes the longest waiter, which then
 * takes the mutex again (waiting for it in FIFO order if need be); a
 * recursive mutex comes back at the depth it had.
 *
 * Layout: the waiter queue and the clock for timedwait, all zeros being a
 * cond on CLOCK_REALTIME (clock id 0), as PTHREAD_COND_INITIALIZER is.
 */
#include "sync.h"
#include "world.h"

#define CLOCK_MONOTONIC_BIT 2u

struct cond {
    struct green__queue waiters;
    char reserved0[20];
    unsigned clock_bits;
    char reserved1[8];
};

_Static_assert(sizeof(struct cond) == sizeof(green_cond_t),
               "struct cond must fill green_cond_t exactly");
_Static_assert(offsetof(struct cond, clock_bits) == 36,
               "the clock sits where glibc's pthread_cond_init puts it");

static struct cond *as_cond(green_cond_t *c)
{
    return (struct cond *)c;
}

GREEN_EXPORT int green_cond_init(green_cond_t *c, clockid_t clock)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return green__api_result(-EINVAL);
    *c = (green_cond_t)GREEN_COND_INIT;
    as_cond(c)->clock_bits = clock == CLOCK_MONOTONIC ? CLOCK_MONOTONIC_BIT : 0;
    return 0;
}

GREEN_EXPORT int green_cond_destroy(green_cond_t *c)
{
    green__lock();
    int r = as_cond(c)->waiters.head ? -EBUSY : 0;
    green__unlock();
    return green__api_result(r);
}

static int wait_locked(green_cond_t *c, green_mutex_t *m, clockid_t clock,
                       const struct timespec *deadline)
{
    struct green *self = green__current();
    if (!self || green__mutex_owner(m) != self)
        return -EPERM;
    if (deadline) {
        int r = green__arm_deadline(self, clock, deadline);
        if (r)
            return r;
    }
    green__queue_push(&as_cond(c)->waiters, self);
    unsigned depth = green__mutex_release(m);
    int woke = green__park(self->hub);
    green__mutex_reacquire(m, depth);
    /* -ETIMEDOUT, or -ECANCELED for a cancelled preloaded thread, which
     * must hold the mutex again when its cleanup handlers run. */
    return woke;
}

static int wait_signalled(green_cond_t *c, green_mutex_t *m, clockid_t clock,
                          const struct timespec *deadline)
{
    green__lock();
    int r = wait_locked(c, m, clock, deadline);
    green__unlock();
    return r;
}

GREEN_EXPORT int green_cond_wait(green_cond_t *c, green_mutex_t *m)
{
    return green__api_result(wait_signalled(c, m, CLOCK_REALTIME, NULL));
}

GREEN_EXPORT int green_cond_timedwait(green_cond_t *c, green_mutex_t *m,
                                      const struct timespec *deadline)
{
    clockid_t clock = as_cond(c)->clock_bits & CLOCK_MONOTONIC_BIT
                          ? CLOCK_MONOTONIC
                          : CLOCK_REALTIME;
    return green_cond_clockwait(c, m, clock, deadline);
}

GREEN_EXPORT int green_cond_clockwait(green_cond_t *c, green_mutex_t *m,
                                      clockid_t clock,
                                      const struct timespec *deadline)
{
    int r = green__check_deadline(clock, deadline);
    if (!r)
        r = wait_signalled(c, m, clock, deadline);
    return green__api_result(r);
}

GREEN_EXPORT int green_cond_signal(green_cond_t *c)
{
    green__lock();
    struct green *g = green__queue_pop(&as_cond(c)->waiters);
    if (g)
        green__wake(g, 0);
    green__unlock();
    return 0;
}

GREEN_EXPORT int green_cond_broadcast(green_cond_t *c)
{
    struct green *g;
    green__lock();
    while ((g = green__queue_pop(&as_cond(c)->waiters)))
        green__wake(g, 0);
    green__unlock();
    return 0;
}
