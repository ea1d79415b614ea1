/*
 * thread_info.c - the pthread calls that take a pthread_t to inspect or
 * adjust a thread: names (and prctl's, of the calling thread), attributes,
 * scheduling, affinity, CPU clock, signals, yield.
 *
 * glibc would read its struct pthread at a green thread's address and
 * crash, so each is answered here for green threads.  All green threads
 * share one OS thread, so what the kernel keeps per thread (scheduling
 * policy, affinity) is the OS thread's: queries answer for it, and changes that
 * would apply to one green thread only are accepted without effect.  CPU time
 * is the exception: greenrun counts it per green thread once a program asks
 * (sched/cpuclock.c), and so are signals, kept per green thread (deliver.c).
 */
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cpuclock.h"
#include "deliver.h"
#include "hook.h"
#include "owned.h"

#define NAME_MAX_LEN 16 /* including the terminating zero, as glibc */

/* The OS thread running the green threads (the adopted main thread). */
static pthread_t os_thread(void)
{
    struct green__hub *h = green__hub;
    /* Not real pthread_self(): a green thread has a descriptor of its own. */
    return h ? (pthread_t)h->native_tp : real()->pthread_self();
}

/* Green threads keep their names in struct green; the main thread's is
 * also the OS thread's (the process name, as ps shows it), kept in both. */
HOOK int pthread_setname_np(pthread_t t, const char *name)
{
    struct green *g = hook__green_of(t);
    if (!g || g == g->hub->main_thread) {
        int r = real()->pthread_setname_np(g ? os_thread() : t, name);
        if (r == 0 && g)
            green_set_name(g, name);
        return r;
    }
    if (strlen(name) >= NAME_MAX_LEN)
        return ERANGE;
    green_set_name(g, name);
    return 0;
}

HOOK int pthread_getname_np(pthread_t t, char *buf, size_t len)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_getname_np(t, buf, len);
    if (len < NAME_MAX_LEN) /* glibc's rule, whatever the name's length */
        return ERANGE;
    strcpy(buf, green_name(g));
    return 0;
}

/* prctl(PR_SET_NAME) names the calling thread, as rsyslog's workers do:
 * a green thread keeps the name, cut to 15 characters as the kernel cuts
 * it, and only the main thread's reaches the OS thread (the process's
 * name).  PR_GET_NAME reads it back.  Every other option is the kernel's. */
HOOK int prctl(int option, ...)
{
    va_list ap;
    unsigned long a[4];
    va_start(ap, option);
    for (int i = 0; i < 4; i++)
        a[i] = va_arg(ap, unsigned long);
    va_end(ap);
    struct green *g = green__current();
    if (g && (option == PR_SET_NAME || option == PR_GET_NAME)) {
        if (g == g->hub->main_thread) {
            int r = real()->prctl(option, a[0], a[1], a[2], a[3]);
            if (r == 0 && option == PR_SET_NAME)
                green_set_name(g, (const char *)a[0]);
            return r;
        }
        if (option == PR_SET_NAME)
            green_set_name(g, (const char *)a[0]);
        else
            strcpy((char *)a[0], green_name(g));
        return 0;
    }
    return real()->prctl(option, a[0], a[1], a[2], a[3]);
}

/* A green thread's own stack (not the adopted main thread's, which is the
 * OS thread's) is reported as glibc reports a pthread's: a stack the
 * program gave exactly as given, with no guard, as glibc puts none. */
HOOK int pthread_getattr_np(pthread_t t, pthread_attr_t *attr)
{
    struct green *g = hook__green_of(t);
    if (!g || (!g->stack.map && !g->stack_given))
        return real()->pthread_getattr_np(g ? os_thread() : t, attr);
    int r = pthread_attr_init(attr);
    if (r)
        return r;
    pthread_attr_setstack(attr, g->stack.lo,
                          (size_t)(g->stack.hi - g->stack.lo));
    pthread_attr_setguardsize(
        attr, g->stack_given ? 0 : (size_t)sysconf(_SC_PAGESIZE));
    pthread_attr_setdetachstate(attr, g->detached ? PTHREAD_CREATE_DETACHED
                                                  : PTHREAD_CREATE_JOINABLE);
    return 0;
}

HOOK int pthread_getschedparam(pthread_t t, int *policy,
                               struct sched_param *param)
{
    struct green *g = hook__green_of(t);
    return real()->pthread_getschedparam(g ? os_thread() : t, policy, param);
}

HOOK int pthread_setschedparam(pthread_t t, int policy,
                               const struct sched_param *param)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_setschedparam(t, policy, param);
    int lo = sched_get_priority_min(policy);
    int hi = sched_get_priority_max(policy);
    if (lo < 0 || param->sched_priority < lo || param->sched_priority > hi)
        return EINVAL;
    return 0;
}

HOOK int pthread_setschedprio(pthread_t t, int prio)
{
    struct green *g = hook__green_of(t);
    return g ? 0 : real()->pthread_setschedprio(t, prio);
}

HOOK int pthread_setaffinity_np(pthread_t t, size_t size, const cpu_set_t *set)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_setaffinity_np(t, size, set);
    return CPU_COUNT_S(size, set) ? 0 : EINVAL;
}

HOOK int pthread_getaffinity_np(pthread_t t, size_t size, cpu_set_t *set)
{
    struct green *g = hook__green_of(t);
    return real()->pthread_getaffinity_np(g ? os_thread() : t, size, set);
}

/* A green thread has a CPU clock of its own (sched/cpuclock.c), which
 * clock_gettime reads (hooks/clock.c).  An ended thread has none: glibc
 * says ESRCH once the kernel thread is gone. */
HOOK int pthread_getcpuclockid(pthread_t t, clockid_t *clock)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_getcpuclockid(t, clock);
    if (g->state == GREEN__DONE)
        return ESRCH;
    green__cpu_clocks_start(green__hub);
    *clock = green__cpu_clock_of(g);
    return 0;
}

/* A signal for a green thread is kept for it, and its handler runs in it
 * (deliver.c).  The signals greenrun owns go to the OS thread of g's
 * worker, whose handler passes them on to the program's action.  An ended
 * thread is sent nothing (glibc 2.34+); signal 0 only checks existence. */
static int send_signal(struct green *g, int sig, int code,
                       const union sigval *value)
{
    siginfo_t info = {.si_signo = sig, .si_code = code};
    if (sig < 0 || sig >= NSIG || sig == 32 || sig == 33)
        return EINVAL; /* glibc's own two too */
    if (g->state == GREEN__DONE || sig == 0)
        return 0;
    if (hook__owns_signal(sig))
        return real()->pthread_kill((pthread_t)g->hub->native_tp, sig);
    info.si_pid = getpid();
    info.si_uid = getuid();
    if (value)
        info.si_value = *value;
    return hook__signal_thread(g, sig, &info);
}

HOOK int pthread_kill(pthread_t t, int sig)
{
    struct green *g = hook__green_of(t);
    return g ? send_signal(g, sig, SI_TKILL, NULL)
             : real()->pthread_kill(t, sig);
}

HOOK int pthread_sigqueue(pthread_t t, int sig, const union sigval value)
{
    struct green *g = hook__green_of(t);
    if (!g)
        return real()->pthread_sigqueue(t, sig, value);
    return send_signal(g, sig, SI_QUEUE, &value);
}

/* raise is pthread_kill(pthread_self(), sig). */
HOOK int raise(int sig)
{
    struct green *self = green__current();
    if (!self)
        return real()->raise(sig);
    int err = send_signal(self, sig, SI_TKILL, NULL);
    return err ? (int)hook__fail(-err) : 0;
}

HOOK int sched_yield(void)
{
    if (!hook__parkable())
        return real()->sched_yield();
    green_yield();
    return 0;
}
