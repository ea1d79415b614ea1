/*
 * once.c - run an initialiser exactly once.
 *
 * green_once_t is an int (like pthread_once_t), too small for a queue, so
 * threads that find an initialiser running wait in one hub-wide queue and
 * re-check their own once object whenever any initialiser finishes.
 *
 * An initialiser that never returns (its thread was cancelled in it, or
 * called pthread_exit) leaves the object as if it had never been called,
 * as POSIX requires of pthread_once: green__once_leave(once, 0) puts it back
 * to new, and the threads waiting for it try again, one of them running the
 * initialiser.
 */
#include "internal.h"

enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

int green__once_enter(green_once_t *once)
{
    struct green *self = green__current();
    while (*once == ONCE_RUNNING && self) {
        green__queue_push(&self->hub->once_waiters, self);
        green__park_nocancel(self->hub);
    }
    if (*once == ONCE_DONE)
        return 0;
    *once = ONCE_RUNNING;
    return 1;
}

void green__once_leave(green_once_t *once, int done)
{
    struct green *self = green__current();
    *once = done ? ONCE_DONE : ONCE_NEW;
    if (self) {
        struct green *g;
        while ((g = green__queue_pop(&self->hub->once_waiters)))
            green__wake(g, 0);
    }
}

GREEN_EXPORT int green_once(green_once_t *once, void (*fn)(void))
{
    if (green__once_enter(once)) {
        fn();
        green__once_leave(once, 1);
    }
    return 0;
}
