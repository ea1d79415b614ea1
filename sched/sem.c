/*
 * sem.c - green counting semaphores.
 *
 * Post hands its unit straight to the longest waiter when there is one
 * (the value stays at zero), so a thread that arrives later cannot take it
 * first.  Layout: the value and the waiter queue in glibc's 32-byte sem_t,
 * and a mark in its last word, which glibc leaves zero, so the preload
 * hooks can tell a green semaphore from a process-shared or named one.
 */
#include <limits.h>

#include "sync.h"
#include "world.h"

#define SEM_MARK 0x6d65736e65657267ULL

struct sem {
    unsigned value;
    int reserved0;
    struct green__queue waiters;
    uint64_t mark;
};

_Static_assert(sizeof(struct sem) == sizeof(green_sem_t),
               "struct sem must fill green_sem_t exactly");

static struct sem *as_sem(green_sem_t *s)
{
    return (struct sem *)s;
}

GREEN_EXPORT int green_sem_init(green_sem_t *s, unsigned value)
{
    if (value > INT_MAX)
        return green__api_result(-EINVAL);
    *s = (green_sem_t){{0}};
    as_sem(s)->value = value;
    as_sem(s)->mark = SEM_MARK;
    return 0;
}

int green__sem_is_green(const green_sem_t *s)
{
    return ((const struct sem *)s)->mark == SEM_MARK;
}

GREEN_EXPORT int green_sem_destroy(green_sem_t *s)
{
    int r = 0;
    green__lock();
    if (as_sem(s)->waiters.head)
        r = -EBUSY;
    else
        as_sem(s)->mark = 0;
    green__unlock();
    return green__api_result(r);
}

static int take_locked(green_sem_t *s, clockid_t clock,
                       const struct timespec *deadline)
{
    struct sem *sm = as_sem(s);
    struct green *self;
    if (sm->value > 0) {
        sm->value--;
        return 0;
    }
    if (!(self = green__current()))
        return -EPERM;
    if (deadline) {
        int r = green__arm_deadline(self, clock, deadline);
        if (r)
            return r;
    }
    green__queue_push(&sm->waiters, self);
    /* -ETIMEDOUT, -EINTR, or -ECANCELED for a cancelled preloaded thread. */
    return green__park_interruptible(self->hub, GREEN__EINTR_ALWAYS);
}

static int take(green_sem_t *s, clockid_t clock,
                const struct timespec *deadline)
{
    green__lock();
    int r = take_locked(s, clock, deadline);
    green__unlock();
    return r;
}

GREEN_EXPORT int green_sem_wait(green_sem_t *s)
{
    return green__api_result(take(s, CLOCK_REALTIME, NULL));
}

GREEN_EXPORT int green_sem_trywait(green_sem_t *s)
{
    struct sem *sm = as_sem(s);
    int r = 0;
    green__lock();
    if (sm->value == 0)
        r = -EAGAIN;
    else
        sm->value--;
    green__unlock();
    return green__api_result(r);
}

GREEN_EXPORT int green_sem_timedwait(green_sem_t *s, clockid_t clock,
                                     const struct timespec *deadline)
{
    int r = green__check_deadline(clock, deadline);
    if (!r)
        r = take(s, clock, deadline);
    return green__api_result(r);
}

GREEN_EXPORT int green_sem_post(green_sem_t *s)
{
    struct sem *sm = as_sem(s);
    int r = 0;
    green__lock();
    struct green *g = green__queue_pop(&sm->waiters);
    if (g)
        green__wake(g, 0);
    else if (sm->value >= INT_MAX)
        r = -EOVERFLOW;
    else
        sm->value++;
    green__unlock();
    return green__api_result(r);
}

GREEN_EXPORT int green_sem_getvalue(green_sem_t *s, int *value)
{
    *value = (int)__atomic_load_n(&as_sem(s)->value, __ATOMIC_RELAXED);
    return 0;
}
