/*
 * api_io.c - blocking-style I/O of the explicit API.
 *
 * This file is the explicit API's libc boundary: the core's -errno results
 * become -1 and errno here, once.  Each call runs the core's loop
 * (io_retry.c): try without blocking; if that would block, wait for
 * readiness and try again.
 *
 * A try on a socket is recv or send with MSG_DONTWAIT, as the hooks make
 * it: read and write would reach the same socket code through the VFS
 * (file position lock, permission and notify hooks), a few tens of
 * nanoseconds more per call for nothing.  Other fds are read and written
 * plainly, in O_NONBLOCK mode.  green_read, green_write, green_accept and
 * green_connect set that mode on first use whatever the fd, as green.h
 * promises; what the fd is gets learnt at the same time, once (an accepted
 * connection is known to be a socket).
 */
#include <fcntl.h>

#include "io_retry.h"
#include "real.h"

static long fail(long negative_errno)
{
    errno = (int)-negative_errno;
    return -1;
}

static ssize_t result(ssize_t r)
{
    return r < 0 ? fail(r) : r;
}

/* The hub if the caller is a green thread (it parks while it waits), else
 * NULL (it waits in poll). */
static struct green__hub *caller_hub(void)
{
    return green__current() ? green__hub : NULL;
}

/* Ready fd for a green thread's calls: its kind learnt and O_NONBLOCK set,
 * the first time.  Returns the kind, or -errno. */
static int prepare(struct green__hub *h, int fd)
{
    struct green__fd_entry *e = green__fd_entry(h, fd);
    int r;
    if (!e)
        return fd < 0 ? -EBADF : -ENOMEM;
    if (e->kind == GREEN__FD_UNKNOWN && (r = green__fd_learn(e, fd)) < 0)
        return r;
    if (!e->nonblock_known) {
        if ((r = green__fd_make_nonblocking(h, fd)) < 0)
            return r;
        /* Non-blocking now, as if the program had asked: under the
         * preload, a plain read() on it returns EAGAIN (green.h). */
        e->user_nonblock = 1;
    }
    return e->kind;
}

struct buffer {
    void *buf;
    size_t len;
    int flags;
};

static ssize_t try_recv(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return green__syscall_result(
        green__real.recv(fd, b->buf, b->len, b->flags | MSG_DONTWAIT));
}

static ssize_t try_send(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return green__syscall_result(
        green__real.send(fd, b->buf, b->len, b->flags | MSG_DONTWAIT));
}

static ssize_t try_read(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return green__syscall_result(green__real.read(fd, b->buf, b->len));
}

static ssize_t try_write(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return green__syscall_result(green__real.write(fd, b->buf, b->len));
}

static green__attempt_fn attempt_on(int kind, int events)
{
    if (kind == GREEN__FD_SOCKET)
        return events == GREEN_READ ? try_recv : try_send;
    return events == GREEN_READ ? try_read : try_write;
}

/* A read (events GREEN_READ) or write of green_read or green_write.  A
 * socket's call that fails with ENOTSOCK found a number reused since the
 * socket was closed without green_close: the fd is learnt again, and the
 * call made once more.  Its waiters are not disturbed: they may wait on
 * the new file rightly. */
static ssize_t transfer(int fd, int events, void *buf, size_t len,
                        int64_t timeout_ns)
{
    struct green__hub *h = caller_hub();
    struct buffer b = {buf, len, 0};
    for (int again = 0;; again = 1) {
        int kind = h ? prepare(h, fd) : GREEN__FD_UNKNOWN;
        if (kind < 0)
            return fail(kind);
        ssize_t n = green__until_ready(h, fd, events, timeout_ns,
                                       attempt_on(kind, events), &b, NULL);
        if (n != -ENOTSOCK || kind != GREEN__FD_SOCKET || again)
            return result(n);
        struct green__fd_entry *e = green__fd_entry(h, fd);
        e->kind = GREEN__FD_UNKNOWN;
        e->nonblock_known = 0;
    }
}

GREEN_EXPORT ssize_t green_read(int fd, void *buf, size_t len,
                                int64_t timeout_ns)
{
    return transfer(fd, GREEN_READ, buf, len, timeout_ns);
}

GREEN_EXPORT ssize_t green_write(int fd, const void *buf, size_t len,
                                 int64_t timeout_ns)
{
    return transfer(fd, GREEN_WRITE, (void *)buf, len, timeout_ns);
}

GREEN_EXPORT ssize_t green_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = green_write(fd, p + done, len - done, GREEN_FOREVER);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* green_recv and green_send change no flag: MSG_DONTWAIT does it all.  A
 * caller that passes MSG_DONTWAIT itself gets one try. */
static ssize_t message(int fd, int events, void *buf, size_t len, int flags,
                       int64_t timeout_ns)
{
    struct buffer b = {buf, len, flags};
    green__attempt_fn attempt = events == GREEN_READ ? try_recv : try_send;
    if (flags & MSG_DONTWAIT)
        return result(attempt(fd, &b));
    return result(green__until_ready(caller_hub(), fd, events, timeout_ns,
                                     attempt, &b, NULL));
}

GREEN_EXPORT ssize_t green_recv(int fd, void *buf, size_t len, int flags,
                                int64_t timeout_ns)
{
    return message(fd, GREEN_READ, buf, len, flags, timeout_ns);
}

GREEN_EXPORT ssize_t green_send(int fd, const void *buf, size_t len, int flags,
                                int64_t timeout_ns)
{
    return message(fd, GREEN_WRITE, (void *)buf, len, flags, timeout_ns);
}

struct accepting {
    struct sockaddr *addr;
    socklen_t *addrlen;
};

static ssize_t try_accept(int fd, void *ctx)
{
    struct accepting *a = ctx;
    return green__syscall_result(
        green__real.accept4(fd, a->addr, a->addrlen, SOCK_NONBLOCK));
}

/* A new file under a number that may have been another's: a socket,
 * already non-blocking. */
static void accepted(int fd)
{
    struct green__hub *h = green__hub;
    struct green__fd_entry *e;
    if (!h)
        return;
    green__fd_forget(h, fd);
    if ((e = green__fd_entry(h, fd))) {
        e->kind = GREEN__FD_SOCKET;
        e->nonblock_known = 1;
        e->user_nonblock = 1;
    }
}

GREEN_EXPORT int green_accept(int fd, struct sockaddr *addr, socklen_t *addrlen,
                              int64_t timeout_ns)
{
    struct green__hub *h = caller_hub();
    struct accepting a = {addr, addrlen};
    int r = h ? prepare(h, fd) : 0;
    if (r < 0)
        return (int)fail(r);
    ssize_t c =
        green__until_ready(h, fd, GREEN_READ, timeout_ns, try_accept, &a, NULL);
    if (c < 0)
        return (int)fail(c);
    accepted((int)c);
    return (int)c;
}

/* The outcome of a connect that returned EINPROGRESS. */
static int finish_connect(int fd, int64_t timeout_ns)
{
    int err = 0;
    socklen_t len = sizeof err;
    int r = green_wait_fd(fd, GREEN_WRITE, timeout_ns);
    if (r < 0)
        return (int)fail(r);
    if (green__real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    return err ? (int)fail(-err) : 0;
}

GREEN_EXPORT int green_connect(int fd, const struct sockaddr *addr,
                               socklen_t addrlen, int64_t timeout_ns)
{
    struct green__hub *h = caller_hub();
    int r = h ? prepare(h, fd) : 0;
    if (r < 0)
        return (int)fail(r);
    if (green__real.connect(fd, addr, addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return -1;
    return finish_connect(fd, timeout_ns);
}

GREEN_EXPORT int green_close(int fd)
{
    if (green__hub)
        green__fd_forget(green__hub, fd);
    return green__real.close(fd);
}
