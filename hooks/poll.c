/*
 * poll.c - poll, ppoll, select, pselect, epoll_wait, epoll_pwait,
 * epoll_pwait2.
 *
 * Each asks the kernel first with a zero timeout; if nothing is ready it
 * parks until the answer may have changed and asks again (the core's
 * green__poll_until, which waits for every poll(2) event asked for, not
 * only for readable and writable).  epoll calls wait on the epoll fd
 * itself, which is readable while one of its events is pending, whatever
 * the flags of its entries.  The kernel's answer is always the one
 * returned, bit for bit.  The signal mask of the p variants is the
 * calling thread's while it waits (sigmask.c), and a handler that ends the
 * wait runs under it, as natively.  A timeout the kernel refuses (negative,
 * nanoseconds out of range) goes to the real call, which fails with EINVAL
 * as natively.  A question that does not wait, which the kernel ends with
 * EINTR whenever a signal is pending, is asked again when only greenrun's
 * own signals (a preemption tick) ended it: the program never sees EINTR
 * from a signal it does not handle.
 */
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>

#include "deliver.h"
#include "events.h"
#include "hook.h"

/* select on up to this many descriptors allocates nothing. */
#define SMALL_SELECT 16

static int64_t now_ns(void)
{
    struct timespec now;
    real()->clock_gettime(CLOCK_MONOTONIC, &now);
    return hook__ns(now.tv_sec, now.tv_nsec);
}

static int64_t ms_to_ns(int ms)
{
    return ms < 0 ? -1 : (int64_t)ms * 1000000;
}

/* Whether a timeout makes the call wait: none, or a valid non-zero one. */
static int waits(const struct timespec *ts)
{
    if (!ts)
        return 1;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
        return 0;
    return ts->tv_sec || ts->tv_nsec;
}

static int64_t ts_to_ns(const struct timespec *ts)
{
    return ts ? hook__ns(ts->tv_sec, ts->tv_nsec) : -1;
}

/* The core's answer at the libc boundary. */
static int result(int r)
{
    if (r == -ECANCELED)
        hook__cancelled();
    return r < 0 ? (int)hook__fail(r) : r;
}

/* The calls that do not wait, each made again while only greenrun's own
 * signals end it (hook__own_eintr). */
static int poll_now(struct pollfd *fds, nfds_t n)
{
    unsigned seen = hook__handlers_run;
    int r;
    do
        r = real()->poll(fds, n, 0);
    while (hook__own_eintr(r, seen));
    return r;
}

static int ppoll_now(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                     const sigset_t *mask)
{
    unsigned seen = hook__handlers_run;
    int r;
    do
        r = real()->ppoll(fds, n, ts, mask);
    while (hook__own_eintr(r, seen));
    return r;
}

/* The kernel leaves the sets alone when it fails (and a zero timeout
 * zero): they can be asked again as they are. */
static int select_now(int n, fd_set *r, fd_set *w, fd_set *e,
                      struct timeval *tv)
{
    unsigned seen = hook__handlers_run;
    int res;
    do
        res = real()->select(n, r, w, e, tv);
    while (hook__own_eintr(res, seen));
    return res;
}

static int pselect_now(int n, fd_set *r, fd_set *w, fd_set *e,
                       const struct timespec *ts, const sigset_t *mask)
{
    unsigned seen = hook__handlers_run;
    int res;
    do
        res = real()->pselect(n, r, w, e, ts, mask);
    while (hook__own_eintr(res, seen));
    return res;
}

struct polling {
    struct pollfd *fds;
    nfds_t n;
    const sigset_t *mask;
};

static int probe_poll(void *ctx)
{
    struct polling *p = ctx;
    struct timespec zero = {0, 0};
    int r = ppoll_now(p->fds, p->n, &zero, p->mask);
    return r < 0 ? -errno : r;
}

HOOK int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    struct green__hub *h = hook__parkable();
    if (timeout_ms == 0)
        return poll_now(fds, n);
    if (!h)
        return real()->poll(fds, n, timeout_ms);
    struct polling p = {fds, n, NULL};
    return result(
        green__poll_until(h, fds, n, ms_to_ns(timeout_ms), probe_poll, &p));
}

static int ppoll_masked(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                        const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    if (!waits(ts))
        return ppoll_now(fds, n, ts, mask);
    if (!h)
        return real()->ppoll(fds, n, ts, mask);
    struct polling p = {fds, n, mask};
    return result(green__poll_until(h, fds, n, ts_to_ns(ts), probe_poll, &p));
}

HOOK int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
               const sigset_t *mask)
{
    struct green *self = green__current();
    if (!mask || !self)
        return ppoll_masked(fds, n, ts, mask);
    uint64_t old = hook__wait_mask_begin(self, mask, 0);
    int r = ppoll_masked(fds, n, ts, mask);
    hook__wait_mask_end(self, old);
    return r;
}

/* What each of select's sets waits for, as the kernel's select counts
 * readiness (POLLERR and POLLHUP aside, which poll adds anyway). */
static const short select_events[3] = {
    POLLIN | POLLRDNORM | POLLRDBAND,
    POLLOUT | POLLWRNORM | POLLWRBAND,
    POLLPRI,
};

struct selecting {
    int n;
    fd_set *sets[3];
    fd_set saved[3];
    const sigset_t *mask;
};

static int probe_select(void *ctx)
{
    struct selecting *s = ctx;
    struct timespec zero = {0, 0};
    for (int i = 0; i < 3; i++)
        if (s->sets[i])
            *s->sets[i] = s->saved[i];
    int r =
        pselect_now(s->n, s->sets[0], s->sets[1], s->sets[2], &zero, s->mask);
    return r < 0 ? -errno : r;
}

/* The descriptors of the sets as poll entries (want may be NULL: only
 * count them). */
static size_t select_wants(const struct selecting *s, struct pollfd *want)
{
    size_t k = 0;
    for (int fd = 0; fd < s->n; fd++) {
        short events = 0;
        for (int i = 0; i < 3; i++)
            if (s->sets[i] && FD_ISSET(fd, &s->saved[i]))
                events |= select_events[i];
        if (!events)
            continue;
        if (want)
            want[k] = (struct pollfd){.fd = fd, .events = events};
        k++;
    }
    return k;
}

static int select_wait(struct green__hub *h, struct selecting *s,
                       int64_t timeout)
{
    struct pollfd small[SMALL_SELECT];
    for (int i = 0; i < 3; i++)
        if (s->sets[i])
            s->saved[i] = *s->sets[i];
    size_t n = select_wants(s, NULL);
    struct pollfd *want = n <= SMALL_SELECT ? small : calloc(n, sizeof *want);
    if (!want)
        return -ENOMEM;
    select_wants(s, want);
    int r = green__poll_until(h, want, n, timeout, probe_select, s);
    if (want != small)
        free(want);
    return r;
}

/* select's timeout as the kernel reads it (tv_usec may exceed a second):
 * ns, -1 for none, -2 for one it refuses. */
static int64_t tv_to_ns(const struct timeval *tv)
{
    if (!tv)
        return -1;
    long long sec = tv->tv_sec + tv->tv_usec / 1000000;
    long long nsec = (long long)(tv->tv_usec % 1000000) * 1000;
    return sec < 0 || nsec < 0 ? -2 : hook__ns(sec, nsec);
}

/* Linux's select leaves the time not slept in *tv. */
static void time_left(struct timeval *tv, int64_t deadline)
{
    int64_t left = deadline - now_ns();
    if (left < 0)
        left = 0;
    tv->tv_sec = left / 1000000000;
    tv->tv_usec = left % 1000000000 / 1000;
}

/* Sets larger than an fd_set take the real call: only the kernel knows
 * how many of their bits it reads. */
HOOK int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    struct green__hub *h = hook__parkable();
    int64_t timeout = tv_to_ns(tv);
    if (timeout == 0)
        return select_now(n, r, w, e, tv);
    if (!h || timeout == -2 || n < 0 || n > FD_SETSIZE)
        return real()->select(n, r, w, e, tv);
    struct selecting s = {.n = n, .sets = {r, w, e}};
    int64_t now = now_ns();
    int64_t deadline = timeout > INT64_MAX - now ? INT64_MAX : now + timeout;
    int res = select_wait(h, &s, timeout);
    if (tv && res != -ECANCELED)
        time_left(tv, deadline);
    return result(res);
}

static int pselect_masked(int n, fd_set *r, fd_set *w, fd_set *e,
                          const struct timespec *ts, const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    if (!waits(ts))
        return pselect_now(n, r, w, e, ts, mask);
    if (!h || n < 0 || n > FD_SETSIZE)
        return real()->pselect(n, r, w, e, ts, mask);
    struct selecting s = {.n = n, .sets = {r, w, e}, .mask = mask};
    return result(select_wait(h, &s, ts_to_ns(ts)));
}

HOOK int pselect(int n, fd_set *r, fd_set *w, fd_set *e,
                 const struct timespec *ts, const sigset_t *mask)
{
    struct green *self = green__current();
    if (!mask || !self)
        return pselect_masked(n, r, w, e, ts, mask);
    uint64_t old = hook__wait_mask_begin(self, mask, 0);
    int res = pselect_masked(n, r, w, e, ts, mask);
    hook__wait_mask_end(self, old);
    return res;
}

struct epolling {
    int epfd;
    struct epoll_event *events;
    int max;
    const sigset_t *mask;
};

static int probe_epoll(void *ctx)
{
    struct epolling *p = ctx;
    int r = real()->epoll_pwait(p->epfd, p->events, p->max, 0, p->mask);
    return r < 0 ? -errno : r;
}

static int epoll_green(struct green__hub *h, struct epolling *p,
                       int64_t timeout)
{
    struct pollfd want = {.fd = p->epfd, .events = POLLIN};
    return result(green__poll_until(h, &want, 1, timeout, probe_epoll, p));
}

HOOK int epoll_wait(int epfd, struct epoll_event *events, int max,
                    int timeout_ms)
{
    struct green__hub *h = hook__parkable();
    if (!h || timeout_ms == 0)
        return real()->epoll_wait(epfd, events, max, timeout_ms);
    struct epolling p = {epfd, events, max, NULL};
    return epoll_green(h, &p, ms_to_ns(timeout_ms));
}

static int epoll_pwait_masked(int epfd, struct epoll_event *events, int max,
                              int timeout_ms, const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    if (!h || timeout_ms == 0)
        return real()->epoll_pwait(epfd, events, max, timeout_ms, mask);
    struct epolling p = {epfd, events, max, mask};
    return epoll_green(h, &p, ms_to_ns(timeout_ms));
}

HOOK int epoll_pwait(int epfd, struct epoll_event *events, int max,
                     int timeout_ms, const sigset_t *mask)
{
    struct green *self = green__current();
    if (!mask || !self)
        return epoll_pwait_masked(epfd, events, max, timeout_ms, mask);
    uint64_t old = hook__wait_mask_begin(self, mask, 0);
    int r = epoll_pwait_masked(epfd, events, max, timeout_ms, mask);
    hook__wait_mask_end(self, old);
    return r;
}

/* glibc's epoll_pwait2 is reached through the system call: the table of
 * real functions has no entry for it. */
static int epoll_pwait2_masked(int epfd, struct epoll_event *events, int max,
                               const struct timespec *ts, const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    if (!h || !waits(ts))
        return (int)real()->syscall(SYS_epoll_pwait2, epfd, events, max, ts,
                                    mask, _NSIG / 8);
    struct epolling p = {epfd, events, max, mask};
    return epoll_green(h, &p, ts_to_ns(ts));
}

HOOK int epoll_pwait2(int epfd, struct epoll_event *events, int max,
                      const struct timespec *ts, const sigset_t *mask)
{
    struct green *self = green__current();
    if (!mask || !self)
        return epoll_pwait2_masked(epfd, events, max, ts, mask);
    uint64_t old = hook__wait_mask_begin(self, mask, 0);
    int r = epoll_pwait2_masked(epfd, events, max, ts, mask);
    hook__wait_mask_end(self, old);
    return r;
}
