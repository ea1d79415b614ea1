/*
 * mutex.c - pthread_mutex_lock, trylock, timedlock, unlock.
 *
 * In a green thread the program's pthread_mutex_t holds a green mutex (the
 * layouts agree on zero-initialised and glibc-initialised mutexes, see
 * sched/mutex.c).  Process-shared and robust mutexes are shared with other
 * processes' real threads and keep glibc's implementation; in a green
 * thread only their waits are green (kept.c).
 */
#include "kept.h"

/* ECANCELED comes only to an asynchronously cancellable thread. */
static int acted_on_cancel(int r)
{
    if (r == ECANCELED)
        hook__cancelled();
    return r;
}

/* What the call is made on: a green mutex, glibc's one in a green thread,
 * or glibc's one elsewhere (glibc does it all). */
enum kind { GREEN, KEPT, GLIBC };

static enum kind kind_of(const pthread_mutex_t *m)
{
    if (!green__current())
        return GLIBC;
    return hook__kept_mutex(m) ? KEPT : GREEN;
}

HOOK int pthread_mutex_lock(pthread_mutex_t *m)
{
    switch (kind_of(m)) {
    case GREEN:
        return acted_on_cancel(green_mutex_lock((green_mutex_t *)m));
    case KEPT:
        return hook__kept_mutex_lock(m, CLOCK_REALTIME, NULL);
    default:
        return real()->pthread_mutex_lock(m);
    }
}

HOOK int pthread_mutex_trylock(pthread_mutex_t *m)
{
    switch (kind_of(m)) {
    case GREEN:
        return green_mutex_trylock((green_mutex_t *)m);
    case KEPT:
        return hook__kept_mutex_trylock(m);
    default:
        return real()->pthread_mutex_trylock(m);
    }
}

HOOK int pthread_mutex_timedlock(pthread_mutex_t *m,
                                 const struct timespec *deadline)
{
    switch (kind_of(m)) {
    case GREEN:
        return acted_on_cancel(green_mutex_timedlock((green_mutex_t *)m,
                                                     CLOCK_REALTIME, deadline));
    case KEPT:
        return hook__kept_mutex_lock(m, CLOCK_REALTIME, deadline);
    default:
        return real()->pthread_mutex_timedlock(m, deadline);
    }
}

HOOK int pthread_mutex_unlock(pthread_mutex_t *m)
{
    switch (kind_of(m)) {
    case GREEN:
        return green_mutex_unlock((green_mutex_t *)m);
    case KEPT:
        return hook__kept_mutex_unlock(m);
    default:
        return real()->pthread_mutex_unlock(m);
    }
}

HOOK int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                                 const struct timespec *deadline)
{
    switch (kind_of(m)) {
    case GREEN:
        return acted_on_cancel(
            green_mutex_timedlock((green_mutex_t *)m, clock, deadline));
    case KEPT:
        return hook__kept_mutex_lock(m, clock, deadline);
    default:
        return real()->pthread_mutex_clocklock(m, clock, deadline);
    }
}
