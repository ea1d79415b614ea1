/*
 * cond.c - pthread_cond_wait, timedwait, clockwait, signal, broadcast.
 *
 * A green cond keeps its clock where glibc's pthread_cond_init puts it, so
 * pthread_cond_init needs no hook.  Process-shared conds stay glibc's; in a
 * green thread their waits run on a helper thread (kept_wait.c).
 */
#include "kept.h"

static int is_shared(const pthread_cond_t *c)
{
    return c->__data.__wrefs & GREEN__GLIBC_COND_SHARED_BIT;
}

static int is_green_cond(const pthread_cond_t *c)
{
    return green__current() && !is_shared(c);
}

static int green_wait(pthread_cond_t *c, green_mutex_t *m,
                      enum hook__cond_call call, clockid_t clock,
                      const struct timespec *deadline)
{
    green_cond_t *gc = (green_cond_t *)c;
    switch (call) {
    case HOOK__COND_WAIT:
        return green_cond_wait(gc, m);
    case HOOK__COND_TIMEDWAIT:
        return green_cond_timedwait(gc, m, deadline);
    default:
        return green_cond_clockwait(gc, m, clock, deadline);
    }
}

/* A green cond with glibc's mutex (a robust one, say).  A green mutex of
 * the wait's own stands in for it: the program's is let go just before the
 * wait queues on the cond, and green threads switch only when they park,
 * so no signal can come in between. */
static int with_kept_mutex(pthread_cond_t *c, pthread_mutex_t *m,
                           enum hook__cond_call call, clockid_t clock,
                           const struct timespec *deadline)
{
    green_mutex_t stand_in = GREEN_MUTEX_INIT;
    green_mutex_lock(&stand_in);
    int r = hook__kept_mutex_unlock(m);
    if (r) {
        green_mutex_unlock(&stand_in);
        return r;
    }
    r = green_wait(c, &stand_in, call, clock, deadline);
    green_mutex_unlock(&stand_in);
    int again = hook__kept_mutex_lock(m, CLOCK_REALTIME, NULL);
    /* Cancelled: the handlers run with the mutex held, as after glibc's. */
    if (r == ECANCELED)
        hook__cancelled();
    return again ? again : r;
}

/* A wait in a green thread. */
static int green_caller_wait(pthread_cond_t *c, pthread_mutex_t *m,
                             enum hook__cond_call call, clockid_t clock,
                             const struct timespec *deadline)
{
    if (is_shared(c))
        return hook__kept_cond_wait(c, m, call, clock, deadline);
    if (hook__kept_mutex(m))
        return with_kept_mutex(c, m, call, clock, deadline);
    int r = green_wait(c, (green_mutex_t *)m, call, clock, deadline);
    /* cond waits are cancellation points; the mutex is held again here. */
    if (r == ECANCELED)
        hook__cancelled();
    return r;
}

HOOK int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (!green__current())
        return real()->pthread_cond_wait(c, m);
    return green_caller_wait(c, m, HOOK__COND_WAIT, CLOCK_REALTIME, NULL);
}

HOOK int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                const struct timespec *deadline)
{
    if (!green__current())
        return real()->pthread_cond_timedwait(c, m, deadline);
    return green_caller_wait(c, m, HOOK__COND_TIMEDWAIT, CLOCK_REALTIME,
                             deadline);
}

HOOK int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m,
                                clockid_t clock,
                                const struct timespec *deadline)
{
    if (!green__current())
        return real()->pthread_cond_clockwait(c, m, clock, deadline);
    return green_caller_wait(c, m, HOOK__COND_CLOCKWAIT, clock, deadline);
}

HOOK int pthread_cond_signal(pthread_cond_t *c)
{
    if (!is_green_cond(c))
        return real()->pthread_cond_signal(c);
    return green_cond_signal((green_cond_t *)c);
}

HOOK int pthread_cond_broadcast(pthread_cond_t *c)
{
    if (!is_green_cond(c))
        return real()->pthread_cond_broadcast(c);
    return green_cond_broadcast((green_cond_t *)c);
}
