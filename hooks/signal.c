/*
 * signal.c - sigaction and signal, pause and sigsuspend, sigwait and
 * friends.
 *
 * Every handler the program installs is wrapped: the wrapper finds the
 * program's action in a table kept here and lets deliver.c run it in the
 * green thread that takes the signal (the one the kernel would pick), at
 * once or at that thread's next safe point; a thread parked in a wait the
 * system call's EINTR would end then gets EINTR.  The program sees its own
 * sigaction structures, never the wrapper.  The table changes with every
 * signal blocked on the OS thread, so a handler never reads an action half
 * written.
 *
 * The wrapper also tells the shim that a handler runs
 * (hook__note_handlers): the monitor watches whether a program that
 * handled SIGTERM gets to act on it.
 *
 * The same wrapper stands in for the default action of the signals the
 * shim wants a last word on (hook__last_words: the GREENRUN_STATS report
 * before SIGTERM ends the program).  There the program's action is SIG_DFL:
 * the wrapper says the word, puts the real default back and raises the
 * signal again, which ends the process as the first one would have.
 *
 * sigwait, sigwaitinfo and sigtimedwait take a signal kept for the calling
 * thread (pthread_kill), or wait on a signalfd for the set (whose signals
 * the program has blocked, as these calls require), so only the calling
 * green thread waits.
 */
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "deliver.h"
#include "fd.h"
#include "hook.h"
#include "last_words.h"
#include "owned.h"
#include "preload_state.h"
#include "trap.h"

#define NO_TRACE __attribute__((no_instrument_function))

volatile unsigned hook__handlers_run;

static struct sigaction user_actions[NSIG];
static volatile sig_atomic_t wrapped[NSIG];
/* What to say before the default action of a signal ends the process. */
static void (*last_words[NSIG])(void);
/* Told of every signal whose program handler is about to run. */
static void (*handler_note)(int sig);
/* The action shown is the one found at start, not one the program set:
 * show it exactly, flags and all, as the kernel would. */
static volatile sig_atomic_t inherited[NSIG];

/* Block every signal on this OS thread while the tables change, and put
 * the mask back after: a handler then reads an action before or after the
 * change, never half of it.  Nothing in between may fault or trap. */
NO_TRACE uint64_t hook__hold_signals(void)
{
    uint64_t all = ~0ULL, old = 0;
    long a[6] = {SIG_SETMASK, (long)&all, (long)&old, sizeof all};
    hook__raw_syscall6(SYS_rt_sigprocmask, a);
    return old;
}

NO_TRACE void hook__release_signals(uint64_t old)
{
    long a[6] = {SIG_SETMASK, (long)&old, 0, sizeof old};
    hook__raw_syscall6(SYS_rt_sigprocmask, a);
}

/* The program's action is SIG_DFL: say the last word, then die of sig.
 * The raised signal stays pending while this handler runs (sig is blocked
 * in it, unless SA_NODEFER let it through at once) and ends the process
 * as soon as the handler returns. */
NO_TRACE static void say_then_default(int sig)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    int saved_errno = errno;
    last_words[sig]();
    hook__install_action(sig, &dfl, NULL);
    real()->raise(sig);
    errno = saved_errno;
}

static void wrapper(int sig, siginfo_t *info, void *ctx);

/* Stand in for the program's SIG_DFL (user_actions[sig]), with its flags
 * and mask: at start, and again after SA_RESETHAND put the real default
 * back. */
NO_TRACE static int wrap_default(int sig)
{
    struct sigaction mine = user_actions[sig];
    mine.sa_flags |= SA_SIGINFO;
    mine.sa_sigaction = wrapper;
    return hook__install_action(sig, &mine, NULL);
}

/* An SA_RESETHAND handler is being delivered: the program's action is
 * SIG_DFL from now on, its flags staying, without the SA_SIGINFO the
 * wrapper added.  The kernel has reset its own already, unless the caller
 * says so. */
NO_TRACE static void reset_action(int sig, int kernel_too)
{
    user_actions[sig].sa_handler = SIG_DFL;
    user_actions[sig].sa_flags &= ~SA_SIGINFO;
    if (last_words[sig])
        wrap_default(sig);
    else if (kernel_too)
        hook__install_action(sig, &user_actions[sig], NULL);
}

NO_TRACE static int is_handler(const struct sigaction *act)
{
    return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

NO_TRACE static struct hook__action as_action(const struct sigaction *act)
{
    return (struct hook__action){(void *)act->sa_handler, act->sa_flags,
                                 hook__mask_word(&act->sa_mask)};
}

/* Faults run their handler where they happened, whatever the masks. */
NO_TRACE static int synchronous(int sig, const siginfo_t *info)
{
    return info && info->si_code > 0 &&
           (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
            sig == SIGTRAP || sig == SIGSYS);
}

NO_TRACE static void wrapper(int sig, siginfo_t *info, void *ctx)
{
    struct sigaction act = user_actions[sig];
    struct green__hub *h = green__hub;
    if (act.sa_handler == SIG_DFL) {
        say_then_default(sig);
        return;
    }
    if (act.sa_flags & SA_RESETHAND)
        reset_action(sig, 0);
    if (!is_handler(&act))
        return;
    struct hook__action a = as_action(&act);
    hook__handlers_run++;
    if (handler_note)
        handler_note(sig);
    if (h && h->current && !synchronous(sig, info)) {
        hook__trap_follow_frames(h);
        hook__signal_arrived(h, sig, info, ctx, &a);
    } else if (act.sa_flags & SA_SIGINFO) {
        act.sa_sigaction(sig, info, ctx);
    } else {
        act.sa_handler(sig);
    }
}

int hook__take_program_action(int sig, struct hook__action *a)
{
    uint64_t held = hook__hold_signals();
    int handler = wrapped[sig] && is_handler(&user_actions[sig]);
    if (handler) {
        *a = as_action(&user_actions[sig]);
        if (a->flags & SA_RESETHAND)
            reset_action(sig, 1);
    }
    hook__release_signals(held);
    if (handler)
        return 1;
    if (!hook__program_ignores(sig)) {
        /* Its default action: the running thread takes it, so the kernel
         * acts on it at once. */
        long none[6] = {0};
        long kill[6] = {hook__raw_syscall6(SYS_getpid, none),
                        hook__raw_syscall6(SYS_gettid, none), sig};
        hook__raw_syscall6(SYS_tgkill, kill);
    }
    return 0;
}

int hook__program_flags(int sig)
{
    return wrapped[sig] && is_handler(&user_actions[sig])
               ? user_actions[sig].sa_flags
               : 0;
}

int hook__program_ignores(int sig)
{
    struct sigaction found;
    if (wrapped[sig])
        return user_actions[sig].sa_handler == SIG_IGN;
    return real()->sigaction(sig, NULL, &found) == 0 &&
           found.sa_handler == SIG_IGN;
}

/* What the kernel reported, with the program's handler and SA_SIGINFO in
 * place of the wrapper's. */
static void show_program_action(struct sigaction *old,
                                const struct sigaction *program)
{
    old->sa_flags =
        (old->sa_flags & ~SA_SIGINFO) | (program->sa_flags & SA_SIGINFO);
    if (program->sa_flags & SA_SIGINFO)
        old->sa_sigaction = program->sa_sigaction;
    else
        old->sa_handler = program->sa_handler;
}

/* The wrapper takes act's place: a handler, or a default action that has
 * a last word.  (SIG_DFL is a null pointer: sa_sigaction is one too.) */
static int wraps(int sig, const struct sigaction *act)
{
    return is_handler(act) || (last_words[sig] && act->sa_handler == SIG_DFL);
}

/* sigaction with every signal held off: the table and the kernel change
 * together. */
static int change_action(int sig, const struct sigaction *act,
                         struct sigaction *old)
{
    struct sigaction previous = user_actions[sig], mine;
    int was_wrapped = wrapped[sig], was_inherited = inherited[sig];
    int wrap = act && wraps(sig, act);
    if (wrap) {
        mine = *act;
        mine.sa_flags |= SA_SIGINFO;
        mine.sa_sigaction = wrapper;
        user_actions[sig] = *act; /* before the wrapper can run */
    }
    int r = hook__install_action(sig, wrap ? &mine : act, old);
    if (r < 0) {
        user_actions[sig] = previous;
        return r;
    }
    if (act) {
        wrapped[sig] = wrap;
        inherited[sig] = 0;
    }
    if (old && was_inherited)
        *old = previous;
    else if (old && was_wrapped)
        show_program_action(old, &previous);
    return r;
}

HOOK int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    struct sigaction copy;
    if (sig <= 0 || sig >= NSIG)
        return real()->sigaction(sig, act, old);
    if (act) {
        copy = *act; /* a bad pointer faults here, not with signals held */
        act = &copy;
    }
    if (act && is_handler(act) && green__hub)
        hook__trap_follow_frames(green__hub);
    uint64_t held = hook__hold_signals();
    int r = hook__owns_signal(sig) ? hook__owned_sigaction(sig, act, old)
                                   : change_action(sig, act, old);
    int saved_errno = errno;
    hook__release_signals(held);
    errno = saved_errno;
    return r;
}

/* A signal the program starts with ignored (a background job's SIGINT)
 * is left alone; should the program set SIG_DFL later, sigaction wraps
 * it then. */
void hook__last_words(int sig, void (*say)(void))
{
    struct sigaction found;
    if (sig <= 0 || sig >= NSIG || wrapped[sig] ||
        real()->sigaction(sig, NULL, &found) < 0)
        return;
    last_words[sig] = say;
    if (found.sa_handler != SIG_DFL)
        return;
    user_actions[sig] = found; /* before the wrapper can run */
    if (wrap_default(sig) < 0)
        return;
    inherited[sig] = 1;
    wrapped[sig] = 1;
}

void hook__note_handlers(void (*note)(int sig))
{
    handler_note = note;
}

int hook__handlers_installed(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (wrapped[sig] && is_handler(&user_actions[sig]))
            return 1;
    return 0;
}

/* glibc's signal() has BSD semantics: restart, and block the signal
 * during its handler. */
HOOK __sighandler_t signal(int sig, __sighandler_t handler)
{
    struct sigaction act = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;
    sigemptyset(&act.sa_mask);
    if (sig > 0 && sig < NSIG)
        sigaddset(&act.sa_mask, sig);
    if (sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

/* Park until a signal handler runs; always -1 with EINTR, as natively. */
static int await_handler(struct green__hub *h)
{
    int r;
    for (;;) {
        green__lock();
        r = green__park_interruptible(h, GREEN__EINTR_SIGSUSPEND);
        green__unlock();
        if (r == -EINTR)
            break;
        if (r == -ECANCELED)
            hook__cancelled();
    }
    return (int)hook__fail(-EINTR);
}

HOOK int pause(void)
{
    struct green__hub *h = hook__parkable();
    return h ? await_handler(h) : real()->pause();
}

/* The thread blocks mask while it waits for a handler; the kernel does the
 * same for a lone thread, whose call goes to it unless a signal kept for
 * the thread is let through. */
HOOK int sigsuspend(const sigset_t *mask)
{
    struct green *self = green__current();
    if (!self)
        return real()->sigsuspend(mask);
    sigset_t allowed = *mask;
    hook__unblock_owned(&allowed);
    struct green__hub *h = hook__parkable();
    uint64_t old = hook__wait_mask_begin(self, mask, h != NULL);
    int r;
    if (h)
        r = await_handler(h);
    else if (self->sig_flags & GREEN__SIG_DUE)
        r = (int)hook__fail(-EINTR); /* its handlers run just below */
    else
        r = real()->sigsuspend(&allowed);
    hook__wait_mask_end(self, old);
    return r;
}

/* The number is free again: the fd table must not keep it (fd.c). */
static void close_own(struct green__hub *h, int fd)
{
    green__fd_forget(h, fd);
    real()->close(fd);
}

/* The signal a signalfd read, as sigwaitinfo reports it. */
static int from_signalfd(const struct signalfd_siginfo *si, siginfo_t *info)
{
    *info = (siginfo_t){.si_signo = (int)si->ssi_signo};
    info->si_code = si->ssi_code;
    info->si_pid = (pid_t)si->ssi_pid;
    info->si_uid = si->ssi_uid;
    info->si_status = si->ssi_status;
    return (int)si->ssi_signo;
}

static int64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return hook__ns(now.tv_sec, now.tv_nsec);
}

/* Wait on a signalfd for set until a signal of it is pending for the
 * process, or kept for this thread.  The signal number, or -1 with
 * errno. */
static int wait_for_signal(struct green__hub *h, const sigset_t *set,
                           siginfo_t *info, int64_t timeout_ns)
{
    struct green *self = h->current;
    uint64_t want = hook__mask_word(set);
    int64_t now = now_ns();
    /* A timeout beyond any clock (LONG_MAX seconds) waits for ever: the
     * sum saturates instead of overflowing. */
    int64_t deadline = timeout_ns < 0                 ? -1
                       : timeout_ns > INT64_MAX - now ? INT64_MAX
                                                      : now + timeout_ns;
    struct signalfd_siginfo si;
    int fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC), sig = 0, w = 0;
    if (fd < 0)
        return -1;
    hook__fd_created(fd); /* the last one with this number was closed raw */
    hook__thread(self)->sigwaiting = want;
    for (;;) {
        ssize_t n = real()->read(fd, &si, sizeof si);
        if (n == sizeof si) {
            sig = from_signalfd(&si, info);
            break;
        }
        if (n >= 0 || errno != EAGAIN) {
            w = -EINTR;
            break;
        }
        if ((sig = hook__take_kept(self, want, info)))
            break;
        int64_t left = deadline < 0 ? -1 : deadline - now_ns();
        w = left == 0 || left < -1
                ? -EAGAIN /* sigtimedwait's way of saying so */
                : green__wait_fd(h, fd, GREEN_READ, left);
        if (w == -ETIMEDOUT)
            w = -EAGAIN;
        if (w < 0)
            break;
    }
    hook__thread(self)->sigwaiting = 0;
    close_own(h, fd);
    /* The sigwait family are cancellation points. */
    if (w == -ECANCELED)
        hook__cancelled();
    return w < 0 ? (int)hook__fail(w) : sig;
}

static int take_signal(struct green__hub *h, const sigset_t *set,
                       siginfo_t *info, int64_t timeout_ns)
{
    siginfo_t taken;
    int sig = wait_for_signal(h, set, &taken, timeout_ns);
    if (sig > 0 && info)
        *info = taken;
    return sig;
}

/* A signal of set kept for the calling thread (pthread_kill), taken as the
 * kernel takes a thread's own pending signals before the process's: the
 * signal, or 0. */
static int take_kept(const sigset_t *set, siginfo_t *info)
{
    struct green *self = green__current();
    siginfo_t taken;
    int sig = self ? hook__take_kept(self, hook__mask_word(set), &taken) : 0;
    if (sig && info)
        *info = taken;
    return sig;
}

HOOK int sigtimedwait(const sigset_t *set, siginfo_t *info,
                      const struct timespec *timeout)
{
    int sig = take_kept(set, info);
    if (sig)
        return sig;
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->sigtimedwait(set, info, timeout);
    /* The kernel refuses these; a negative one must not mean "forever". */
    if (timeout && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
                    timeout->tv_nsec >= 1000000000))
        return (int)hook__fail(-EINVAL);
    int64_t ns = timeout ? hook__ns(timeout->tv_sec, timeout->tv_nsec) : -1;
    return take_signal(h, set, info, ns);
}

HOOK int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
    int sig = take_kept(set, info);
    if (sig)
        return sig;
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->sigwaitinfo(set, info);
    return take_signal(h, set, info, -1);
}

HOOK int sigwait(const sigset_t *set, int *sig)
{
    if ((*sig = take_kept(set, NULL)))
        return 0;
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->sigwait(set, sig);
    int r;
    while ((r = take_signal(h, set, NULL, -1)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return errno;
    *sig = r;
    return 0;
}
