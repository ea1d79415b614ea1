/*
 * poll.c - poll, ppoll, select, pselect, epoll_wait, epoll_pwait.
 *
 * Each asks the kernel first with a zero timeout; if nothing is ready it
 * parks on the fds (for epoll, on the epoll fd itself, which is readable
 * while events are pending) and asks again when one fires or the timeout
 * passes.  The kernel's answer is always the one returned.  The signal mask
 * of ppoll/pselect/epoll_pwait applies to the final zero-timeout call only.
 */
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

#include "hook.h"

static int64_t ms_to_ns(int ms)
{
    return ms < 0 ? -1 : (int64_t)ms * 1000000;
}

static int64_t ts_to_ns(const struct timespec *ts)
{
    return ts ? hook__ns(ts->tv_sec, ts->tv_nsec) : -1;
}

static int64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return hook__ns(now.tv_sec, now.tv_nsec);
}

/* Time left until deadline (-1: none). */
static int64_t left(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t rest = deadline - now_ns();
    return rest > 0 ? rest : 0;
}

typedef int (*probe_fn)(void *ctx);

/* Ask probe; while it finds nothing, park on the watches. */
static int wait_until_ready(struct green__hub *h, struct green__watch *w,
                            size_t n, int64_t timeout, probe_fn probe,
                            void *ctx)
{
    int64_t deadline = timeout < 0 ? -1 : now_ns() + timeout;
    for (;;) {
        int r = probe(ctx);
        if (r != 0 || (deadline >= 0 && left(deadline) == 0))
            return r;
        int woke = green__wait_many(h, w, n, left(deadline));
        if (woke == -ECANCELED)
            hook__cancelled();
        if (woke == -EINTR)
            return (int)hook__fail(-EINTR);
        if (woke == -ENOMEM)
            return (int)hook__fail(-ENOMEM);
    }
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
    return real()->ppoll(p->fds, p->n, &zero, p->mask);
}

static int poll_green(struct green__hub *h, struct polling *p, int64_t timeout)
{
    struct green__watch *w = calloc(p->n ? p->n : 1, sizeof *w);
    if (!w)
        return (int)hook__fail(-ENOMEM);
    size_t n = 0;
    for (nfds_t i = 0; i < p->n; i++) {
        if (p->fds[i].fd < 0)
            continue;
        w[n].fd = p->fds[i].fd;
        w[n].events = (p->fds[i].events & (POLLIN | POLLPRI) ? GREEN_READ : 0) |
                      (p->fds[i].events & POLLOUT ? GREEN_WRITE : 0);
        /* Errors and hang-ups are reported whatever was asked for. */
        if (!w[n].events)
            w[n].events = GREEN_READ;
        n++;
    }
    int r = wait_until_ready(h, w, n, timeout, probe_poll, p);
    free(w);
    return r;
}

HOOK int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    struct green__hub *h = hook__parkable();
    if (!h || timeout_ms == 0)
        return real()->poll(fds, n, timeout_ms);
    struct polling p = {fds, n, NULL};
    return poll_green(h, &p, ms_to_ns(timeout_ms));
}

HOOK int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
               const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    if (!h || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0))
        return real()->ppoll(fds, n, ts, mask);
    struct polling p = {fds, n, mask};
    return poll_green(h, &p, ts_to_ns(ts));
}

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
    return real()->pselect(s->n, s->sets[0], s->sets[1], s->sets[2], &zero,
                           s->mask);
}

static int select_green(struct green__hub *h, struct selecting *s,
                        int64_t timeout)
{
    struct green__watch *w = calloc(s->n > 0 ? (size_t)s->n : 1, sizeof *w);
    if (!w)
        return (int)hook__fail(-ENOMEM);
    size_t n = 0;
    for (int fd = 0; fd < s->n; fd++) {
        int ev = 0;
        if (s->sets[0] && FD_ISSET(fd, &s->saved[0]))
            ev |= GREEN_READ;
        if (s->sets[1] && FD_ISSET(fd, &s->saved[1]))
            ev |= GREEN_WRITE;
        if (s->sets[2] && FD_ISSET(fd, &s->saved[2]))
            ev |= GREEN_READ;
        if (ev)
            w[n++] = (struct green__watch){fd, ev};
    }
    int r = wait_until_ready(h, w, n, timeout, probe_select, s);
    free(w);
    return r;
}

static int select_common(int n, fd_set *r, fd_set *w, fd_set *e,
                         int64_t timeout, const sigset_t *mask)
{
    struct selecting s = {.n = n, .sets = {r, w, e}, .mask = mask};
    if (n < 0 || n > FD_SETSIZE)
        return (int)hook__fail(-EINVAL);
    for (int i = 0; i < 3; i++)
        if (s.sets[i])
            s.saved[i] = *s.sets[i];
    return select_green(hook__parkable(), &s, timeout);
}

HOOK int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    if (!hook__parkable() || (tv && tv->tv_sec == 0 && tv->tv_usec == 0))
        return real()->select(n, r, w, e, tv);
    int64_t timeout = tv ? hook__ns(tv->tv_sec, tv->tv_usec * 1000LL) : -1;
    return select_common(n, r, w, e, timeout, NULL);
}

HOOK int pselect(int n, fd_set *r, fd_set *w, fd_set *e,
                 const struct timespec *ts, const sigset_t *mask)
{
    if (!hook__parkable() || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0))
        return real()->pselect(n, r, w, e, ts, mask);
    return select_common(n, r, w, e, ts_to_ns(ts), mask);
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
    return real()->epoll_pwait(p->epfd, p->events, p->max, 0, p->mask);
}

static int epoll_green(struct green__hub *h, struct epolling *p, int timeout_ms)
{
    struct green__watch w = {p->epfd, GREEN_READ};
    return wait_until_ready(h, &w, 1, ms_to_ns(timeout_ms), probe_epoll, p);
}

HOOK int epoll_wait(int epfd, struct epoll_event *events, int max,
                    int timeout_ms)
{
    struct green__hub *h = hook__parkable();
    if (!h || timeout_ms == 0)
        return real()->epoll_wait(epfd, events, max, timeout_ms);
    struct epolling p = {epfd, events, max, NULL};
    return epoll_green(h, &p, timeout_ms);
}

HOOK int epoll_pwait(int epfd, struct epoll_event *events, int max,
                     int timeout_ms, const sigset_t *mask)
{
    struct green__hub *h = hook__parkable();
    if (!h || timeout_ms == 0)
        return real()->epoll_pwait(epfd, events, max, timeout_ms, mask);
    struct epolling p = {epfd, events, max, mask};
    return epoll_green(h, &p, timeout_ms);
}
