/*
 * sigmask.c - pthread_sigmask and sigprocmask.
 *
 * While the syscall trap (trap.c) is on, SIGSYS must never be blocked: the
 * kernel kills a process whose dispatch signal arrives blocked.  Nor may
 * SIGURG while preemption is on (preempt.c): masks are per OS thread, and
 * one thread blocking it would stop every thread's time slices.  A program
 * that blocks every signal (sigfillset, a common idiom before starting a
 * thread) gets them all but these, as glibc already keeps its own internal
 * signals out of such masks.
 */
#include <signal.h>

#include "hook.h"
#include "owned.h"

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
    sigset_t copy;
    return real()->pthread_sigmask(how, allowed(how, set, &copy), old);
}

HOOK int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    sigset_t copy;
    return real()->sigprocmask(how, allowed(how, set, &copy), old);
}
