/*
 * timeout.c - arming a green thread's timer for its next park.
 *
 * Relative timeouts and CLOCK_MONOTONIC deadlines use an ev_timer, which
 * libev measures on its monotonic clock.  libev caches "now" per loop
 * iteration, and a green thread may run long after the last one, so the
 * cache is refreshed before arming: otherwise a timer would fire early by
 * however long the threads ran.  CLOCK_REALTIME deadlines use an absolute
 * ev_periodic, which libev re-evaluates when the wall clock is set, as a
 * realtime deadline must be.
 */
#include "hub.h"
#include "real.h"

#define NSEC_PER_SEC 1000000000LL

void green__arm_timeout(struct green *g, int64_t ns)
{
    struct ev_loop *loop = green__loop(g->hub);
    if (ns < 0)
        return;
    g->hub->stats.timed_waits++;
    ev_now_update(loop);
    ev_timer_set(&g->timer, (double)ns / NSEC_PER_SEC, 0.);
    ev_timer_start(loop, &g->timer);
}

int green__check_deadline(clockid_t clock, const struct timespec *deadline)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return -EINVAL;
    if (!deadline || deadline->tv_nsec < 0 ||
        deadline->tv_nsec >= NSEC_PER_SEC || deadline->tv_sec < 0)
        return -EINVAL;
    return 0;
}

/* Nanoseconds from now until a checked deadline, saturating: a deadline
 * such as tv_sec = LONG_MAX lies beyond what an int64_t of nanoseconds can
 * count, and must mean "not in any foreseeable future", not a wrapped,
 * negative value that would make the wait time out at once. */
static int64_t ns_until(clockid_t clock, const struct timespec *deadline)
{
    struct timespec now;
    green__real.clock_gettime(clock, &now);
    /* Both tv_sec are >= 0, so their difference cannot overflow. */
    int64_t sec = (int64_t)deadline->tv_sec - (int64_t)now.tv_sec;
    if (sec >= INT64_MAX / NSEC_PER_SEC)
        return INT64_MAX;
    return sec * NSEC_PER_SEC + (deadline->tv_nsec - now.tv_nsec);
}

int green__arm_deadline(struct green *g, clockid_t clock,
                        const struct timespec *deadline)
{
    int r = green__check_deadline(clock, deadline);
    if (r < 0)
        return r;
    int64_t left = ns_until(clock, deadline);
    if (left <= 0)
        return -ETIMEDOUT;
    if (clock == CLOCK_MONOTONIC) {
        green__arm_timeout(g, left);
        return 0;
    }
    g->hub->stats.timed_waits++;
    ev_periodic_set(&g->periodic,
                    (double)deadline->tv_sec +
                        (double)deadline->tv_nsec / NSEC_PER_SEC,
                    0., 0);
    ev_periodic_start(green__loop(g->hub), &g->periodic);
    return 0;
}
