/*
 * once.c - pthread_once, spinlocks and barriers: the primitives that would
 * otherwise spin or sleep in the kernel while the green thread they wait
 * for cannot run.
 */
#include "hook.h"

/* glibc's pthread_once_t states 0 (new), 1 (running), 2 (done) are those
 * of green_once; fork-generation bits are not used by green threads. */
HOOK int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    if (!green__current())
        return real()->pthread_once(once, fn);
    return green_once(once, fn);
}

/* A spinlock's holder may be parked: yield between tries instead of
 * spinning, so that it can run and release. */
HOOK int pthread_spin_lock(pthread_spinlock_t *s)
{
    if (!green__current())
        return real()->pthread_spin_lock(s);
    while (real()->pthread_spin_trylock(s) == EBUSY)
        green_yield();
    return 0;
}

#define GLIBC_BARRIER_SIZE 32

HOOK int pthread_barrier_init(pthread_barrier_t *b,
                              const pthread_barrierattr_t *attr, unsigned count)
{
    int shared = 0;
    if (attr)
        pthread_barrierattr_getpshared(attr, &shared);
    if (shared || !green__hub)
        return real()->pthread_barrier_init(b, attr, count);
    _Static_assert(sizeof(pthread_barrier_t) >= GLIBC_BARRIER_SIZE,
                   "room for a green barrier");
    return green__barrier_init(b, count);
}

HOOK int pthread_barrier_wait(pthread_barrier_t *b)
{
    if (!green__barrier_is_green(b))
        return real()->pthread_barrier_wait(b);
    int r = green__barrier_wait(b);
    if (r < 0)
        return -r;
    return r ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}

HOOK int pthread_barrier_destroy(pthread_barrier_t *b)
{
    if (!green__barrier_is_green(b))
        return real()->pthread_barrier_destroy(b);
    return green__barrier_destroy(b);
}
