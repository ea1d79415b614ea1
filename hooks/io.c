/* io.c - read, write, readv, writev. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"
#include "hook.h"

struct buffer {
    void *buf;
    size_t len;
};

static ssize_t try_recv(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return green__syscall_result(
        real()->recv(fd, b->buf, b->len, MSG_DONTWAIT));
}

HOOK ssize_t read(int fd, void *buf, size_t len)
{
    struct green__hub *h = hook__file_pool(fd);
    if (h)
        return hook__file_call(h, HOOK__READ, fd, buf, len, 0);
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    if (!e || len == 0)
        return real()->read(fd, buf, len);
    struct buffer b = {buf, len};
    struct iovec v = {buf, len};
    ssize_t r = e->kind == GREEN__FD_SOCKET
                    ? hook__until_ready(h, fd, e, GREEN_READ, try_recv, &b)
                    : hook__stream_call(h, fd, e, GREEN_READ, &v, 1);
    return r < 0 && hook__stale_socket(e) ? read(fd, buf, len) : r;
}

HOOK ssize_t write(int fd, const void *buf, size_t len)
{
    struct green__hub *h = hook__file_pool(fd);
    if (h)
        return hook__file_call(h, HOOK__WRITE, fd, (void *)buf, len, 0);
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    if (!e || len == 0)
        return real()->write(fd, buf, len);
    ssize_t r = hook__write_all(h, fd, e, buf, len, 0);
    return r < 0 && hook__stale_socket(e) ? write(fd, buf, len) : r;
}

struct vector {
    const struct iovec *iov;
    int n;
};

static ssize_t try_recvmsg(int fd, void *ctx)
{
    struct vector *v = ctx;
    struct msghdr msg = {.msg_iov = (struct iovec *)v->iov,
                         .msg_iovlen = (size_t)v->n};
    return green__syscall_result(real()->recvmsg(fd, &msg, MSG_DONTWAIT));
}

HOOK ssize_t readv(int fd, const struct iovec *iov, int n)
{
    struct green__hub *h;
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    if (!e)
        return real()->readv(fd, iov, n);
    struct vector v = {iov, n};
    ssize_t r = e->kind == GREEN__FD_SOCKET
                    ? hook__until_ready(h, fd, e, GREEN_READ, try_recvmsg, &v)
                    : hook__stream_call(h, fd, e, GREEN_READ, iov, n);
    return r < 0 && hook__stale_socket(e) ? readv(fd, iov, n) : r;
}

/*
 * A blocking writev writes everything, and as one call: a datagram or
 * SOCK_SEQPACKET socket gets one message, and a pipe write of at most
 * PIPE_BUF bytes stays atomic.  The whole vector is tried first (sendmsg
 * on sockets, hook__stream_call elsewhere); only a stream socket can
 * take part of it, and the rest follows in further calls, as the kernel
 * would send it.  A pipe that must wait for room gets pieces of PIPE_BUF
 * bytes, each of which a ready pipe takes without blocking.
 */

/* How far into a vector the written bytes reach. */
struct cursor {
    const struct iovec *iov;
    int n, i;
    size_t off; /* into iov[i] */
};

static void advance(struct cursor *c, size_t bytes)
{
    while (c->i < c->n && bytes >= c->iov[c->i].iov_len - c->off) {
        bytes -= c->iov[c->i].iov_len - c->off;
        c->i++;
        c->off = 0;
    }
    c->off += bytes;
}

/* Up to max entries and limit bytes from the cursor on, copied into out
 * (the program's vector is const).  Returns how many entries. */
static int window(const struct cursor *c, struct iovec *out, int max,
                  size_t limit)
{
    int k = 0;
    for (int i = c->i; i < c->n && k < max && limit > 0; i++) {
        size_t skip = i == c->i ? c->off : 0;
        size_t len = c->iov[i].iov_len - skip;
        if (len > limit)
            len = limit;
        out[k].iov_base = (char *)c->iov[i].iov_base + skip;
        out[k++].iov_len = len;
        limit -= len;
    }
    return k;
}

static ssize_t try_sendmsg(int fd, void *ctx)
{
    struct vector *v = ctx;
    struct msghdr msg = {.msg_iov = (struct iovec *)v->iov,
                         .msg_iovlen = (size_t)v->n};
    return green__syscall_result(real()->sendmsg(fd, &msg, MSG_DONTWAIT));
}

/* The bytes of a vector, or -1 if the kernel would refuse it (it then
 * fails without waiting, and the real writev says why). */
static ssize_t vector_bytes(const struct iovec *iov, int n)
{
    size_t total = 0;
    if (n < 0 || n > IOV_MAX)
        return -1;
    for (int i = 0; i < n; i++) {
        if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
            return -1;
        total += iov[i].iov_len;
    }
    return (ssize_t)total;
}

#define WINDOW 64

HOOK ssize_t writev(int fd, const struct iovec *iov, int n)
{
    struct green__hub *h;
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    ssize_t total = e ? vector_bytes(iov, n) : -1;
    int socket = e && e->kind == GREEN__FD_SOCKET;
    /* Nothing to write does not wait for room in a pipe either. */
    if (total < 0 || (total == 0 && !socket))
        return real()->writev(fd, iov, n);
    struct cursor c = {iov, n, 0, 0};
    struct iovec part[WINDOW];
    struct vector v = {iov, n};
    size_t done = 0;
    for (;;) {
        if (!socket && total - (ssize_t)done > PIPE_BUF) {
            v.n = window(&c, part, WINDOW, PIPE_BUF);
            v.iov = part;
        }
        ssize_t w =
            socket ? hook__until_ready(h, fd, e, GREEN_WRITE, try_sendmsg, &v)
                   : hook__stream_call(h, fd, e, GREEN_WRITE, v.iov, v.n);
        if (w < 0 && !done && hook__stale_socket(e))
            return writev(fd, iov, n);
        if (w < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)w;
        if (w == 0 || done >= (size_t)total)
            return (ssize_t)done;
        advance(&c, (size_t)w);
        v.n = window(&c, part, WINDOW, (size_t)SSIZE_MAX);
        v.iov = part;
    }
}
