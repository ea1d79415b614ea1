/*
 * barrier.c - green barriers (for pthread_barrier_*; not in the explicit
 * API, where a counter and a cond do the same).
 *
 * The last thread to arrive releases the others and gets the "serial"
 * result.  The layout fills glibc's 32-byte pthread_barrier_t; a mark
 * where glibc keeps its futex "shared" word tells a green barrier from a
 * process-shared one.
 */
#include "sync.h"
#include "world.h"

#define BARRIER_MARK 0x67726e62u

struct barrier {
    unsigned count;
    unsigned arrived;
    unsigned round;
    unsigned mark;
    struct green__queue waiters;
};

_Static_assert(sizeof(struct barrier) == 32, "fits pthread_barrier_t");

int green__barrier_init(void *b, unsigned count)
{
    struct barrier *bar = b;
    if (count == 0)
        return -EINVAL;
    *bar = (struct barrier){.count = count, .mark = BARRIER_MARK};
    return 0;
}

int green__barrier_is_green(const void *b)
{
    return ((const struct barrier *)b)->mark == BARRIER_MARK;
}

int green__barrier_destroy(void *b)
{
    struct barrier *bar = b;
    int r = 0;
    green__lock();
    if (bar->waiters.head)
        r = -EBUSY;
    else
        bar->mark = 0;
    green__unlock();
    return r;
}

/* 0 for most threads, 1 for the one that completed the round, or a
 * negative errno. */
int green__barrier_wait(void *b)
{
    struct barrier *bar = b;
    struct green *self = green__current();
    struct green *g;
    if (!self)
        return -EPERM;
    green__lock();
    if (++bar->arrived == bar->count) {
        bar->arrived = 0;
        bar->round++;
        while ((g = green__queue_pop(&bar->waiters)))
            green__wake(g, 0);
        green__unlock();
        return 1;
    }
    green__queue_push(&bar->waiters, self);
    green__park_nocancel(self->hub);
    green__unlock();
    return 0;
}
