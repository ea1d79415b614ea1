/*
 * events.c - parking until any of several descriptors may be ready.
 *
 * poll, select and epoll_wait ask the kernel with a zero timeout and park
 * between two questions; this file decides what wakes the parked thread.
 * It must wake when the answer may have changed (or a call returns late)
 * and must not wake again and again while it has not (or the thread spins
 * on the hub).  Both are easy for POLLIN and POLLOUT: libev's ev_io asks
 * epoll for EPOLLIN or EPOLLOUT, epoll adds EPOLLERR and EPOLLHUP, and
 * poll reports exactly those too.
 *
 * libev knows no other event.  Mapping POLLPRI, POLLWRNORM, POLLRDHUP and
 * the rest to the nearest of the two is wrong both ways: urgent TCP data
 * makes a socket POLLPRI without making it readable (a wait for EV_READ
 * never ends), and a writable TCP socket is never POLLWRBAND (a wait for
 * EV_WRITE ends at once, every time).  So descriptors with any other
 * interest go into a private epoll set made for the call, with exactly the
 * bits asked for, and the thread waits for that set to become readable.
 * The kernel adds EPOLLERR and EPOLLHUP there too, which select's except
 * set, for one, does not count: the set is edge-triggered and emptied
 * before every question, so a condition that is not of interest wakes the
 * thread once, when it appears, and not again.  Nothing is lost by
 * emptying it first: whatever happens after that is either seen by the
 * question or queued as a new edge.
 *
 * The private set costs a descriptor while the call waits.  When none can
 * be had (the process is at its limit), the descriptors it would hold are
 * looked at again every few milliseconds instead.
 */
#include <stdlib.h>
#include <sys/epoll.h>

#include "events.h"
#include "real.h"
#include "world.h"

/* Up to this many watchers live on the caller's stack: poll on a handful
 * of descriptors allocates nothing. */
#define SMALL_WAIT 8

/* How often descriptors that no watcher covers are looked at again. */
#define RETRY_NS (5 * 1000000LL)

struct watcher {
    ev_io io;
    struct green *owner;
};

struct waiting {
    struct green__hub *h;
    struct watcher *w;
    size_t count; /* watchers in w */
    int epfd;     /* the private set, or -1 */
    int blind;    /* some descriptor is in no watcher and no set */
    int recheck;  /* one vanished since the question: ask again now */
    struct watcher small[SMALL_WAIT];
};

static const struct {
    short poll;
    uint32_t epoll;
} epoll_bits[] = {
    {POLLIN, EPOLLIN},         {POLLPRI, EPOLLPRI},
    {POLLOUT, EPOLLOUT},       {POLLRDNORM, EPOLLRDNORM},
    {POLLRDBAND, EPOLLRDBAND}, {POLLWRNORM, EPOLLWRNORM},
    {POLLWRBAND, EPOLLWRBAND}, {POLLMSG, EPOLLMSG},
    {POLLRDHUP, EPOLLRDHUP},
};

static uint32_t to_epoll(short events)
{
    uint32_t r = 0;
    for (size_t i = 0; i < sizeof epoll_bits / sizeof *epoll_bits; i++)
        if (events & epoll_bits[i].poll)
            r |= epoll_bits[i].epoll;
    return r;
}

/* The ev_io events that wake exactly when poll for these events would
 * return, or 0 if there are none.  POLLRDNORM and POLLWRNORM asked for
 * together with POLLIN and POLLOUT add nothing: Linux raises each only
 * with its partner (the reverse does not hold: an eventfd is POLLIN and
 * never POLLRDNORM, so POLLRDNORM alone needs the private set). */
static int ev_events(short events)
{
    short rest = events & ~(POLLERR | POLLHUP | POLLNVAL);
    if (rest & POLLIN)
        rest &= ~POLLRDNORM;
    if (rest & POLLOUT)
        rest &= ~POLLWRNORM;
    if (!rest || (rest & ~(POLLIN | POLLOUT)))
        return 0;
    return (rest & POLLIN ? EV_READ : 0) | (rest & POLLOUT ? EV_WRITE : 0);
}

static int64_t now_ns(void)
{
    struct timespec now;
    green__real.clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static void on_ready(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    green__lock();
    green__wake(((struct watcher *)w)->owner, 0);
    green__unlock();
}

static void add_watcher(struct waiting *s, int fd, int events)
{
    struct watcher *w = &s->w[s->count++];
    w->owner = s->h->current;
    ev_io_init(&w->io, on_ready, fd, events);
}

/* Put want[i] into the private set; the same descriptor listed twice
 * waits for either entry's events. */
static void add_to_set(struct waiting *s, const struct pollfd *want, size_t i)
{
    struct epoll_event ev = {.events = to_epoll(want[i].events) | EPOLLET};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, want[i].fd, &ev) == 0)
        return;
    if (errno == EEXIST) {
        for (size_t j = 0; j < i; j++)
            if (want[j].fd == want[i].fd)
                ev.events |= to_epoll(want[j].events);
        if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, want[i].fd, &ev) == 0)
            return;
    }
    /* epoll refuses regular files and directories: they are always ready
     * for what it could watch, so the question has answered already, and
     * never for the rest. */
    if (errno == EPERM)
        return;
    if (errno == EBADF)
        s->recheck = 1;
    else
        s->blind = 1;
}

static void make_set(struct waiting *s, const struct pollfd *want, size_t n)
{
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd < 0) {
        s->blind = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (want[i].fd >= 0 && !ev_events(want[i].events))
            add_to_set(s, want, i);
    add_watcher(s, s->epfd, EV_READ);
}

/* Watchers for every descriptor; 0 or -ENOMEM. */
static int prepare(struct waiting *s, struct green__hub *h,
                   const struct pollfd *want, size_t n)
{
    size_t direct = 0, others = 0;
    for (size_t i = 0; i < n; i++) {
        if (want[i].fd < 0)
            continue;
        if (ev_events(want[i].events))
            direct++;
        else
            others++;
    }
    *s = (struct waiting){.h = h, .w = s->small, .epfd = -1};
    if (direct + 1 > SMALL_WAIT) {
        s->w = calloc(direct + 1, sizeof *s->w);
        if (!s->w)
            return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        if (want[i].fd >= 0 && ev_events(want[i].events))
            add_watcher(s, want[i].fd, ev_events(want[i].events));
    if (others)
        make_set(s, want, n);
    return 0;
}

static void finish(struct waiting *s)
{
    if (s->epfd >= 0)
        green__real.close(s->epfd);
    if (s->w != s->small)
        free(s->w);
}

/* Park until a watcher fires or timeout_ns passes: 0, -ETIMEDOUT, -EINTR
 * or -ECANCELED. */
static int park(struct waiting *s, int64_t timeout_ns)
{
    struct ev_loop *loop = green__loop(s->h);
    if (s->recheck) {
        s->recheck = 0;
        return 0;
    }
    if (s->blind && (timeout_ns < 0 || timeout_ns > RETRY_NS))
        timeout_ns = RETRY_NS;
    s->h->stats.fd_waits++;
    for (size_t i = 0; i < s->count; i++)
        ev_io_start(loop, &s->w[i].io);
    green__arm_timeout(s->h->current, timeout_ns);
    green__lock();
    int r = green__park_interruptible(s->h, GREEN__EINTR_ALWAYS);
    green__unlock();
    for (size_t i = 0; i < s->count; i++)
        ev_io_stop(loop, &s->w[i].io);
    return r;
}

/* Forget the edges the private set has seen: from now on only new ones
 * wake the thread. */
static void drain(struct waiting *s)
{
    struct epoll_event seen[16];
    int r;
    if (s->epfd < 0)
        return;
    do
        r = green__real.epoll_pwait(s->epfd, seen, 16, 0, NULL);
    while (r == 16);
}

int green__poll_until(struct green__hub *h, const struct pollfd *want, size_t n,
                      int64_t timeout_ns, green__probe_fn probe, void *ctx)
{
    int r = probe(ctx);
    if (r != 0 || timeout_ns == 0)
        return r;
    int64_t start = now_ns();
    int64_t deadline = timeout_ns < 0 || timeout_ns > INT64_MAX - start
                           ? -1
                           : start + timeout_ns;
    int saved_errno = errno;
    struct waiting s;
    if ((r = prepare(&s, h, want, n)) < 0)
        return r;
    for (;;) {
        int64_t left = deadline < 0 ? -1 : deadline - now_ns();
        int woke = park(&s, left < 0 && deadline >= 0 ? 0 : left);
        if (woke == -EINTR || woke == -ECANCELED) {
            r = woke;
            break;
        }
        drain(&s);
        r = probe(ctx);
        if (r != 0 || (deadline >= 0 && now_ns() >= deadline))
            break;
    }
    finish(&s);
    errno = saved_errno;
    return r;
}
