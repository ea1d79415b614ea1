/*
 * blocking.c - what every blocking I/O hook shares: whether to go green,
 * and the core's try-wait-retry loop (sched/io_retry.c, which the explicit
 * API runs too) with libc's rules at its end.
 *
 * Descriptor flags are shared state (a terminal's O_NONBLOCK is the shell's
 * too), so the hooks never leave a flag changed.  Sockets get per-call
 * non-blocking I/O (MSG_DONTWAIT): try first, park on EAGAIN.  Pipes, ttys
 * and other pollable fds are asked for readiness first (poll with a zero
 * timeout) and only then read or written, in pieces a ready fd accepts
 * without blocking.  Regular files and block devices are never pollable and
 * pass straight through, or, with GREENRUN_FILE_POOL=1, run on the offload
 * pool (file.c).  What an fd is gets learnt on first use
 * (sched/io_retry.c) and forgotten when its number is freed (fd.c), so
 * descriptors the shim never saw created (inherited, from eventfd, passed
 * over SCM_RIGHTS) work too.
 *
 * A call that did not have to wait counts towards fairness
 * (sched/yield.h): after a long run of them, the caller lets the other
 * green threads run before it returns.  Calls on regular files count too:
 * they never park either.
 */
#include <fcntl.h>
#include <limits.h>

#include "hook.h"
#include "io_retry.h"
#include "preempt.h"
#include "yield.h"

long hook__fail(int negative_errno)
{
    errno = -negative_errno;
    return -1;
}

struct green__hub *hook__parkable(void)
{
    struct green *self = green__current();
    /* Parked, it runs a signal handler inside its wait (deliver.c): the
     * handler's calls block as they would in any handler. */
    if (!self || self->state == GREEN__PARKED)
        return NULL;
    self->last_call = __builtin_return_address(0);
    struct green__hub *h = self->hub;
    if (hook__others_may_run(h))
        return h;
    /* Alone, the caller blocks in the kernel: no tick may interrupt it. */
    hook__preempt_disarm(h);
    return NULL;
}

/* The entry of fd with its kind known, or NULL (no memory, bad fd). */
static struct green__fd_entry *known_entry(struct green__hub *h, int fd)
{
    struct green__fd_entry *e = green__fd_entry(h, fd);
    if (!e || (e->kind == GREEN__FD_UNKNOWN && green__fd_learn(e, fd) < 0))
        return NULL;
    return e;
}

struct green__fd_entry *hook__blocking_fd(int fd, struct green__hub **hub)
{
    struct green__hub *h = hook__parkable();
    if (!h)
        return NULL;
    h->current->last_call = __builtin_return_address(0);
    struct green__fd_entry *e = known_entry(h, fd);
    if (!e)
        return NULL;
    if (e->kind == GREEN__FD_FILE) {
        h->stats.file_calls++;
        green__call_done(h);
        return NULL;
    }
    if (e->user_nonblock)
        return NULL;
    *hub = h;
    return e;
}

/* GREENRUN_FILE_POOL: a regular file's calls run on the offload pool. */
struct green__hub *hook__file_pool(int fd)
{
    if (!green__config.file_pool)
        return NULL;
    struct green__hub *h = hook__parkable();
    if (!h)
        return NULL;
    h->current->last_call = __builtin_return_address(0);
    struct green__fd_entry *e = known_entry(h, fd);
    return e && e->kind == GREEN__FD_FILE ? h : NULL;
}

int hook__stale_socket(struct green__fd_entry *e)
{
    if (errno != ENOTSOCK || e->kind != GREEN__FD_SOCKET)
        return 0;
    /* Not forgotten: other threads may be waiting on the fd, rightly. */
    e->kind = GREEN__FD_UNKNOWN;
    e->rcvtimeo_ns = 0;
    e->sndtimeo_ns = 0;
    return 1;
}

void hook__fd_created(int fd)
{
    struct green__hub *h = green__hub;
    if (h && fd >= 0)
        green__fd_forget(h, fd);
}

int hook__ready_now(int fd, int events)
{
    struct pollfd p = {.fd = fd};
    p.events = (events & GREEN_READ ? POLLIN : 0) |
               (events & GREEN_WRITE ? POLLOUT : 0);
    int saved_errno = errno, n;
    /* A signal (a time slice's) can end even a poll that does not wait:
     * that says nothing of the fd, and taking it for readiness would make
     * a real call that blocks the OS thread. */
    while ((n = real()->poll(&p, 1, 0)) < 0 && errno == EINTR)
        ;
    errno = saved_errno;
    return n != 0; /* errors too: the real call will report them */
}

/* The core's loop (sched/io_retry.c), with libc's rules at the end: a
 * SO_RCVTIMEO/SO_SNDTIMEO timeout fails with EAGAIN, as natively, and a
 * cancellation due ends the thread, this being a cancellation point.
 * Counted in the fd's entry while inside: a close on another worker lets
 * a call the kernel has already answered finish first (hooks/fd.c). */
ssize_t hook__until_ready(struct green__hub *h, int fd,
                          struct green__fd_entry *e, int events,
                          hook__attempt_fn attempt, void *ctx)
{
    int64_t timeout = events & GREEN_READ ? e->rcvtimeo_ns : e->sndtimeo_ns;
    int wait_error;
    __atomic_add_fetch(&e->busy, 1, __ATOMIC_ACQ_REL);
    ssize_t r = green__until_ready(h, fd, events, timeout > 0 ? timeout : -1,
                                   attempt, ctx, &wait_error);
    __atomic_sub_fetch(&e->busy, 1, __ATOMIC_ACQ_REL);
    if (r >= 0)
        return r;
    if (wait_error == -ECANCELED)
        hook__cancelled();
    return hook__fail(wait_error == -ETIMEDOUT ? -EAGAIN : (int)r);
}

/*
 * A pollable descriptor that is not a socket (a pipe, a fifo, a tty, an
 * eventfd) has no per-call MSG_DONTWAIT.  Where the kernel takes
 * RWF_NOWAIT for it (pipes do, for reads and writes), preadv2/pwritev2
 * with it is the per-call form: the call fails with EAGAIN instead of
 * blocking, and no flag is set on a description other processes share.
 * Elsewhere (EOPNOTSUPP: a tty, an eventfd's writes) readiness is checked
 * first and the plain call made, which cannot block unless another
 * reader or writer, in another process or on another worker, takes the
 * data or the room between the two.
 */
struct nowait_call {
    const struct iovec *iov;
    int n;
    int events;
};

static ssize_t try_nowait(int fd, void *ctx)
{
    struct nowait_call *c = ctx;
    return green__syscall_result(
        c->events == GREEN_READ
            ? real()->preadv2(fd, c->iov, c->n, -1, RWF_NOWAIT)
            : real()->pwritev2(fd, c->iov, c->n, -1, RWF_NOWAIT));
}

static ssize_t try_plain(int fd, void *ctx)
{
    struct nowait_call *c = ctx;
    if (!hook__ready_now(fd, c->events))
        return -EAGAIN;
    return green__syscall_result(c->events == GREEN_READ
                                     ? real()->readv(fd, c->iov, c->n)
                                     : real()->writev(fd, c->iov, c->n));
}

ssize_t hook__stream_call(struct green__hub *h, int fd,
                          struct green__fd_entry *e, int events,
                          const struct iovec *iov, int n)
{
    struct nowait_call c = {iov, n, events};
    if (!(e->nowait_refused & events)) {
        int saved_errno = errno;
        ssize_t r = hook__until_ready(h, fd, e, events, try_nowait, &c);
        if (r >= 0 || errno != EOPNOTSUPP)
            return r;
        errno = saved_errno;
        e->nowait_refused |= (unsigned char)events;
    }
    return hook__until_ready(h, fd, e, events, try_plain, &c);
}

struct piece {
    const char *buf;
    size_t len;
    int flags;
};

static ssize_t try_send(int fd, void *ctx)
{
    struct piece *p = ctx;
    return green__syscall_result(
        real()->send(fd, p->buf, p->len, p->flags | MSG_DONTWAIT));
}

ssize_t hook__write_all(struct green__hub *h, int fd, struct green__fd_entry *e,
                        const void *buf, size_t len, int flags)
{
    int socket = e->kind == GREEN__FD_SOCKET;
    size_t done = 0;
    do {
        struct piece p = {(const char *)buf + done, len - done, flags};
        if (!socket && p.len > PIPE_BUF)
            p.len = PIPE_BUF;
        struct iovec v = {(void *)p.buf, p.len};
        ssize_t n = socket
                        ? hook__until_ready(h, fd, e, GREEN_WRITE, try_send, &p)
                        : hook__stream_call(h, fd, e, GREEN_WRITE, &v, 1);
        if (n < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)n;
    } while (done < len);
    return (ssize_t)done;
}

int64_t hook__ns(long long sec, long long nsec)
{
    const int64_t ns = 1000000000LL;
    /* Saturate at both ends: a timeout beyond any clock waits forever, a
     * hugely negative one has passed, and neither may overflow. */
    if (sec >= INT64_MAX / ns)
        return INT64_MAX;
    if (sec <= INT64_MIN / ns)
        return INT64_MIN;
    int64_t base = (int64_t)sec * ns;
    if (nsec > 0 && base > INT64_MAX - nsec)
        return INT64_MAX;
    if (nsec < 0 && base < INT64_MIN - nsec)
        return INT64_MIN;
    return base + nsec;
}
