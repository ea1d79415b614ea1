/*
 * rwlock.c - pthread_rwlock_*: green in green threads, glibc's for
 * process-shared locks (glibc's __shared word, which the green layout
 * leaves alone).
 */
#include "glibc_layout.h"
#include "hook.h"

/* The lock as a green one, or NULL if it stays glibc's. */
static green_rwlock_t *as_green_rwlock(pthread_rwlock_t *rw)
{
    return green__current() && !rw->__data.__shared ? (green_rwlock_t *)rw
                                                    : NULL;
}

HOOK int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_rdlock(g) : real()->pthread_rwlock_rdlock(rw);
}

HOOK int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_wrlock(g) : real()->pthread_rwlock_wrlock(rw);
}

HOOK int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_tryrdlock(g) : real()->pthread_rwlock_tryrdlock(rw);
}

HOOK int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_trywrlock(g) : real()->pthread_rwlock_trywrlock(rw);
}

HOOK int pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t clock,
                                    const struct timespec *deadline)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_timedrdlock(g, clock, deadline)
             : real()->pthread_rwlock_clockrdlock(rw, clock, deadline);
}

HOOK int pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t clock,
                                    const struct timespec *deadline)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_timedwrlock(g, clock, deadline)
             : real()->pthread_rwlock_clockwrlock(rw, clock, deadline);
}

HOOK int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw,
                                    const struct timespec *deadline)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_timedrdlock(g, CLOCK_REALTIME, deadline)
             : real()->pthread_rwlock_timedrdlock(rw, deadline);
}

HOOK int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw,
                                    const struct timespec *deadline)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_timedwrlock(g, CLOCK_REALTIME, deadline)
             : real()->pthread_rwlock_timedwrlock(rw, deadline);
}

HOOK int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
    green_rwlock_t *g = as_green_rwlock(rw);
    return g ? green_rwlock_unlock(g) : real()->pthread_rwlock_unlock(rw);
}
