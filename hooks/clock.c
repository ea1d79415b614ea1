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
#include "hook.h"

#define NS_PER_SECOND 1000000000ull

HOOK_HELPER static int thread_cpu_clock(clockid_t clock)
{
    return clock == CLOCK_THREAD_CPUTIME_ID || green__is_green_cpu_clock(clock);
}

/* The green thread whose CPU time clock stands for, or NULL: the caller
 * is no green thread, or no live green thread has that clock. */
static struct green *clock_owner(clockid_t clock)
{
    struct green *self = green__current();
    if (!self || clock == CLOCK_THREAD_CPUTIME_ID)
        return self;
    return green__cpu_clock_owner(self->hub, clock);
}

static __attribute__((noinline)) int thread_cpu_time(clockid_t clock,
                                                     struct timespec *ts)
{
    struct green *g = clock_owner(clock);
    if (!g)
        return real()->clock_gettime(clock, ts); /* the kernel's answer */
    struct green__hub *h = green__hub;
    green__cpu_clocks_start(h);
    uint64_t ns = green__cpu_time(h, g);
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
    if (!green__is_green_cpu_clock(clock) || !clock_owner(clock))
        return real()->clock_getres(clock, res);
    if (res)
        *res = (struct timespec){0, 1}; /* as the kernel's CPU clocks */
    return 0;
}
