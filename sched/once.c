/*
 * once.c - run an initialiser exactly once.
 *
 * green_once_t is an int (like pthread_once_t), too small for a queue, so
 * threads that find an initialiser running wait in one hub-wide queue and
 * re-check their own once object whenever any initialiser finishes.
 */
#include "internal.h"

enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

GREEN_EXPORT int green_once(green_once_t *once, void (*fn)(void))
{
    struct green *self = green__current();
    while (*once == ONCE_RUNNING && self) {
        green__queue_push(&self->hub->once_waiters, self);
        green__park_nocancel(self->hub);
    }
    if (*once == ONCE_DONE)
        return 0;
    *once = ONCE_RUNNING;
    fn();
    *once = ONCE_DONE;
    if (self) {
        struct green *g;
        while ((g = green__queue_pop(&self->hub->once_waiters)))
            green__wake(g, 0);
    }
    return 0;
}
