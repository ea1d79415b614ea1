/*
 * clock.c - clock_gettime and clock_getres, for the per-thread CPU clocks.
 *
 * CLOCK_THREAD_CPUTIME_ID, and the clockid pthread_getcpuclockid gives for
 * a green thread, read that green thread's own CPU time, which the core
 * counts once a program has asked for it (sched/cpuclock.c).  Every other
 * clock passes straight through.  Programs and libev read the monotonic
 * clock very often, so the pass-through is kept free of the syscall
 * trap's bookkeeping (HOOK_HELPER): it makes no system call the trap
 * would not meet without greenrun, and only the CPU clock's path, which
 * does, enters greenrun's frames.
 */
#include "cpuclock.h"
#include "hook.h"

#define NS_PER_SECOND 1000000000ull

HOOK_HELPER static int thread_cpu_clock(clockid_t clock)
{
    return clock == CLOCK_THREAD_CPUTIME_ID || green__is_green_cpu_clock(clock);
}

/* The CPU time clock stands for, if it is a green thread's: 0, or
 * -EINVAL when no live green thread has that clock, or -ENOENT when the
 * caller is no green thread (the kernel answers then). */
static int green_cpu_time(clockid_t clock, uint64_t *ns)
{
    struct green *self = green__current();
    if (!self)
        return -ENOENT;
    green__cpu_clocks_start(self->hub);
    if (clock != CLOCK_THREAD_CPUTIME_ID)
        return green__cpu_clock_read(self->hub, clock, ns);
    *ns = green__cpu_time(self);
    return 0;
}

static __attribute__((noinline)) int thread_cpu_time(clockid_t clock,
                                                     struct timespec *ts)
{
    uint64_t ns;
    int r = green_cpu_time(clock, &ns);
    if (r == -ENOENT)
        return real()->clock_gettime(clock, ts);
    if (r < 0)
        return (int)hook__fail(r);
    ts->tv_sec = (time_t)(ns / NS_PER_SECOND);
    ts->tv_nsec = (long)(ns % NS_PER_SECOND);
    return 0;
}

HOOK HOOK_HELPER int clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (!thread_cpu_clock(clock))
        return real()->clock_gettime(clock, ts);
    return thread_cpu_time(clock, ts);
}

HOOK int clock_getres(clockid_t clock, struct timespec *res)
{
    uint64_t ns;
    int r =
        green__is_green_cpu_clock(clock) ? green_cpu_time(clock, &ns) : -ENOENT;
    if (r == -ENOENT)
        return real()->clock_getres(clock, res);
    if (r < 0)
        return (int)hook__fail(r);
    if (res)
        *res = (struct timespec){0, 1}; /* as the kernel's CPU clocks */
    return 0;
}
