/* sleep.c - sleep, usleep, nanosleep, clock_nanosleep. */
#include <time.h>
#include <unistd.h>

#include "hook.h"

/* Sleep the calling green thread; 0 or a positive errno. */
static int sleep_green(struct green__hub *h, clockid_t clock, int flags,
                       const struct timespec *req)
{
    struct green *self = h->current;
    if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        return EINVAL;
    if (flags & TIMER_ABSTIME) {
        int r = green__arm_deadline(self, clock, req);
        if (r == -ETIMEDOUT)
            return 0;
        if (r < 0)
            return -r;
    } else {
        green__arm_timeout(self, hook__ns(req->tv_sec, req->tv_nsec));
    }
    if (green__park(h) == -ECANCELED)
        hook__cancelled();
    return 0;
}

static int sleepable_clock(clockid_t clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}

HOOK int clock_nanosleep(clockid_t clock, int flags,
                         const struct timespec *req, struct timespec *rem)
{
    struct green__hub *h = hook__parkable();
    if (!h || !sleepable_clock(clock))
        return real()->clock_nanosleep(clock, flags, req, rem);
    int r = sleep_green(h, clock, flags, req);
    if (r == 0 && rem && !(flags & TIMER_ABSTIME))
        *rem = (struct timespec){0, 0};
    return r;
}

HOOK int nanosleep(const struct timespec *req, struct timespec *rem)
{
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->nanosleep(req, rem);
    int r = sleep_green(h, CLOCK_MONOTONIC, 0, req);
    if (r)
        return (int)hook__fail(-r);
    if (rem)
        *rem = (struct timespec){0, 0};
    return 0;
}

HOOK unsigned sleep(unsigned seconds)
{
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->sleep(seconds);
    struct timespec req = {seconds, 0};
    sleep_green(h, CLOCK_MONOTONIC, 0, &req);
    return 0;
}

HOOK int usleep(useconds_t usec)
{
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->usleep(usec);
    struct timespec req = {usec / 1000000, (long)(usec % 1000000) * 1000};
    sleep_green(h, CLOCK_MONOTONIC, 0, &req);
    return 0;
}
