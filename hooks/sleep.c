/*
 * sleep.c - sleep, usleep, nanosleep, clock_nanosleep.
 *
 * A signal handler ends a green sleep early with EINTR, as it ends the
 * system call (whatever SA_RESTART says); the time left is reported as
 * natively.  Every conversion saturates: the kernel accepts any tv_sec up
 * to LONG_MAX and sleeps "forever", and so must a green sleep.
 */
#include <time.h>
#include <unistd.h>

#include "hook.h"

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    real()->clock_gettime(clock, &ts);
    return hook__ns(ts.tv_sec, ts.tv_nsec);
}

/* Sleep the calling green thread: 0, or a positive errno (EINTR with the
 * time left in *left_ns). */
static int sleep_green(struct green__hub *h, clockid_t clock, int flags,
                       const struct timespec *req, int64_t *left_ns)
{
    struct green *self = h->current;
    int64_t end;
    if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        return EINVAL;
    if (flags & TIMER_ABSTIME) {
        int r = green__arm_deadline(self, clock, req);
        if (r == -ETIMEDOUT)
            return 0;
        if (r < 0)
            return -r;
        end = hook__ns(req->tv_sec, req->tv_nsec);
    } else {
        int64_t ns = hook__ns(req->tv_sec, req->tv_nsec), now = now_ns(clock);
        /* A sleep of LONG_MAX seconds ends, as far as anyone can tell,
         * never: saturate instead of overflowing. */
        end = ns > INT64_MAX - now ? INT64_MAX : now + ns;
        green__arm_timeout(self, ns);
    }
    green__lock();
    int woke = green__park_interruptible(h, GREEN__EINTR_ALWAYS);
    green__unlock();
    if (woke == -ECANCELED)
        hook__cancelled();
    if (woke != -EINTR)
        return 0;
    *left_ns = end - now_ns(clock);
    if (*left_ns < 0)
        *left_ns = 0;
    return EINTR;
}

static struct timespec to_timespec(int64_t ns)
{
    return (struct timespec){ns / 1000000000, ns % 1000000000};
}

static int sleepable_clock(clockid_t clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}

HOOK int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                         struct timespec *rem)
{
    struct green__hub *h = hook__parkable();
    int64_t left = 0;
    if (!h || !sleepable_clock(clock))
        return real()->clock_nanosleep(clock, flags, req, rem);
    int r = sleep_green(h, clock, flags, req, &left);
    if (rem && !(flags & TIMER_ABSTIME))
        *rem = to_timespec(r == EINTR ? left : 0);
    return r;
}

HOOK int nanosleep(const struct timespec *req, struct timespec *rem)
{
    struct green__hub *h = hook__parkable();
    int64_t left = 0;
    if (!h)
        return real()->nanosleep(req, rem);
    int r = sleep_green(h, CLOCK_MONOTONIC, 0, req, &left);
    if (rem)
        *rem = to_timespec(r == EINTR ? left : 0);
    return r ? (int)hook__fail(-r) : 0;
}

HOOK unsigned sleep(unsigned seconds)
{
    struct green__hub *h = hook__parkable();
    int64_t left = 0;
    if (!h)
        return real()->sleep(seconds);
    struct timespec req = {seconds, 0};
    if (sleep_green(h, CLOCK_MONOTONIC, 0, &req, &left) != EINTR)
        return 0;
    return (unsigned)((left + 999999999) / 1000000000);
}

HOOK int usleep(useconds_t usec)
{
    struct green__hub *h = hook__parkable();
    int64_t left = 0;
    if (!h)
        return real()->usleep(usec);
    struct timespec req = {usec / 1000000, (long)(usec % 1000000) * 1000};
    int r = sleep_green(h, CLOCK_MONOTONIC, 0, &req, &left);
    return r ? (int)hook__fail(-r) : 0;
}
