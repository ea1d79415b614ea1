/*
 * cond.c - pthread_cond_wait, timedwait, signal, broadcast.
 *
 * A green cond keeps its clock where glibc's pthread_cond_init puts it, so
 * pthread_cond_init needs no hook.  Process-shared conds stay glibc's.
 */
#include "glibc_layout.h"
#include "hook.h"

/* cond waits are cancellation points; the mutex is held again here. */
static int acted_on_cancel(int r)
{
    if (r == ECANCELED)
        hook__cancelled();
    return r;
}

static int is_green_cond(const pthread_cond_t *c)
{
    return green__current() &&
           !(c->__data.__wrefs & GREEN__GLIBC_COND_SHARED_BIT);
}

HOOK int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (!is_green_cond(c))
        return real()->pthread_cond_wait(c, m);
    return acted_on_cancel(
        green_cond_wait((green_cond_t *)c, (green_mutex_t *)m));
}

HOOK int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                const struct timespec *deadline)
{
    if (!is_green_cond(c))
        return real()->pthread_cond_timedwait(c, m, deadline);
    return acted_on_cancel(
        green_cond_timedwait((green_cond_t *)c, (green_mutex_t *)m, deadline));
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

HOOK int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m,
                                clockid_t clock,
                                const struct timespec *deadline)
{
    if (!is_green_cond(c))
        return real()->pthread_cond_clockwait(c, m, clock, deadline);
    return acted_on_cancel(green_cond_clockwait(
        (green_cond_t *)c, (green_mutex_t *)m, clock, deadline));
}
