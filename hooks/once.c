/*
 * once.c - pthread_once, spinlocks and barriers: the primitives that would
 * otherwise spin or sleep in the kernel while the green thread they wait
 * for cannot run.  A process-shared barrier stays glibc's; a green
 * thread's wait on it runs on a helper thread (kept_wait.c).
 */
#include <setjmp.h>

#include "kept.h"
#include "preload_state.h"
#include "sync.h"

/* Run fn under a cleanup frame, as glibc does: if the thread is cancelled
 * in it or calls pthread_exit, the unwinding resumes the frame, which puts
 * once back to "never called" (waking the threads that wait for it) and
 * goes on unwinding.  The frame is linked into the thread's chain in the
 * format of cancel.c (its __pad[0] points to the next one). */
static void run_init(struct green *self, pthread_once_t *once, void (*fn)(void))
{
    __pthread_unwind_buf_t frame;
    /* __sigsetjmp(buf, 0) writes no further than the mask_was_saved flag,
     * which the frame has, as pthread_cleanup_push relies on; the
     * compiler sees only the full jmp_buf type's size. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
    int resumed =
        __sigsetjmp((struct __jmp_buf_tag *)(void *)frame.__cancel_jmp_buf, 0);
#pragma GCC diagnostic pop
    if (resumed) {
        green__once_leave(once, 0);
        hook__exit(self, self->result);
    }
    frame.__pad[0] = hook__thread(self)->cleanup;
    hook__thread(self)->cleanup = &frame;
    fn();
    hook__thread(self)->cleanup = frame.__pad[0];
}

/* glibc's pthread_once_t states 0 (new), 1 (running), 2 (done) are those
 * of green_once; fork-generation bits are not used by green threads. */
HOOK int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    struct green *self = green__current();
    if (!self)
        return real()->pthread_once(once, fn);
    if (green__once_enter(once)) {
        run_init(self, once, fn);
        green__once_leave(once, 1);
    }
    return 0;
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
    return green__api_result(green__barrier_init(b, count));
}

HOOK int pthread_barrier_wait(pthread_barrier_t *b)
{
    if (!green__barrier_is_green(b))
        return green__current() ? hook__kept_barrier_wait(b)
                                : real()->pthread_barrier_wait(b);
    int r = green__barrier_wait(b);
    if (r < 0)
        return green__api_result(r);
    return r ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}

HOOK int pthread_barrier_destroy(pthread_barrier_t *b)
{
    if (!green__barrier_is_green(b))
        return real()->pthread_barrier_destroy(b);
    return green__api_result(green__barrier_destroy(b));
}
