/*
 * sem.c - unnamed semaphores: sem_init, destroy, wait, trywait, timedwait,
 * clockwait, post, getvalue.
 *
 * Process-private semaphores become green ones (CPython's locks are built
 * on them).  Process-shared and named semaphores (sem_open) are shared with
 * other processes and stay glibc's; in a green thread their waits park
 * (kept.c).  These return -1 and set errno.
 */
#include <semaphore.h>

#include "glibc_layout.h"
#include "hook.h"
#include "kept.h"
#include "sync.h"

/* The semaphore as a green one, or NULL if it is glibc's. */
static green_sem_t *as_green_sem(sem_t *s)
{
    return green__sem_is_green((green_sem_t *)s) ? (green_sem_t *)s : NULL;
}

/* sem waits are cancellation points. */
static int result(int r)
{
    if (r == ECANCELED)
        hook__cancelled();
    return r ? (int)hook__fail(-r) : 0;
}

HOOK int sem_init(sem_t *s, int pshared, unsigned value)
{
    if (pshared || !green__hub)
        return real()->sem_init(s, pshared, value);
    return result(green_sem_init((green_sem_t *)s, value));
}

HOOK int sem_destroy(sem_t *s)
{
    green_sem_t *g = as_green_sem(s);
    return g ? result(green_sem_destroy(g)) : real()->sem_destroy(s);
}

HOOK int sem_wait(sem_t *s)
{
    green_sem_t *g = as_green_sem(s);
    if (g)
        return result(green_sem_wait(g));
    if (green__current())
        return result(hook__kept_sem_wait(s, CLOCK_REALTIME, NULL));
    return real()->sem_wait(s);
}

HOOK int sem_trywait(sem_t *s)
{
    green_sem_t *g = as_green_sem(s);
    return g ? result(green_sem_trywait(g)) : real()->sem_trywait(s);
}

HOOK int sem_clockwait(sem_t *s, clockid_t clock,
                       const struct timespec *deadline)
{
    green_sem_t *g = as_green_sem(s);
    if (g)
        return result(green_sem_timedwait(g, clock, deadline));
    if (green__current())
        return result(hook__kept_sem_wait(s, clock, deadline));
    return real()->sem_clockwait(s, clock, deadline);
}

HOOK int sem_timedwait(sem_t *s, const struct timespec *deadline)
{
    green_sem_t *g = as_green_sem(s);
    if (g)
        return result(green_sem_timedwait(g, CLOCK_REALTIME, deadline));
    if (green__current())
        return result(hook__kept_sem_wait(s, CLOCK_REALTIME, deadline));
    return real()->sem_timedwait(s, deadline);
}

HOOK int sem_post(sem_t *s)
{
    green_sem_t *g = as_green_sem(s);
    if (g)
        return result(green_sem_post(g));
    if (green__current())
        return result(hook__kept_sem_post(s));
    return real()->sem_post(s);
}

HOOK int sem_getvalue(sem_t *s, int *value)
{
    green_sem_t *g = as_green_sem(s);
    return g ? result(green_sem_getvalue(g, value))
             : real()->sem_getvalue(s, value);
}
