/* io.c - read, write, readv, writev. */
#include <stdlib.h>
#include <string.h>

#include "hook.h"

struct buffer {
    void *buf;
    size_t len;
};

static ssize_t try_read(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return real()->read(fd, b->buf, b->len);
}

static ssize_t try_recv(int fd, void *ctx)
{
    struct buffer *b = ctx;
    return real()->recv(fd, b->buf, b->len, MSG_DONTWAIT);
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
    int socket = e->kind == GREEN__FD_SOCKET;
    return hook__until_ready(h, fd, e, GREEN_READ, !socket,
                             socket ? try_recv : try_read, &b);
}

HOOK ssize_t write(int fd, const void *buf, size_t len)
{
    struct green__hub *h = hook__file_pool(fd);
    if (h)
        return hook__file_call(h, HOOK__WRITE, fd, (void *)buf, len, 0);
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    if (!e || len == 0)
        return real()->write(fd, buf, len);
    return hook__write_all(h, fd, e, buf, len, 0);
}

struct vector {
    const struct iovec *iov;
    int n;
};

static ssize_t try_readv(int fd, void *ctx)
{
    struct vector *v = ctx;
    return real()->readv(fd, v->iov, v->n);
}

static ssize_t try_recvmsg(int fd, void *ctx)
{
    struct vector *v = ctx;
    struct msghdr msg = {.msg_iov = (struct iovec *)v->iov,
                         .msg_iovlen = (size_t)v->n};
    return real()->recvmsg(fd, &msg, MSG_DONTWAIT);
}

HOOK ssize_t readv(int fd, const struct iovec *iov, int n)
{
    struct green__hub *h;
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    if (!e)
        return real()->readv(fd, iov, n);
    struct vector v = {iov, n};
    int socket = e->kind == GREEN__FD_SOCKET;
    return hook__until_ready(h, fd, e, GREEN_READ, !socket,
                             socket ? try_recvmsg : try_readv, &v);
}

/* A blocking writev writes everything: one piece after another. */
HOOK ssize_t writev(int fd, const struct iovec *iov, int n)
{
    struct green__hub *h;
    struct green__fd_entry *e = hook__blocking_fd(fd, &h);
    if (!e)
        return real()->writev(fd, iov, n);
    ssize_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].iov_len == 0)
            continue;
        ssize_t w =
            hook__write_all(h, fd, e, iov[i].iov_base, iov[i].iov_len, 0);
        if (w < 0)
            return total ? total : -1;
        total += w;
        if ((size_t)w < iov[i].iov_len)
            break;
    }
    return total;
}
