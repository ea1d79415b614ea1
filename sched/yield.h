/*
 * yield.h - fairness for green threads whose I/O never has to wait.
 *
 * A green thread gives up the OS thread only when it parks.  One whose
 * socket always has room (a fast peer on loopback) or data never parks,
 * and every other green thread waits until it is done: under eight
 * parallel streams one gets the bandwidth and the others starve.  So the
 * hooks count their calls that returned without parking, and after
 * GREEN__FAIR_CALLS in a row the next one yields, if someone else can run
 * (sched/yield.c).
 */
#ifndef GREEN_YIELD_H
#define GREEN_YIELD_H

#include "hub.h"

/* 64 calls: each I/O call is a system call of up to a socket buffer
 * (tens of microseconds at most on loopback), so a thread holds the OS
 * thread for about a millisecond at most, while the check made every 64th
 * call (one epoll_wait that does not wait)
 * costs under 2% of the calls it follows.  0 turns the yield off, for
 * benchmarks that compare (bench/fair_streams.c). */
#ifndef GREEN__FAIR_CALLS
#define GREEN__FAIR_CALLS 64
#endif

/* The run of calls without a switch on this OS thread (there is one hub
 * per OS thread).  switches is the hub's switch count when the run began:
 * any switch since means the run was broken by a park. */
struct green__streak {
    unsigned calls;
    uint64_t switches;
};
extern __thread struct green__streak green__streak
    __attribute__((tls_model("initial-exec")));

/* The streak is long: start a new one, and yield first if it was not
 * broken and another green thread is runnable or has its event due. */
void green__yield_if_others(struct green__hub *h);

/* A hooked call of the current green thread returned without parking.
 * On the fast path, an increment and a comparison. */
#if GREEN__FAIR_CALLS > 0
static inline void green__call_done(struct green__hub *h)
{
    if (__builtin_expect(++green__streak.calls < GREEN__FAIR_CALLS, 1))
        return;
    green__yield_if_others(h);
}
#else
static inline void green__call_done(struct green__hub *h)
{
    (void)h;
}
#endif

#endif
