/* socket.c - recv*, send*, accept, accept4, connect, sendfile. */
#include <fcntl.h>
#include <sys/sendfile.h>

#include "fd.h"
#include "hook.h"

struct message {
    void *buf;
    size_t len;
    int flags;
    struct sockaddr *addr;
    socklen_t *alen;
    struct msghdr *msg;
};

static ssize_t try_recvfrom(int fd, void *ctx)
{
    struct message *m = ctx;
    return green__syscall_result(real()->recvfrom(
        fd, m->buf, m->len, m->flags | MSG_DONTWAIT, m->addr, m->alen));
}

static ssize_t try_recvmsg(int fd, void *ctx)
{
    struct message *m = ctx;
    return green__syscall_result(
        real()->recvmsg(fd, m->msg, m->flags | MSG_DONTWAIT));
}

static ssize_t try_sendmsg(int fd, void *ctx)
{
    struct message *m = ctx;
    return green__syscall_result(
        real()->sendmsg(fd, m->msg, m->flags | MSG_DONTWAIT));
}

/* The fd's entry if a socket call on it should go green.  A call that
 * already asks not to wait passes through. */
static struct green__fd_entry *blocking_socket(int fd, int flags,
                                               struct green__hub **h)
{
    if (flags & MSG_DONTWAIT)
        return NULL;
    struct green__fd_entry *e = hook__blocking_fd(fd, h);
    return e && e->kind == GREEN__FD_SOCKET ? e : NULL;
}

/* recv with MSG_WAITALL blocks until len bytes, EOF or an error. */
static ssize_t recv_all(struct green__hub *h, int fd, struct green__fd_entry *e,
                        struct message *m)
{
    size_t done = 0;
    struct message part = *m;
    part.flags &= ~MSG_WAITALL;
    do {
        part.buf = (char *)m->buf + done;
        part.len = m->len - done;
        ssize_t n =
            hook__until_ready(h, fd, e, GREEN_READ, try_recvfrom, &part);
        if (n < 0)
            return done ? (ssize_t)done : -1;
        if (n == 0)
            break;
        done += (size_t)n;
    } while (done < m->len && !(m->flags & MSG_PEEK));
    return (ssize_t)done;
}

HOOK ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
                      struct sockaddr *addr, socklen_t *alen)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, flags, &h);
    if (!e || len == 0)
        return real()->recvfrom(fd, buf, len, flags, addr, alen);
    struct message m = {buf, len, flags, addr, alen, NULL};
    if (flags & MSG_WAITALL)
        return recv_all(h, fd, e, &m);
    return hook__until_ready(h, fd, e, GREEN_READ, try_recvfrom, &m);
}

HOOK ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    return recvfrom(fd, buf, len, flags, NULL, NULL);
}

HOOK ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, flags, &h);
    if (!e)
        return real()->recvmsg(fd, msg, flags);
    struct message m = {.flags = flags, .msg = msg};
    return hook__until_ready(h, fd, e, GREEN_READ, try_recvmsg, &m);
}

HOOK ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, flags, &h);
    if (!e || len == 0)
        return real()->send(fd, buf, len, flags);
    return hook__write_all(h, fd, e, buf, len, flags);
}

HOOK ssize_t sendto(int fd, const void *buf, size_t len, int flags,
                    const struct sockaddr *addr, socklen_t alen)
{
    if (!addr)
        return send(fd, buf, len, flags);
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, flags, &h);
    if (!e)
        return real()->sendto(fd, buf, len, flags, addr, alen);
    struct msghdr msg = {.msg_name = (void *)addr, .msg_namelen = alen};
    struct iovec iov = {(void *)buf, len};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    struct message m = {.flags = flags, .msg = &msg};
    return hook__until_ready(h, fd, e, GREEN_WRITE, try_sendmsg, &m);
}

/* Datagrams and ancillary data go in one piece; a stream's partial send
 * is returned as is (as a blocking sendmsg interrupted by a signal). */
HOOK ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, flags, &h);
    if (!e)
        return real()->sendmsg(fd, msg, flags);
    struct message m = {.flags = flags, .msg = (struct msghdr *)msg};
    return hook__until_ready(h, fd, e, GREEN_WRITE, try_sendmsg, &m);
}

struct accepting {
    struct green__hub *h;
    struct sockaddr *addr;
    socklen_t *alen;
    int flags;
};

static ssize_t try_accept(int fd, void *ctx)
{
    struct accepting *a = ctx;
    if (!hook__ready_now(fd, GREEN_READ))
        return -EAGAIN;
    return green__syscall_result(
        hook__accept_nowait(a->h, fd, a->addr, a->alen, a->flags));
}

/* Ask for readiness first, then accept without waiting (nowait.c): in a
 * listener shared with other processes, another may have taken the
 * connection in between. */
HOOK int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, 0, &h);
    int c;
    if (!e) {
        c = real()->accept4(fd, addr, alen, flags);
    } else {
        struct accepting a = {h, addr, alen, flags};
        c = (int)hook__until_ready(h, fd, e, GREEN_READ, try_accept, &a);
    }
    hook__fd_created(c);
    return c;
}

HOOK int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
    return accept4(fd, addr, alen, 0);
}

HOOK int connect(int fd, const struct sockaddr *addr, socklen_t alen)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(fd, 0, &h);
    if (!e)
        return real()->connect(fd, addr, alen);
    int r;
    while ((r = hook__connect_nowait(h, fd, addr, alen)) < 0 &&
           errno == EAGAIN) {
        /* A unix socket's listener has a full backlog: wait, retry. */
        int w = green__wait_fd(h, fd, GREEN_WRITE, -1);
        if (w == -ECANCELED)
            hook__cancelled(); /* connect is a cancellation point */
        if (w < 0)
            return (int)hook__fail(w);
    }
    if (r == 0 || errno != EINPROGRESS)
        return r;
    int64_t timeout = e->sndtimeo_ns > 0 ? e->sndtimeo_ns : -1;
    int w = green__wait_fd(h, fd, GREEN_WRITE, timeout);
    if (w == -ECANCELED)
        hook__cancelled(); /* the connection goes on, as natively */
    if (w < 0)
        return (int)hook__fail(w == -ETIMEDOUT ? -EINPROGRESS : w);
    int err = 0;
    socklen_t len = sizeof err;
    if (real()->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    return err ? (int)hook__fail(-err) : 0;
}

struct file_copy {
    int in;
    off_t *offset;
    size_t count;
};

/* sendfile has no per-call non-blocking form (io_uring's splice runs on a
 * kernel worker): O_NONBLOCK for the length of one call, which another
 * process sharing the socket could see.  The README says so. */
static ssize_t try_sendfile(int fd, void *ctx)
{
    struct file_copy *c = ctx;
    int flags = real()->fcntl(fd, F_GETFL);
    if (flags < 0 || real()->fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    ssize_t n =
        green__syscall_result(real()->sendfile(fd, c->in, c->offset, c->count));
    real()->fcntl(fd, F_SETFL, flags);
    return n;
}

/* To a socket: whatever fits now, then wait, until all is sent. */
HOOK ssize_t sendfile(int out, int in, off_t *offset, size_t count)
{
    struct green__hub *h;
    struct green__fd_entry *e = blocking_socket(out, 0, &h);
    if (!e)
        return real()->sendfile(out, in, offset, count);
    size_t done = 0;
    while (done < count) {
        struct file_copy c = {in, offset, count - done};
        ssize_t n = hook__until_ready(h, out, e, GREEN_WRITE, try_sendfile, &c);
        if (n <= 0)
            return done ? (ssize_t)done : n;
        done += (size_t)n;
    }
    return (ssize_t)done;
}
