/*
 * rwlock.c - pthread_rwlock_*: green in green threads, glibc's for
 * process-shared locks (glibc's __shared word, which the green layout
 * leaves alone).
 */
#include "glibc_layout.h"
#include "hook.h"

/* glibc's PTHREAD_RWLOCK_WRPHASE, a bit of __readers (nptl/pthreadP.h). */
#define GLIBC_RWLOCK_WRPHASE 1

/* A lock that glibc's own functions used before greenrun's constructor
 * ran (another library's constructor: BIND's libisc sets OpenSSL up in
 * one) is a glibc lock.  Idle, it is zeroed, as a green one, except after
 * a writer released it with no reader waiting: glibc then leaves it in
 * its write phase, __readers at WRPHASE and __wrphase_futex at 1, which
 * the green layout would read as held by a writer at address 1.  No green
 * lock has that writer, so the state is glibc's idle one: zero it. */
static void forget_glibc_write_phase(pthread_rwlock_t *rw)
{
    if (rw->__data.__wrphase_futex == 1 && rw->__data.__writers_futex == 0 &&
        rw->__data.__readers == GLIBC_RWLOCK_WRPHASE &&
        rw->__data.__writers == 0) {
        rw->__data.__readers = 0;
        rw->__data.__wrphase_futex = 0;
    }
}

/* The lock as a green one, or NULL if it stays glibc's. */
static green_rwlock_t *as_green_rwlock(pthread_rwlock_t *rw)
{
    if (!green__current() || rw->__data.__shared)
        return NULL;
    forget_glibc_write_phase(rw);
    return (green_rwlock_t *)rw;
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
