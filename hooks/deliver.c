/*
 * deliver.c - which green thread takes a signal, and running its handler
 * in that thread.
 *
 * The kernel sees one OS thread, whose mask is the running green thread's
 * (switch_to sets it when the next thread's differs), and the hub's mask
 * holds what every thread blocks, so that a signal nobody takes stays
 * pending in the kernel, where sigwait's signalfd and sigpending find it.
 * A signal the program handles reaches the wrapper (signal.c), which asks
 * here which thread takes it, as the kernel would choose: one the signal
 * was sent to (raise, a SIGPIPE of the running thread's write), else the
 * main thread if it does not block it, else the running thread, else any
 * that does not.
 *
 * The handler runs at once only if that thread is the one running and the
 * signal interrupted its own code.  Otherwise the signal is kept here,
 * with its siginfo, for that thread, and the thread runs the handler at
 * its next safe point: when it leaves greenrun's frames (trap.c counts
 * them) or where it parks (green__park).  A parked thread is made to run:
 * the wait it is in ends with EINTR where the system call would (signal(7))
 * and the handler runs as the call returns, or the handler runs inside the
 * wait, which goes on after it (mutexes, rwlocks, conds, joins, and
 * restartable calls under SA_RESTART), the thread staying in its wait
 * queue meanwhile.  So a handler never runs while greenrun's own
 * state is half changed (a run queue being edited, a sigaction being
 * written), and what it may call (sem_post, write, close) finds that state
 * whole.  pthread_kill, pthread_sigqueue and raise keep their signal here
 * directly, for their thread.
 *
 * A handler run in a parked thread must not wait itself: its blocking
 * calls go to the kernel (hook__parkable says no), and a wait for a lock
 * or a thread there, which POSIX does not allow in a handler, ends the
 * program with a message.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "deliver.h"
#include "hook.h"
#include "preload_state.h"
#include "trap.h"
#include "world.h"

/* Signals waiting for their thread.  Standard signals are kept once per
 * thread, as the kernel keeps them; real-time ones queue, up to what the
 * table holds. */
#define KEPT_MAX 128
#define CLAIMED ((struct green *)1)
/* For the process, its thread not chosen yet (several workers: the main
 * hub chooses it under the scheduler lock, hand_out). */
#define PROCESS ((struct green *)2)

struct kept {
    struct green *volatile thread; /* NULL: free; CLAIMED: being filled */
    unsigned long seq;
    int sig;
    int has_action; /* the action was taken when it arrived */
    int ended_wait; /* it ended a wait with EINTR; its handler is due */
    struct hook__action action;
    siginfo_t info;
};

static struct kept kept[KEPT_MAX];
static unsigned long kept_seq;

/* Under valgrind a handler cannot hold a signal itself: valgrind gives
 * back the mask the handler interrupted on its return, whatever the handler
 * changed in its context or set meanwhile, so a signal queued again from
 * there would be taken again at once, for ever.  The signal is then kept
 * for the process, and the main hub holds it from its own code
 * (hold_in_hub), where a mask set stays set. */
static int hold_from_hub;

/* The hooks' bits of green.sig_flags. */
#define SIG_KEPT 0x10     /* a signal may be kept for it */
#define SIG_IN_PLACE 0x20 /* it runs a handler inside its wait */

static void set_flags(struct green *g, unsigned char bits)
{
    __atomic_or_fetch(&g->sig_flags, bits, __ATOMIC_ACQ_REL);
}

static void clear_flags(struct green *g, unsigned char bits)
{
    __atomic_and_fetch(&g->sig_flags, (unsigned char)~bits, __ATOMIC_ACQ_REL);
}

static int blocks(const struct green *g, int sig)
{
    return (g->sigmask & hook__sig_bit(sig)) != 0;
}

/* Its handler may run in g: g does not block it. */
static int takes(const struct green *g, int sig)
{
    return !blocks(g, sig);
}

/* g takes sig, by its handler or by sigwait. */
static int wants(const struct green *g, int sig)
{
    return takes(g, sig) || (hook__thread(g)->sigwaiting & hook__sig_bit(sig));
}

static long raw0(long nr)
{
    long none[6] = {0};
    return hook__raw_syscall6(nr, none);
}

/* ---- The kept signals --------------------------------------------------- */

static struct green *owner(const struct kept *k)
{
    struct green *g = __atomic_load_n(&k->thread, __ATOMIC_ACQUIRE);
    return g == CLAIMED ? NULL : g;
}

static struct kept *claim(void)
{
    for (int i = 0; i < KEPT_MAX; i++) {
        struct green *free_slot = NULL;
        if (__atomic_compare_exchange_n(&kept[i].thread, &free_slot, CLAIMED, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return &kept[i];
    }
    return NULL;
}

static void release(struct kept *k)
{
    __atomic_store_n(&k->thread, NULL, __ATOMIC_RELEASE);
}

/* Keep sig for g.  0 if the table is full. */
static int keep(struct green *g, int sig, const siginfo_t *info,
                const struct hook__action *a)
{
    if (sig < 32)
        for (int i = 0; i < KEPT_MAX; i++)
            if (owner(&kept[i]) == g && kept[i].sig == sig)
                return 1;
    struct kept *k = claim();
    if (!k)
        return 0;
    k->seq = __atomic_add_fetch(&kept_seq, 1, __ATOMIC_RELAXED);
    k->sig = sig;
    k->info = *info;
    k->has_action = a != NULL;
    k->ended_wait = 0;
    if (a)
        k->action = *a;
    if (g != PROCESS)
        set_flags(g, SIG_KEPT);
    __atomic_store_n(&k->thread, g, __ATOMIC_RELEASE);
    return 1;
}

/* The first signal kept for g that is in set, as the kernel takes them:
 * the lowest number first, real-time ones in the order they came.  NULL
 * if none.  Forgets that g has any kept if it has none at all. */
static struct kept *first_kept(struct green *g, uint64_t set)
{
    struct kept *best = NULL;
    int any = 0;
    if (!(g->sig_flags & SIG_KEPT))
        return NULL;
    clear_flags(g, SIG_KEPT); /* a signal kept meanwhile sets it again */
    for (int i = 0; i < KEPT_MAX; i++) {
        struct kept *k = &kept[i];
        if (owner(k) != g)
            continue;
        any = 1;
        if ((set & hook__sig_bit(k->sig)) &&
            (!best || k->sig < best->sig ||
             (k->sig == best->sig && k->seq < best->seq)))
            best = k;
    }
    if (any)
        set_flags(g, SIG_KEPT);
    return best;
}

/* Take k: copy it out and free its slot. */
static void take(struct kept *k, struct kept *out)
{
    *out = *k;
    release(k);
}

int hook__take_kept(struct green *g, uint64_t set, siginfo_t *info)
{
    struct kept *k = first_kept(g, set), copy;
    if (!k)
        return 0;
    take(k, &copy);
    *info = copy.info;
    return copy.sig;
}

uint64_t hook__kept_for(struct green *g)
{
    uint64_t set = 0;
    if (!(g->sig_flags & SIG_KEPT))
        return 0;
    for (int i = 0; i < KEPT_MAX; i++)
        if (owner(&kept[i]) == g)
            set |= hook__sig_bit(kept[i].sig);
    return set;
}

int hook__kept_unblocked(struct green *g, uint64_t mask)
{
    return (hook__kept_for(g) & ~mask) != 0;
}

void hook__signals_forget(struct green *g)
{
    if (!(g->sig_flags & SIG_KEPT))
        return;
    for (int i = 0; i < KEPT_MAX; i++)
        if (owner(&kept[i]) == g)
            release(&kept[i]);
    clear_flags(g, SIG_KEPT);
}

void hook__signals_fork_child(struct green__hub *h)
{
    for (int i = 0; i < KEPT_MAX; i++)
        if (owner(&kept[i]))
            release(&kept[i]);
    h->signals_new = 0;
    if (!h->current)
        return;
    clear_flags(h->current, SIG_KEPT | GREEN__SIG_DUE);
    /* Forked on a worker: the child's one OS thread takes its signals,
     * and blocks what its thread blocks, nothing more (so does a program
     * it executes). */
    if (h->sigmask_floor) {
        h->sigmask_floor = 0;
        h->hub_thread->sigmask = h->current->sigmask;
        green__apply_os_sigmask(h, h->current->sigmask);
    }
}

/* ---- Making a thread take its signals ---------------------------------- */

/* Put a parked thread in the run queue, to run its handlers inside its
 * wait.  Only where greenrun's state is whole (not in a signal handler
 * that interrupted greenrun). */
static void queue_parked_locked(struct green__hub *h, struct green *g)
{
    if (g->state != GREEN__PARKED || (g->sig_flags & GREEN__SIG_QUEUED))
        return;
    set_flags(g, GREEN__SIG_QUEUED);
    green__runq_push(h, g);
}

/* The same, taking the scheduler lock: a thread of another hub that wakes
 * g meanwhile must find it queued (green__wake).  Never where the lock may
 * be held: a signal that comes inside greenrun's frames is kept. */
static void queue_parked(struct green__hub *h, struct green *g)
{
    green__lock();
    queue_parked_locked(h, g);
    green__unlock();
}

/* g has signals to take.  The running thread takes them at its next safe
 * point; a runnable one when it runs; a parked one is queued now if the
 * caller is at a safe point, else by the hub (as is the running thread if
 * the signal came as it was parking). */
static void mark_due(struct green__hub *h, struct green *g, int safe_point)
{
    set_flags(g, GREEN__SIG_DUE);
    if (g == h->current && g->state == GREEN__RUNNABLE)
        return;
    if (safe_point)
        queue_parked(h, g);
    else
        green__signals_notify(h);
}

static struct green *taker_anywhere(struct green__world *w, int sig);
static void hold_in_hub(struct green__hub *h, struct kept *k);

/* The main hub, locked: a thread of any hub for each signal kept for the
 * process; its hub is told.  One that every thread blocks is held as the
 * kernel holds it. */
static void choose_takers(struct green__hub *h)
{
    for (int i = 0; i < KEPT_MAX; i++) {
        struct kept *k = &kept[i];
        if (owner(k) != PROCESS)
            continue;
        struct green *t = taker_anywhere(h->world, k->sig);
        if (!t) {
            hold_in_hub(h, k);
            continue;
        }
        set_flags(t, SIG_KEPT | GREEN__SIG_DUE);
        __atomic_store_n(&k->thread, t, __ATOMIC_RELEASE);
        if (t->hub != h)
            green__signals_notify(t->hub);
    }
}

/* The hub, after a poll: choose the takers of the process's signals (the
 * main hub of several), and queue the parked threads signals wait for.
 * The main hub's own mask may have changed from another hub (sigmask.c). */
static void hand_out(struct green__hub *h)
{
    green__apply_os_sigmask(h, h->hub_thread->sigmask);
    green__lock();
    if ((h->world->multi || hold_from_hub) && h == h->world->hubs[0])
        choose_takers(h);
    for (int i = 0; i < KEPT_MAX; i++) {
        struct green *g = owner(&kept[i]);
        if (g && g != PROCESS && g->hub == h &&
            (g->sig_flags & GREEN__SIG_DUE) && wants(g, kept[i].sig))
            queue_parked_locked(h, g);
    }
    green__unlock();
}

/* ---- Running a handler -------------------------------------------------- */

static void call(const struct hook__action *a, int sig, siginfo_t *info,
                 void *ctx)
{
    if (a->flags & SA_SIGINFO)
        ((void (*)(int, siginfo_t *, void *))a->handler)(sig, info, ctx);
    else
        ((void (*)(int))a->handler)(sig);
}

/* What a thread blocks while its handler runs, as the kernel sets it. */
static uint64_t handler_mask(uint64_t before, int sig,
                             const struct hook__action *a)
{
    uint64_t m = before | a->mask;
    if (!(a->flags & SA_NODEFER))
        m |= hook__sig_bit(sig);
    return hook__blockable(m);
}

/* The OS thread blocks what g, the running thread, blocks. */
static void apply_sigmask(struct green *g)
{
    int saved_errno = errno;
    green__apply_os_sigmask(g->hub, g->sigmask);
    errno = saved_errno;
}

/* Run a handler in g, the running thread, outside any signal frame.  Its
 * mask while it runs is made as the kernel would make it, and it is given
 * a context that holds the mask to restore after it (a change the handler
 * makes there takes effect), but no registers: it interrupted greenrun,
 * not the program.  A runnable thread runs it as program code (trap depth
 * 0), so that a handler leaving by siglongjmp leaves the count right; a
 * parked one inside greenrun's frames.  errno is kept: the call the signal
 * came in sets its own, as the system call's wrapper does after a
 * handler. */
static void run_handler(struct green *g, int sig, siginfo_t *info,
                        const struct hook__action *a)
{
    ucontext_t uc;
    struct _libc_fpstate fp;
    uint64_t before = g->sigmask;
    unsigned depth = g->trap_depth;
    int saved_errno = errno;
    memset(&uc, 0, sizeof uc);
    memset(&fp, 0, sizeof fp);
    fp.cwd = 0x37f;    /* the x87 and SSE control words of a fresh */
    fp.mxcsr = 0x1f80; /* thread, as the ABI sets them */
    uc.uc_mcontext.fpregs = &fp;
    memcpy(&uc.uc_sigmask, &before, sizeof before);
    hook__keep_sigmask(g, handler_mask(before, sig, a));
    apply_sigmask(g);
    /* The selector stays as it is: greenrun's own calls go on. */
    g->trap_depth = g->state == GREEN__PARKED ? depth + 1 : 0;
    call(a, sig, info, &uc);
    hook__trap_return(g, depth);
    hook__keep_sigmask(g, hook__mask_word(&uc.uc_sigmask));
    apply_sigmask(g);
    errno = saved_errno;
}

static void nested_wait(void) __attribute__((noreturn));
static void nested_wait(void)
{
    green__say("greenrun: a signal handler waited for a lock, a condition, "
               "a semaphore or a thread while its own thread was parked in "
               "such a wait; only async-signal-safe calls are allowed in a "
               "handler\n");
    abort();
}

/* Run the handler of k in g, the running thread: inside its wait if it is
 * parked (the thread stays queued where it waits). */
static void run_kept(struct green *g, struct kept *k)
{
    struct hook__action a;
    if (k->has_action)
        a = k->action;
    else if (!hook__take_program_action(k->sig, &a))
        return; /* ignored, or its default action was taken */
    if (g->state != GREEN__PARKED) {
        run_handler(g, k->sig, &k->info, &a);
        return;
    }
    /* DUE set: a wait inside the handler comes to nested_wait. */
    set_flags(g, SIG_IN_PLACE | GREEN__SIG_DUE);
    run_handler(g, k->sig, &k->info, &a);
    clear_flags(g, SIG_IN_PLACE);
}

/* Whether k's handler ends the wait g is parked in, as it would end the
 * system call with EINTR (signal(7)). */
static int ends_wait(const struct green *g, const struct kept *k)
{
    int flags = k->has_action ? k->action.flags : hook__program_flags(k->sig);
    int kind =
        flags & SA_RESTART ? GREEN__EINTR_ALWAYS : GREEN__EINTR_RESTARTABLE;
    return g->interruptible >= kind;
}

/* A thread in sigwait for a kept signal takes it there. */
static void end_sigwait(struct green *g)
{
    if (g->state == GREEN__PARKED && hook__thread(g)->sigwaiting &&
        (hook__kept_for(g) & hook__thread(g)->sigwaiting))
        green__wake(g, 0);
}

/* Take the first signal waiting for g, leaving the others due: a handler
 * that leaves by siglongjmp leaves them for the next safe point. */
static int take_first(struct green *g, struct kept *out)
{
    struct kept *k;
    clear_flags(g, GREEN__SIG_DUE);
    if (!(k = first_kept(g, ~g->sigmask)))
        return 0;
    take(k, out);
    if (first_kept(g, ~g->sigmask))
        set_flags(g, GREEN__SIG_DUE);
    return 1;
}

/* In green__park, before g waits or when it was resumed to take signals.
 * A signal whose handler would end the wait with EINTR ends it, and the
 * handler runs when the call has returned, as g leaves greenrun's frames:
 * the wait is gone by then, whatever the handler does.  The others run
 * inside the wait, which goes on; so does one that ended a wait already
 * and finds the thread waiting again (sigwait goes on after EINTR). */
static void take_in_park(struct green *g)
{
    struct kept *k, copy;
    if (g->sig_flags & SIG_IN_PLACE)
        nested_wait();
    /* Waking g from its own wait must not queue it again. */
    set_flags(g, GREEN__SIG_QUEUED);
    while (g->state == GREEN__PARKED) {
        clear_flags(g, GREEN__SIG_DUE);
        if (!(k = first_kept(g, ~g->sigmask)))
            break;
        if (!k->ended_wait && ends_wait(g, k)) {
            k->ended_wait = 1;
            set_flags(g, GREEN__SIG_DUE);
            green__wake(g, -EINTR);
            break;
        }
        take(k, &copy);
        if (first_kept(g, ~g->sigmask))
            set_flags(g, GREEN__SIG_DUE);
        green__unlock();
        run_kept(g, &copy);
        green__lock();
    }
    end_sigwait(g);
    clear_flags(g, GREEN__SIG_QUEUED);
}

void hook__take_signals(struct green *g)
{
    struct kept copy;
    if (g->state == GREEN__PARKED) {
        green__lock();
        take_in_park(g);
        green__unlock();
        return;
    }
    while (take_first(g, &copy))
        run_kept(g, &copy);
}

/* ---- Which thread takes a signal --------------------------------------- */

/* The signal interrupted g's own code, not greenrun's: its handler may run
 * right there. */
static int in_program_code(struct green__hub *h, struct green *g,
                           const void *ctx)
{
    uintptr_t pc = hook__trap_pc(ctx);
    return g != h->hub_thread && g->state == GREEN__RUNNABLE &&
           !g->trap_depth && !hook__in_own_text(pc);
}

static int can_take(struct green__hub *h, struct green *g, int sig)
{
    return g && g != h->hub_thread && g->state != GREEN__DONE &&
           g != h->world->all_done && takes(g, sig);
}

/* Sent to the OS thread by itself, for the running thread: raise by glibc
 * itself, or tgkill to its own id; or a SIGPIPE from its write. */
static int for_running_thread(int sig, const siginfo_t *info)
{
    if (info->si_code != SI_TKILL &&
        !(sig == SIGPIPE && info->si_code == SI_USER))
        return 0;
    return info->si_pid == (pid_t)raw0(SYS_getpid);
}

/* The thread that takes sig, as the kernel would pick it, or NULL if
 * every thread blocks it.  With several workers, only the running and
 * the main thread are asked here (the thread lists are the scheduler
 * lock's, which a signal handler cannot take): else PROCESS, and the main
 * hub chooses under the lock (choose_takers). */
static struct green *taker(struct green__hub *h, int sig, const siginfo_t *info)
{
    struct green *g = h->current;
    if (can_take(h, g, sig) && for_running_thread(sig, info))
        return g;
    if (can_take(h, h->main_thread, sig))
        return h->main_thread;
    if (can_take(h, g, sig))
        return g;
    if (h->world->multi)
        return PROCESS;
    for (g = h->all; g; g = g->all_next)
        if (can_take(h, g, sig))
            return g;
    return NULL;
}

/* The same across every hub, locked: the main thread first. */
static struct green *taker_anywhere(struct green__world *w, int sig)
{
    struct green__hub *first = w->hubs[0];
    if (can_take(first, first->main_thread, sig))
        return first->main_thread;
    for (unsigned i = 0; i < w->hub_count; i++) {
        struct green__hub *h = w->hubs[i];
        for (struct green *g = h->all; g; g = g->all_next)
            if (g != h->own_context && can_take(h, g, sig))
                return g;
    }
    return NULL;
}

/* Every thread blocks sig: it stays pending in the kernel, blocked until
 * a thread that takes it runs, where sigwait's signalfd and sigpending
 * see it. */
static void hold(struct green__hub *h, int sig, siginfo_t *info, void *ctx)
{
    uint64_t bit = hook__sig_bit(sig);
    h->hub_thread->sigmask |= bit; /* every thread blocks it */
    *hook__trap_saved_mask(ctx) |= bit;
    h->os_sigmask = (uint64_t)-1; /* not known until the next switch */
    long block[6] = {SIG_BLOCK, (long)&bit, 0, sizeof bit};
    hook__raw_syscall6(SYS_rt_sigprocmask, block);
    long again[6] = {raw0(SYS_getpid), raw0(SYS_gettid), sig, (long)info};
    if (hook__raw_syscall6(SYS_rt_tgsigqueueinfo, again) == -EPERM) {
        info->si_code = SI_QUEUE; /* the kernel keeps the others' own */
        hook__raw_syscall6(SYS_rt_tgsigqueueinfo, again);
    }
}

/* hold, from the main hub's own thread (its OS thread's mask is its
 * own), for a signal kept for the process that no thread takes now. */
static void hold_in_hub(struct green__hub *h, struct kept *k)
{
    uint64_t bit = hook__sig_bit(k->sig);
    siginfo_t info = k->info;
    release(k);
    h->hub_thread->sigmask |= bit;
    green__apply_os_sigmask(h, h->hub_thread->sigmask);
    long again[6] = {raw0(SYS_getpid), raw0(SYS_gettid), info.si_signo,
                     (long)&info};
    if (hook__raw_syscall6(SYS_rt_tgsigqueueinfo, again) == -EPERM) {
        info.si_code = SI_QUEUE;
        hook__raw_syscall6(SYS_rt_tgsigqueueinfo, again);
    }
}

/* Run the handler here, in the signal frame of the thread it interrupted,
 * as the program's own code, which is what it interrupted: a handler that
 * leaves by siglongjmp leaves the trap depth right.  One on the alternate
 * stack, which is the OS thread's, runs inside greenrun's frames instead,
 * where the thread is never switched out by a time slice. */
static void run_here(struct green__hub *h, struct green *g, int sig,
                     siginfo_t *info, void *ctx, const struct hook__action *a)
{
    unsigned long *after = hook__trap_saved_mask(ctx);
    int on_stack = (a->flags & SA_ONSTACK) != 0;
    g->sigmask = handler_mask(*after, sig, a);
    h->os_sigmask = g->sigmask;
    if (on_stack)
        hook__trap_enter(g);
    call(a, sig, info, ctx);
    hook__keep_sigmask(g, *after);
    if (on_stack)
        hook__trap_leave(green__hub, g, hook__trap_pc(ctx), hook__trap_sp(ctx));
    green__hub->os_sigmask = hook__blockable(*after); /* once it returns */
}

void hook__signal_arrived(struct green__hub *h, int sig, siginfo_t *info,
                          void *ctx, const struct hook__action *a)
{
    struct green *g = h->current;
    int safe = in_program_code(h, g, ctx);
    struct green *t = taker(h, sig, info);
    if (!t && hold_from_hub) {
        t = PROCESS; /* the main hub holds it (choose_takers) */
    } else if (!t) {
        hold(h, sig, info, ctx);
        return;
    }
    if (t == g && safe) {
        run_here(h, g, sig, info, ctx, a);
        return;
    }
    int saved_errno = errno;
    /* More than KEPT_MAX waiting: lost, as the kernel loses signals past
     * its queue's limit. */
    if (t == PROCESS) {
        if (keep(t, sig, info, a))
            green__signals_notify(h);
    } else if (keep(t, sig, info, a)) {
        mark_due(h, t, safe);
    }
    errno = saved_errno;
}

int hook__signal_thread(struct green *t, int sig, const siginfo_t *info)
{
    struct green__hub *h = t->hub;
    struct green *self = green__current();
    if (hook__program_ignores(sig) && takes(t, sig))
        return 0; /* discarded, as natively */
    hook__trap_follow_frames(h);
    if (!keep(t, sig, info, NULL))
        return EAGAIN;
    if (!wants(t, sig))
        return 0; /* pending until it unblocks it */
    if (t == self && !(t->sig_flags & SIG_IN_PLACE)) {
        set_flags(t, GREEN__SIG_DUE);
        hook__take_signals(t); /* before pthread_kill returns */
        return 0;
    }
    mark_due(h, t, self && self->hub == h);
    return 0;
}

void hook__signals_init(struct green__hub *h)
{
    uint64_t now;
    long get[6] = {SIG_BLOCK, 0, (long)&now, sizeof now};
    if (hook__raw_syscall6(SYS_rt_sigprocmask, get) < 0)
        return;
    uint64_t mask = hook__blockable(now);
    h->main_thread->sigmask = h->hub_thread->sigmask = mask;
    h->os_sigmask = now;
    if (mask != now)
        green__set_os_sigmask(h, mask);
    hold_from_hub = RUNNING_ON_VALGRIND != 0;
    hook__own_text_find();
    if (hook__handlers_installed()) /* by a library's constructor */
        hook__trap_follow_frames(h);
    green__signal_take_hook = take_in_park;
    green__signal_hand_out_hook = hand_out;
}
