/*
 * rwlock.c - pthread_rwlock_*: green in green threads, glibc's for
 * process-shared locks (glibc's __shared word, which the green layout
 * leaves alone), whose waits are green in green threads (kept.c).
 */
#include "kept.h"

/* glibc's PTHREAD_RWLOCK_WRPHASE, a bit of __readers (nptl/pthreadP.h). */
#define GLIBC_RWLOCK_WRPHASE 1

enum kind { GREEN, KEPT, GLIBC };

static enum kind kind_of(const pthread_rwlock_t *rw)
{
    if (!green__current())
        return GLIBC;
    return rw->__data.__shared ? KEPT : GREEN;
}

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

/* A lock kind_of says is green. */
static green_rwlock_t *as_green(pthread_rwlock_t *rw)
{
    forget_glibc_write_phase(rw);
    return (green_rwlock_t *)rw;
}

HOOK int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_rdlock(as_green(rw));
    case KEPT:
        return hook__kept_rwlock_lock(rw, 0, CLOCK_REALTIME, NULL);
    default:
        return real()->pthread_rwlock_rdlock(rw);
    }
}

HOOK int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_wrlock(as_green(rw));
    case KEPT:
        return hook__kept_rwlock_lock(rw, 1, CLOCK_REALTIME, NULL);
    default:
        return real()->pthread_rwlock_wrlock(rw);
    }
}

HOOK int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_tryrdlock(as_green(rw));
    case KEPT:
        return hook__kept_rwlock_trylock(rw, 0);
    default:
        return real()->pthread_rwlock_tryrdlock(rw);
    }
}

HOOK int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_trywrlock(as_green(rw));
    case KEPT:
        return hook__kept_rwlock_trylock(rw, 1);
    default:
        return real()->pthread_rwlock_trywrlock(rw);
    }
}

HOOK int pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t clock,
                                    const struct timespec *deadline)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_timedrdlock(as_green(rw), clock, deadline);
    case KEPT:
        return hook__kept_rwlock_lock(rw, 0, clock, deadline);
    default:
        return real()->pthread_rwlock_clockrdlock(rw, clock, deadline);
    }
}

HOOK int pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t clock,
                                    const struct timespec *deadline)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_timedwrlock(as_green(rw), clock, deadline);
    case KEPT:
        return hook__kept_rwlock_lock(rw, 1, clock, deadline);
    default:
        return real()->pthread_rwlock_clockwrlock(rw, clock, deadline);
    }
}

HOOK int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw,
                                    const struct timespec *deadline)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_timedrdlock(as_green(rw), CLOCK_REALTIME, deadline);
    case KEPT:
        return hook__kept_rwlock_lock(rw, 0, CLOCK_REALTIME, deadline);
    default:
        return real()->pthread_rwlock_timedrdlock(rw, deadline);
    }
}

HOOK int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw,
                                    const struct timespec *deadline)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_timedwrlock(as_green(rw), CLOCK_REALTIME, deadline);
    case KEPT:
        return hook__kept_rwlock_lock(rw, 1, CLOCK_REALTIME, deadline);
    default:
        return real()->pthread_rwlock_timedwrlock(rw, deadline);
    }
}

HOOK int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
    switch (kind_of(rw)) {
    case GREEN:
        return green_rwlock_unlock(as_green(rw));
    case KEPT:
        return hook__kept_rwlock_unlock(rw);
    default:
        return real()->pthread_rwlock_unlock(rw);
    }
}
