/*
 * thread.c - pthread_create, join, detach, exit, self, equal.
 *
 * A green thread's pthread_t is its struct green's address; glibc never
 * sees it, so every function taking a pthread_t that a program may call on
 * one must be hooked here.  The adopted main thread keeps glibc's own
 * pthread_t, the value it had before our constructor, so glibc functions
 * called on it keep working.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/single_threaded.h>

#include "deliver.h"
#include "hook.h"
#include "preempt.h"

/* What the handle of a released thread stands for: a thread that ended
 * and was joined, or ended detached.  These are never queued, numbered or
 * released; every hook that takes a pthread_t sees an ended thread (state
 * GREEN__DONE), and the join and detach hooks answer for them as glibc
 * does for a thread whose descriptor is still in its stack cache. */
static struct green ended_joined, ended_detached;

static struct green *ended(struct green *g, struct green__hub *h, int detached)
{
    g->magic = GREEN__MAGIC;
    g->hub = h;
    g->state = GREEN__DONE;
    g->detached = (unsigned char)detached;
    return g;
}

/* A released thread's handle is looked up before anything is read through
 * it: its memory may be unmapped, or be another thread's stack. */
struct green *hook__green_of(pthread_t t)
{
    struct green__hub *h = green__hub;
    struct green *g = (struct green *)t;
    if (!h || !t)
        return NULL;
    if (h->main_thread && t == (pthread_t)h->native_tp)
        return h->main_thread;
    switch (green__handle_ended(h, g)) {
    case GREEN__ENDED_JOINED:
        return ended(&ended_joined, h, 0);
    case GREEN__ENDED_DETACHED:
        return ended(&ended_detached, h, 1);
    }
    return g->magic == GREEN__MAGIC ? g : NULL;
}

/* What pthread_create's attributes ask for. */
struct request {
    green_attr_t attr;
    void *stack; /* the program's (pthread_attr_setstack), or NULL */
    size_t stack_size;
};

/* Read the stack and detach state the program asked for.  glibc's
 * default stack (8 MiB from RLIMIT_STACK) means "no preference": the green
 * default (GREENRUN_STACK_SIZE) applies then.  glibc keeps the top of a
 * stack set with pthread_attr_setstack, NULL when none is: the bottom
 * pthread_attr_getstack computes is then minus the size. */
static void read_attr(const pthread_attr_t *attr, struct request *out)
{
    pthread_attr_t defaults;
    size_t size = 0, default_size = 0;
    int state = PTHREAD_CREATE_JOINABLE;
    void *lo = NULL;
    if (!attr)
        return;
    pthread_attr_getstacksize(attr, &size);
    pthread_attr_getdetachstate(attr, &state);
    if (pthread_getattr_default_np(&defaults) == 0) {
        pthread_attr_getstacksize(&defaults, &default_size);
        pthread_attr_destroy(&defaults);
    }
    out->attr.stack_size = size != default_size ? size : 0;
    out->attr.detached = state == PTHREAD_CREATE_DETACHED;
    if (pthread_attr_getstack(attr, &lo, &size) == 0 &&
        (uintptr_t)lo + size != 0) {
        out->stack = lo;
        out->stack_size = size;
    }
}

/* The mask a new thread starts with: its creator's, which green__create
 * copies before any worker can run it, or the one attr sets
 * (pthread_attr_setsigmask_np), which the creator wears for the time of
 * green__create only (no signal handler runs in between: they are held
 * off). */
static int sigmask_of(const pthread_attr_t *attr, uint64_t *mask)
{
    sigset_t set;
    if (!attr || pthread_attr_getsigmask_np(attr, &set) != 0)
        return 0;
    *mask = hook__blockable(hook__mask_word(&set));
    return 1;
}

/* glibc's malloc takes its arena locks, and libstdc++ makes its reference
 * counts atomic, only once __libc_single_threaded is false; getc, putc
 * and their kin lock the stream only once _IO_enable_locks has run.
 * glibc's own pthread_create does both for the first thread (with several
 * workers it ran already).  Green threads are made without it, so the
 * first one does the same: else a thread switched out inside malloc, or
 * preempted between the load and the store of a reference count, leaves
 * them half changed under the next (rsyslogd aborted: "break adjusted to
 * free malloc space"), and a getc that waits in read lets another getc
 * of the same stream read the file beside it.  _IO_enable_locks is
 * glibc's private function, found by its version; without it getc stays
 * unlocked, as before. */
static void tell_glibc_threads_exist(void)
{
    if (!__libc_single_threaded)
        return;
    __libc_single_threaded = 0;
    void (*enable_locks)(void) = (void (*)(void))dlvsym(
        RTLD_DEFAULT, "_IO_enable_locks", "GLIBC_PRIVATE");
    if (enable_locks)
        enable_locks();
}

HOOK int pthread_create(pthread_t *t, const pthread_attr_t *attr,
                        void *(*fn)(void *), void *arg)
{
    struct green *self = green__current();
    if (!self)
        return real()->pthread_create(t, attr, fn, arg);
    struct request req = {.stack = NULL};
    struct green *g;
    read_attr(attr, &req);
    req.attr.name = green_name(self); /* as a new OS thread inherits it */
    green__shim_start_workers(self->hub);
    tell_glibc_threads_exist();
    green__thread_exit_hook = hook__thread_ends; /* its kept signals go */
    uint64_t own = self->sigmask, mask, held = 0;
    int masked = sigmask_of(attr, &mask);
    if (masked) {
        held = hook__hold_signals();
        self->sigmask = mask;
    }
    int r = green__spawn_on(self->hub, &g, fn, arg, &req.attr, req.stack,
                            req.stack_size);
    if (masked) {
        self->sigmask = own;
        hook__release_signals(held);
    }
    if (r == 0) {
        *t = (pthread_t)g;
        hook__preempt_arm(self->hub);
    }
    return green__api_result(r);
}

HOOK int pthread_join(pthread_t t, void **result)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_join(t, result);
    if (g == &ended_joined)
        return ESRCH; /* glibc: the descriptor is marked joined */
    if (!green__current())
        return EINVAL; /* a native thread cannot wait for a green one */
    int r = green_join(g, result);
    if (r == ECANCELED)
        hook__cancelled();
    return r;
}

HOOK int pthread_detach(pthread_t t)
{
    struct green *g = hook__green_of(t);
    if (g == &ended_joined)
        return ESRCH;
    return g ? green_detach(g) : real()->pthread_detach(t);
}

/* main calling pthread_exit: the process lives on until the last other
 * thread ends, then exits with status 0, as natively. */
void hook__exit_main(struct green__hub *h)
{
    hook__signals_forget(h->main_thread); /* it takes no more */
    green__lock();
    h->live--;
    if (--h->world->live > 0) {
        h->world->all_done = h->main_thread;
        green__park(h);
    }
    green__unlock();
    exit(0);
}

HOOK void pthread_exit(void *result)
{
    struct green *self = green__current();
    if (!self)
        real()->pthread_exit(result);
    hook__exit(self, result);
}

HOOK pthread_t pthread_self(void)
{
    struct green *self = green__current();
    if (!self || self == self->hub->main_thread)
        return real()->pthread_self();
    return (pthread_t)self;
}

HOOK int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

/* Join with a deadline; ETIMEDOUT, or EBUSY at once for tryjoin. */
static int join_until(struct green *g, void **result, clockid_t clock,
                      const struct timespec *deadline)
{
    struct timespec now;
    if (!green__current())
        return EINVAL;
    /* glibc's tryjoin tests "still running" first, and a joined
     * descriptor counts as running: EBUSY; the timed joins say ESRCH. */
    if (g == &ended_joined)
        return deadline ? ESRCH : EBUSY;
    if (!deadline)
        return g->state == GREEN__DONE ? green_join(g, result) : EBUSY;
    if (green__check_deadline(clock, deadline) < 0)
        return EINVAL;
    real()->clock_gettime(clock, &now);
    int64_t left = hook__ns(deadline->tv_sec, deadline->tv_nsec) -
                   hook__ns(now.tv_sec, now.tv_nsec);
    int r = green_timedjoin(g, result, left > 0 ? left : 0);
    if (r == ECANCELED)
        hook__cancelled();
    return r;
}

HOOK int pthread_tryjoin_np(pthread_t t, void **result)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_tryjoin_np(t, result);
    return join_until(g, result, CLOCK_REALTIME, NULL);
}

HOOK int pthread_timedjoin_np(pthread_t t, void **result,
                              const struct timespec *deadline)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_timedjoin_np(t, result, deadline);
    if (!deadline)
        return pthread_join(t, result);
    return join_until(g, result, CLOCK_REALTIME, deadline);
}

HOOK int pthread_clockjoin_np(pthread_t t, void **result, clockid_t clock,
                              const struct timespec *deadline)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_clockjoin_np(t, result, clock, deadline);
    if (!deadline)
        return pthread_join(t, result);
    return join_until(g, result, clock, deadline);
}
