/*
 * signal.c - sigaction and signal, sigwait and friends.
 *
 * The hub waits for events in epoll_wait, so a signal that would have
 * interrupted a program's blocking read interrupts the hub instead.  To
 * keep the alarm() idiom working, every handler the program installs is
 * wrapped: the wrapper tells the hub a handler ran (and whether with
 * SA_RESTART), then calls the program's handler; the hub then ends one
 * parked green thread's interruptible wait with EINTR (sched/hub.c).  The
 * program sees its own sigaction structures, never the wrapper.
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
 * sigwait, sigwaitinfo and sigtimedwait wait on a signalfd for the set
 * (whose signals the program has blocked, as these calls require), so only
 * the calling green thread waits.
 */
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hook.h"
#include "last_words.h"
#include "owned.h"
#include "trap.h"

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

/* The program's action is SIG_DFL: say the last word, then die of sig.
 * The raised signal stays pending while this handler runs (sig is blocked
 * in it, unless SA_NODEFER let it through at once) and ends the process
 * as soon as the handler returns. */
static void say_then_default(int sig)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    int saved_errno = errno;
    last_words[sig]();
    hook__install_action(sig, &dfl, NULL);
    raise(sig);
    errno = saved_errno;
}

static void wrapper(int sig, siginfo_t *info, void *ctx);

/* Stand in for the program's SIG_DFL (user_actions[sig]), with its flags
 * and mask: at start, and again after SA_RESETHAND put the real default
 * back. */
static int wrap_default(int sig)
{
    struct sigaction mine = user_actions[sig];
    mine.sa_flags |= SA_SIGINFO;
    mine.sa_sigaction = wrapper;
    return hook__install_action(sig, &mine, NULL);
}

static void wrapper(int sig, siginfo_t *info, void *ctx)
{
    struct sigaction a = user_actions[sig];
    struct green__hub *h = green__hub;
    if (a.sa_handler == SIG_DFL) {
        say_then_default(sig);
        return;
    }
    if (a.sa_flags & SA_RESETHAND) {
        /* The kernel has put SIG_DFL back already; so do we.  The flags
         * stay, without the SA_SIGINFO the wrapper added. */
        user_actions[sig].sa_handler = SIG_DFL;
        user_actions[sig].sa_flags &= ~SA_SIGINFO;
        if (last_words[sig])
            wrap_default(sig);
    }
    hook__handlers_run++;
    if (h)
        green__signal_arrived(h, (a.sa_flags & SA_RESTART) != 0);
    if (handler_note)
        handler_note(sig);
    if (a.sa_flags & SA_SIGINFO)
        a.sa_sigaction(sig, info, ctx);
    else if (a.sa_handler != SIG_IGN && a.sa_handler != SIG_DFL)
        a.sa_handler(sig);
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

static int is_handler(const struct sigaction *act)
{
    if (act->sa_flags & SA_SIGINFO)
        return act->sa_sigaction != NULL;
    return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

/* The wrapper takes act's place: a handler, or a default action that has
 * a last word.  (SIG_DFL is a null pointer: sa_sigaction is one too.) */
static int wraps(int sig, const struct sigaction *act)
{
    return is_handler(act) || (last_words[sig] && act->sa_handler == SIG_DFL);
}

HOOK int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig <= 0 || sig >= NSIG)
        return real()->sigaction(sig, act, old);
    if (hook__owns_signal(sig))
        return hook__owned_sigaction(sig, act, old);
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

HOOK int sigsuspend(const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    sigset_t old;
    if (!h)
        return real()->sigsuspend(mask);
    if (sigprocmask(SIG_SETMASK, mask, &old) < 0)
        return -1;
    int r = await_handler(h);
    int saved_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved_errno;
    return r;
}

/* The number is free again: the fd table must not keep it (fd.c). */
static void close_own(struct green__hub *h, int fd)
{
    green__fd_forget(h, fd);
    real()->close(fd);
}

/* Take one signal of set from a signalfd, parking until one is pending.
 * The signal number, or -1 with errno. */
static int take_signal(struct green__hub *h, const sigset_t *set,
                       siginfo_t *info, int64_t timeout_ns)
{
    struct signalfd_siginfo si;
    int fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -1;
    hook__fd_created(fd); /* the last one with this number was closed raw */
    ssize_t n;
    while ((n = real()->read(fd, &si, sizeof si)) < 0 && errno == EAGAIN) {
        int w = green__wait_fd(h, fd, GREEN_READ, timeout_ns);
        if (w == -ETIMEDOUT)
            w = -EAGAIN; /* sigtimedwait's way of saying so */
        if (w < 0) {
            close_own(h, fd);
            /* The sigwait family are cancellation points. */
            if (w == -ECANCELED)
                hook__cancelled();
            return (int)hook__fail(w);
        }
    }
    close_own(h, fd);
    if (n != sizeof si)
        return (int)hook__fail(-EINTR);
    if (info) {
        *info = (siginfo_t){.si_signo = (int)si.ssi_signo};
        info->si_code = si.ssi_code;
        info->si_pid = (pid_t)si.ssi_pid;
        info->si_uid = si.ssi_uid;
        info->si_status = si.ssi_status;
    }
    return (int)si.ssi_signo;
}

HOOK int sigtimedwait(const sigset_t *set, siginfo_t *info,
                      const struct timespec *timeout)
{
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
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->sigwaitinfo(set, info);
    return take_signal(h, set, info, -1);
}

HOOK int sigwait(const sigset_t *set, int *sig)
{
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
