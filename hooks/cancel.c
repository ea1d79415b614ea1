/*
 * cancel.c - pthread_cancel and pthread_exit's cleanup handlers.
 *
 * Cancellation is deferred: a cancel request ends the target's current or
 * next wait in a cancellation point (a blocking read, sleep, poll, cond or
 * sem wait, join...) and the hook that waited then exits the thread with
 * PTHREAD_CANCELED.  A thread that asked for asynchronous cancellation is
 * only ever stopped where it waits, or where it enables it: it ends there,
 * and also in a mutex wait, which is no cancellation point (a thread
 * deadlocked on its own normal mutex can be cancelled, as natively).
 *
 * pthread_cleanup_push, compiled for C, registers a jump buffer with
 * __pthread_register_cancel; glibc keeps that chain per OS thread, so for
 * green threads it is kept in struct green.  Exiting walks it: jump into
 * each handler's frame (it calls the handler, then __pthread_unwind_next),
 * and when it is empty, run the key destructors and end the thread.  C++
 * destructors of the frames skipped are not run (glibc's forced unwinding
 * would run them); see README.
 */
#include <setjmp.h>
#include <stdlib.h>

#include "hook.h"
#include "preload_state.h"

/* glibc's __pthread_unwind_buf_t: __pad[0] is free for the chain link. */
static void *next_of(__pthread_unwind_buf_t *buf)
{
    return buf->__pad[0];
}

/* Resume a pthread_cleanup_push frame.  Its buffer is a jmp_buf without
 * the saved signal mask, filled by __sigsetjmp(buf, 0): siglongjmp reads
 * no further than the mask_was_saved flag, as glibc's own unwinding
 * relies on, but the compiler sees only the type's full size. */
static void resume(__pthread_unwind_buf_t *buf) __attribute__((noreturn));
static void resume(__pthread_unwind_buf_t *buf)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
    real()->siglongjmp((struct __jmp_buf_tag *)(void *)buf->__cancel_jmp_buf,
                       1);
#pragma GCC diagnostic pop
}

static void unwind(struct green *self) __attribute__((noreturn));
static void unwind(struct green *self)
{
    __pthread_unwind_buf_t *buf = hook__thread(self)->cleanup;
    if (buf) {
        hook__thread(self)->cleanup = next_of(buf);
        resume(buf);
    }
    if (self == self->hub->main_thread)
        hook__exit_main(self->hub);
    green__exit(self->hub, self->result);
}

void hook__exit(struct green *self, void *result)
{
    self->result = result;
    self->cancel_disabled = 1; /* no cancel while exiting */
    unwind(self);
}

void hook__cancelled(void)
{
    hook__exit(green__current(), PTHREAD_CANCELED);
}

HOOK void __pthread_register_cancel(__pthread_unwind_buf_t *buf)
{
    struct green *self = green__current();
    if (!self) {
        real()->__pthread_register_cancel(buf);
        return;
    }
    buf->__pad[0] = hook__thread(self)->cleanup;
    hook__thread(self)->cleanup = buf;
}

HOOK void __pthread_unregister_cancel(__pthread_unwind_buf_t *buf)
{
    struct green *self = green__current();
    if (!self) {
        real()->__pthread_unregister_cancel(buf);
        return;
    }
    hook__thread(self)->cleanup = next_of(buf);
}

HOOK void __pthread_unwind_next(__pthread_unwind_buf_t *buf)
{
    struct green *self = green__current();
    if (!self)
        real()->__pthread_unwind_next(buf);
    unwind(self);
}

HOOK int pthread_cancel(pthread_t t)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_cancel(t);
    /* glibc (2.34 on) answers 0 for a thread that has ended, joined or
     * not, as long as its descriptor is in its stack cache; POSIX defines
     * no error here. */
    if (g->state == GREEN__DONE)
        return 0;
    green__cancel(g);
    return 0;
}

/* An asynchronously cancellable thread with a cancel pending ends as soon
 * as cancellation is enabled, as with glibc. */
static void act_if_async(struct green *self)
{
    if (self->cancel_async && self->cancel_pending && !self->cancel_disabled)
        hook__cancelled();
}

HOOK int pthread_setcancelstate(int state, int *old)
{
    struct green *self = green__current();
    if (!self)
        return real()->pthread_setcancelstate(state, old);
    if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
        return EINVAL;
    if (old)
        *old = self->cancel_disabled ? PTHREAD_CANCEL_DISABLE
                                     : PTHREAD_CANCEL_ENABLE;
    self->cancel_disabled = state == PTHREAD_CANCEL_DISABLE;
    act_if_async(self);
    return 0;
}

HOOK int pthread_setcanceltype(int type, int *old)
{
    struct green *self = green__current();
    if (!self)
        return real()->pthread_setcanceltype(type, old);
    if (type != PTHREAD_CANCEL_DEFERRED && type != PTHREAD_CANCEL_ASYNCHRONOUS)
        return EINVAL;
    if (old)
        *old = self->cancel_async ? PTHREAD_CANCEL_ASYNCHRONOUS
                                  : PTHREAD_CANCEL_DEFERRED;
    self->cancel_async = type == PTHREAD_CANCEL_ASYNCHRONOUS;
    act_if_async(self);
    return 0;
}

void hook__testcancel(const struct green *self)
{
    if (self->cancel_pending && !self->cancel_disabled)
        hook__cancelled();
}

HOOK void pthread_testcancel(void)
{
    struct green *self = green__current();
    if (!self) {
        real()->pthread_testcancel();
        return;
    }
    hook__testcancel(self);
}
