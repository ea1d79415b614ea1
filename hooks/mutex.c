/*
 * mutex.c - pthread_mutex_lock, trylock, timedlock, unlock.
 *
 * In a green thread the program's pthread_mutex_t holds a green mutex (the
 * layouts agree on zero-initialised and glibc-initialised mutexes, see
 * sched/mutex.c).  Process-shared and robust mutexes are shared with other
 * processes' real threads and keep glibc's implementation.
 */
#include "glibc_layout.h"
#include "hook.h"

/* ECANCELED comes only to an asynchronously cancellable thread. */
static int acted_on_cancel(int r)
{
    if (r == ECANCELED)
        hook__cancelled();
    return r;
}

static int is_green_mutex(const pthread_mutex_t *m)
{
    return green__current() &&
           !(m->__data.__kind &
             (GREEN__GLIBC_MUTEX_ROBUST_BIT | GREEN__GLIBC_MUTEX_PSHARED_BIT));
}

HOOK int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (!is_green_mutex(m))
        return real()->pthread_mutex_lock(m);
    return acted_on_cancel(green_mutex_lock((green_mutex_t *)m));
}

HOOK int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (!is_green_mutex(m))
        return real()->pthread_mutex_trylock(m);
    return green_mutex_trylock((green_mutex_t *)m);
}

HOOK int pthread_mutex_timedlock(pthread_mutex_t *m,
                                 const struct timespec *deadline)
{
    if (!is_green_mutex(m))
        return real()->pthread_mutex_timedlock(m, deadline);
    return acted_on_cancel(
        green_mutex_timedlock((green_mutex_t *)m, CLOCK_REALTIME, deadline));
}

HOOK int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (!is_green_mutex(m))
        return real()->pthread_mutex_unlock(m);
    return green_mutex_unlock((green_mutex_t *)m);
}

HOOK int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                                 const struct timespec *deadline)
{
    if (!is_green_mutex(m))
        return real()->pthread_mutex_clocklock(m, clock, deadline);
    return acted_on_cancel(
        green_mutex_timedlock((green_mutex_t *)m, clock, deadline));
}
