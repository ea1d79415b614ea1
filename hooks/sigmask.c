/*
 * sigmask.c - a signal mask per green thread: pthread_sigmask, sigprocmask,
 * sigpending, and the mask siglongjmp puts back.
 *
 * Each green thread keeps its own mask (green.sigmask), and the OS thread
 * blocks what the running thread blocks: switch_to sets the OS thread's
 * mask when the next thread's differs, so a program whose threads never
 * change their masks never pays for it.  A new thread starts with its
 * creator's mask (thread.c).  The hub's own thread blocks what every
 * thread blocks, so that a signal no thread takes stays pending in the
 * kernel while the hub waits for events; which thread takes the others is
 * deliver.c's business.
 *
 * While the syscall trap (trap.c) is on, SIGSYS must never be blocked: the
 * kernel kills a process whose dispatch signal arrives blocked.  Nor may
 * SIGURG while preemption is on (preempt.c).  A program that blocks every
 * signal (sigfillset, a common idiom before starting a thread) gets them
 * all but these, as glibc already keeps its own internal signals out of
 * such masks.
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "deliver.h"
#include "hook.h"
#include "owned.h"
#include "world.h"

/* glibc's own signals (SIGCANCEL and SIGSETXID), which it never lets a
 * program block. */
#define GLIBC_SIGNALS (hook__sig_bit(32) | hook__sig_bit(33))

uint64_t hook__mask_word(const sigset_t *set)
{
    uint64_t word;
    memcpy(&word, set, sizeof word);
    return word;
}

uint64_t hook__blockable(uint64_t mask)
{
    return mask & ~(hook__sig_bit(SIGKILL) | hook__sig_bit(SIGSTOP) |
                    GLIBC_SIGNALS | hook__owned_bits());
}

static int alive(const struct green__hub *h, const struct green *g)
{
    return g && g->state != GREEN__DONE && g != h->world->all_done;
}

/* Threads widen_hub asks at most: past them the hub's mask stays as it
 * is, smaller than it could be, which costs a mask change at some switches
 * to and from the hub, never a lost signal. */
#define WIDEN_LOOKS 256

/* Of bits, those every live thread of h blocks (the first *looks only;
 * past them, none).  A worker's own context never runs program code. */
static uint64_t blocked_by_all(struct green__hub *h, uint64_t bits, int *looks)
{
    if (bits && alive(h, h->main_thread))
        bits &= h->main_thread->sigmask;
    for (struct green *g = h->all; g && bits; g = g->all_next) {
        if (!(*looks)--)
            return 0;
        if (alive(h, g) && g != h->own_context)
            bits &= g->sigmask;
    }
    return bits;
}

/* Signals some thread newly blocks: the hub of the main OS thread blocks
 * those that every thread blocks now, so that the kernel keeps them
 * pending rather than acting on them there.  With several workers, every
 * hub's threads count (the main OS thread takes the process's signals for
 * all, shim/init.c), read under the scheduler lock, and the main hub is
 * told to set its mask anew. */
static void widen_hub(struct green__hub *h, uint64_t bits)
{
    struct green__world *w = h->world;
    int looks = WIDEN_LOOKS;
    if (!w->multi) {
        bits &= ~h->hub_thread->sigmask;
        h->hub_thread->sigmask |= blocked_by_all(h, bits, &looks);
        return;
    }
    struct green__hub *first = w->hubs[0];
    green__lock();
    bits &= ~first->hub_thread->sigmask;
    for (unsigned i = 0; i < w->hub_count && bits; i++)
        bits = blocked_by_all(w->hubs[i], bits, &looks);
    __atomic_or_fetch(&first->hub_thread->sigmask, bits, __ATOMIC_ACQ_REL);
    green__unlock();
    if (bits && first != green__hub)
        green__signals_notify(first);
}

/* The hub of the main OS thread, which the kernel gives the process's
 * signals to, lets through what g does not block.  With several workers
 * that may be another hub's, told to set its mask anew. */
static void narrow_hub(struct green__hub *h, uint64_t mask)
{
    uint64_t *hub_mask = &h->hub_thread->sigmask;
    if (!(__atomic_load_n(hub_mask, __ATOMIC_RELAXED) & ~mask))
        return;
    __atomic_and_fetch(hub_mask, mask, __ATOMIC_ACQ_REL);
    if (h != green__hub)
        green__signals_notify(h);
}

void hook__keep_sigmask(struct green *g, uint64_t mask)
{
    struct green__world *w = g->hub->world;
    g->sigmask = hook__blockable(mask);
    narrow_hub(g->hub, g->sigmask);
    if (w->multi && w->hubs[0] != g->hub)
        narrow_hub(w->hubs[0], g->sigmask);
}

/* g's new mask, and whether a kept signal now waits for it. */
static int change(struct green *g, uint64_t mask)
{
    uint64_t was = g->sigmask;
    hook__keep_sigmask(g, mask);
    if (g->sigmask & ~was)
        widen_hub(g->hub, g->sigmask & ~was);
    return (was & ~g->sigmask) && hook__kept_unblocked(g, g->sigmask);
}

void hook__set_sigmask(struct green *g, uint64_t mask)
{
    struct green__hub *h = g->hub;
    if (change(g, mask))
        __atomic_or_fetch(&g->sig_flags, GREEN__SIG_DUE, __ATOMIC_ACQ_REL);
    /* A pending signal it lets through is taken before this returns: by
     * the wrapper for another thread, or kept for this one. */
    green__apply_os_sigmask(h, g->sigmask);
    /* Not inside a wait: a handler run there runs them after it. */
    if ((g->sig_flags & GREEN__SIG_DUE) && g->state != GREEN__PARKED)
        hook__take_signals(g);
}

void hook__note_sigmask(struct green *g, uint64_t mask)
{
    if (change(g, mask))
        __atomic_or_fetch(&g->sig_flags, GREEN__SIG_DUE, __ATOMIC_ACQ_REL);
    g->hub->os_sigmask = (uint64_t)-1; /* until the frame returns */
}

uint64_t hook__wait_mask_begin(struct green *g, const sigset_t *mask, int parks)
{
    uint64_t old = g->sigmask;
    if (change(g, hook__mask_word(mask)))
        __atomic_or_fetch(&g->sig_flags, GREEN__SIG_DUE, __ATOMIC_ACQ_REL);
    if (!parks)
        g->hub->os_sigmask = (uint64_t)-1; /* the call sets and restores it */
    else
        green__apply_os_sigmask(g->hub, g->sigmask);
    return old;
}

void hook__wait_mask_end(struct green *g, uint64_t old)
{
    int saved_errno = errno;
    if ((g->sig_flags & GREEN__SIG_DUE) && g->state != GREEN__PARKED)
        hook__take_signals(g);
    hook__set_sigmask(g, old);
    errno = saved_errno;
}

/* The mask how and set make of was; EINVAL for an unknown how. */
static int new_mask(int how, const sigset_t *set, uint64_t was, uint64_t *mask)
{
    uint64_t word = hook__mask_word(set);
    switch (how) {
    case SIG_BLOCK:
        *mask = was | word;
        return 0;
    case SIG_UNBLOCK:
        *mask = was & ~word;
        return 0;
    case SIG_SETMASK:
        *mask = word;
        return 0;
    default:
        return EINVAL;
    }
}

/* pthread_sigmask for a green thread: 0 or an errno. */
static int thread_sigmask(struct green *self, int how, const sigset_t *set,
                          sigset_t *old)
{
    uint64_t was = self->sigmask, mask = was;
    if (set && new_mask(how, set, was, &mask))
        return EINVAL;
    if (old) {
        memset(old, 0, sizeof *old);
        memcpy(old, &was, sizeof was);
    }
    if (set)
        hook__set_sigmask(self, mask);
    return 0;
}

static const sigset_t *allowed(int how, const sigset_t *set, sigset_t *copy)
{
    if (!set || how == SIG_UNBLOCK)
        return set;
    *copy = *set;
    hook__unblock_owned(copy);
    return copy;
}

HOOK int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    struct green *self = green__current();
    sigset_t copy;
    if (self)
        return thread_sigmask(self, how, set, old);
    return real()->pthread_sigmask(how, allowed(how, set, &copy), old);
}

HOOK int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    struct green *self = green__current();
    sigset_t copy;
    if (self) {
        int err = thread_sigmask(self, how, set, old);
        return err ? (int)hook__fail(-err) : 0;
    }
    return real()->sigprocmask(how, allowed(how, set, &copy), old);
}

/* siglongjmp, and longjmp, which is the same in glibc: a buffer saved
 * with its mask (sigsetjmp(env, 1)) puts that mask back, here too.  A
 * jump never returns, so these report no frames to the syscall trap. */
#define NO_TRACE __attribute__((no_instrument_function))

NO_TRACE static void jump_mask(struct __jmp_buf_tag *env)
{
    struct green *self = green__current();
    if (!self || !env->__mask_was_saved)
        return;
    uint64_t saved = hook__mask_word(&env->__saved_mask);
    if (change(self, hook__thread_view(self->hub, self, saved)))
        __atomic_or_fetch(&self->sig_flags, GREEN__SIG_DUE, __ATOMIC_ACQ_REL);
    self->hub->os_sigmask = (uint64_t)-1; /* the jump sets it */
}

NO_TRACE HOOK void siglongjmp(struct __jmp_buf_tag env[1], int val)
{
    jump_mask(env);
    real()->siglongjmp(env, val);
}

NO_TRACE HOOK void longjmp(struct __jmp_buf_tag env[1], int val)
{
    jump_mask(env);
    real()->longjmp(env, val);
}

/* The fortified longjmp (glibc checks the target frame): declared by glibc
 * for fortified programs only. */
void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
    __attribute__((noreturn));

NO_TRACE HOOK void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
{
    jump_mask(env);
    real()->__longjmp_chk(env, val);
}

/* What the kernel holds for the process and the OS thread, and what is
 * kept for this thread, among the signals it blocks. */
HOOK int sigpending(sigset_t *set)
{
    struct green *self = green__current();
    int r = real()->sigpending(set);
    if (r == 0 && self) {
        uint64_t word =
            hook__mask_word(set) | (hook__kept_for(self) & self->sigmask);
        memcpy(set, &word, sizeof word);
    }
    return r;
}
