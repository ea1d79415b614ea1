/*
 * cpuclock.h - per-green-thread CPU clocks (cpuclock.c).
 */
#ifndef GREEN_CPUCLOCK_H
#define GREEN_CPUCLOCK_H

#include "hub.h"

/* Set once a program has asked for a thread's CPU clock; from then on each
 * switch charges the OS thread's CPU time to the thread switched out. */
extern int green__cpu_clocks_on;
static inline int green__cpu_clocks_wanted(void)
{
    return __atomic_load_n(&green__cpu_clocks_on, __ATOMIC_RELAXED);
}
/* Start counting, on the calling OS thread's hub h (NULL: none). */
void green__cpu_clocks_start(struct green__hub *h);
/* At a switch on h: charge self for the time since it was switched in. */
void green__cpu_account(struct green__hub *h, struct green *self);
/* g's CPU time in ns; g is the caller, or the scheduler lock is held. */
uint64_t green__cpu_time(const struct green *g);
/* In a forked child: the calling thread's clock starts again. */
void green__cpu_fork_child(struct green__hub *h);
/* g's CPU clockid, and back: whether a clockid names a green thread, and
 * the CPU time of the live thread it names, on any hub of h's world (h:
 * the caller's).  0, or -EINVAL: no such thread. */
clockid_t green__cpu_clock_of(const struct green *g);
int green__cpu_clock_read(struct green__hub *h, clockid_t clock, uint64_t *ns);
/* The low bits of a green thread's clockid: per thread (4), and a kind of
 * clock the kernel does not have (3). */
#define GREEN__CPU_CLOCK_KIND 7
static inline int green__is_green_cpu_clock(clockid_t clock)
{
    return clock < 0 && (clock & 7) == GREEN__CPU_CLOCK_KIND;
}

#endif
