/*
 * once.c - run an initialiser exactly once.
 *
 * green_once_t is an int (like pthread_once_t), too small for a queue, so
 * threads that find an initialiser running wait in one process-wide queue and
 * re-check their own once object whenever any initialiser finishes.
 *
 * An initialiser that never returns (its thread was cancelled in it, or
 * called pthread_exit) leaves the object as if it had never been called,
 * as POSIX requires of pthread_once: green__once_leave(once, 0) puts it back
 * to new, and the threads waiting for it try again, one of them running the
 * initialiser.
 */
#include "hub.h"
#include "world.h"

enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

int green__once_enter(green_once_t *once)
{
    struct green *self = green__current();
    struct green__world *w = green__world_here();
    /* Done is final: seen without the lock, it needs no more. */
    if (__atomic_load_n(once, __ATOMIC_ACQUIRE) == ONCE_DONE)
        return 0;
    green__lock();
    while (*once == ONCE_RUNNING && self) {
        green__queue_push(&w->once_waiters, self);
        green__park_nocancel(self->hub);
    }
    int run = *once != ONCE_DONE;
    if (run)
        *once = ONCE_RUNNING;
    green__unlock();
    return run;
}

void green__once_leave(green_once_t *once, int done)
{
    struct green__world *w = green__world_here();
    struct green *g;
    green__lock();
    __atomic_store_n(once, done ? ONCE_DONE : ONCE_NEW, __ATOMIC_RELEASE);
    while (w && (g = green__queue_pop(&w->once_waiters)))
        green__wake(g, 0);
    green__unlock();
}

GREEN_EXPORT int green_once(green_once_t *once, void (*fn)(void))
{
    if (green__once_enter(once)) {
        fn();
        green__once_leave(once, 1);
    }
    return 0;
}
