/*
 * api_io.c - blocking-style I/O of the explicit API.
 *
 * This file is the explicit API's libc boundary: the core's -errno results
 * become -1 and errno here, once.  Each call follows the same loop: try the
 * non-blocking call; if it would block, wait for readiness and try again.
 */
#include <fcntl.h>

#include "fd.h"
#include "real.h"

static long fail(int negative_errno)
{
    errno = -negative_errno;
    return -1;
}

static int would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Wait for fd in or out of a green thread; 0 or -errno. */
static int await(int fd, int events, int64_t timeout_ns)
{
    int r = green_wait_fd(fd, events, timeout_ns);
    return r < 0 ? r : 0;
}

/* Make fd non-blocking if a green thread will use it.  0 or -errno. */
static int prepare(int fd)
{
    if (!green__current())
        return 0;
    return green__fd_make_nonblocking(green__hub, fd);
}

GREEN_EXPORT ssize_t green_read(int fd, void *buf, size_t len,
                                int64_t timeout_ns)
{
    int r = prepare(fd);
    if (r < 0)
        return fail(r);
    for (;;) {
        ssize_t n = green__real.read(fd, buf, len);
        if (n >= 0 || !would_block())
            return n;
        if ((r = await(fd, GREEN_READ, timeout_ns)) < 0)
            return fail(r);
    }
}

GREEN_EXPORT ssize_t green_write(int fd, const void *buf, size_t len,
                                 int64_t timeout_ns)
{
    int r = prepare(fd);
    if (r < 0)
        return fail(r);
    for (;;) {
        ssize_t n = green__real.write(fd, buf, len);
        if (n >= 0 || !would_block())
            return n;
        if ((r = await(fd, GREEN_WRITE, timeout_ns)) < 0)
            return fail(r);
    }
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

GREEN_EXPORT ssize_t green_recv(int fd, void *buf, size_t len, int flags,
                                int64_t timeout_ns)
{
    for (;;) {
        ssize_t n = green__real.recv(fd, buf, len, flags | MSG_DONTWAIT);
        if (n >= 0 || !would_block() || (flags & MSG_DONTWAIT))
            return n;
        int r = await(fd, GREEN_READ, timeout_ns);
        if (r < 0)
            return fail(r);
    }
}

GREEN_EXPORT ssize_t green_send(int fd, const void *buf, size_t len, int flags,
                                int64_t timeout_ns)
{
    for (;;) {
        ssize_t n = green__real.send(fd, buf, len, flags | MSG_DONTWAIT);
        if (n >= 0 || !would_block() || (flags & MSG_DONTWAIT))
            return n;
        int r = await(fd, GREEN_WRITE, timeout_ns);
        if (r < 0)
            return fail(r);
    }
}

GREEN_EXPORT int green_accept(int fd, struct sockaddr *addr, socklen_t *addrlen,
                              int64_t timeout_ns)
{
    int r = prepare(fd);
    if (r < 0)
        return (int)fail(r);
    for (;;) {
        int c = green__real.accept4(fd, addr, addrlen, SOCK_NONBLOCK);
        if (c >= 0) {
            struct green__hub *h = green__hub;
            if (h)
                green__fd_forget(h, c); /* a new file under an old number */
            struct green__fd_entry *e = h ? green__fd_entry(h, c) : NULL;
            if (e)
                e->nonblock_known = 1;
            return c;
        }
        if (!would_block())
            return -1;
        if ((r = await(fd, GREEN_READ, timeout_ns)) < 0)
            return (int)fail(r);
    }
}

/* The outcome of a connect that returned EINPROGRESS. */
static int finish_connect(int fd, int64_t timeout_ns)
{
    int err = 0;
    socklen_t len = sizeof err;
    int r = await(fd, GREEN_WRITE, timeout_ns);
    if (r < 0)
        return (int)fail(r);
    if (green__real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    return err ? (int)fail(-err) : 0;
}

GREEN_EXPORT int green_connect(int fd, const struct sockaddr *addr,
                               socklen_t addrlen, int64_t timeout_ns)
{
    int r = prepare(fd);
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
