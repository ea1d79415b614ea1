/*
 * file.c - pread, pwrite, fsync, fdatasync, and regular-file calls on the
 * offload pool.
 *
 * epoll cannot wait on a regular file: the kernel calls it always ready,
 * and a read that misses the page cache, or an fsync, sleeps in the kernel
 * however the descriptor is set.  By default such calls pass straight
 * through, which is right for the common case of a local disk and a warm
 * cache, and blocks every green thread on a slow or network disk.  With
 * GREENRUN_FILE_POOL=1, read, write, pread, pwrite, fsync and fdatasync on
 * a regular file or block device, made by a green thread that may park,
 * run on the offload pool (sched/offload.c) instead; read and write reach
 * here from io.c.  Each call then costs a round trip to another OS thread,
 * even when the data is cached: hence a setting rather than the default.
 *
 * The pool thread makes the very call the program asked for, on the same
 * descriptor, so offsets, O_APPEND and partial transfers are the kernel's,
 * as natively.  errno comes back only when the call failed: a call that
 * succeeds leaves the caller's errno alone, as natively.
 */
#include <unistd.h>

#include "hook.h"
#include "offload.h"

struct file_call {
    enum hook__file_op op;
    int fd;
    void *buf;
    size_t len;
    off_t offset;
    ssize_t result;
    int err;
};

static void run(void *arg)
{
    struct file_call *c = arg;
    switch (c->op) {
    case HOOK__READ:
        c->result = real()->read(c->fd, c->buf, c->len);
        break;
    case HOOK__WRITE:
        c->result = real()->write(c->fd, c->buf, c->len);
        break;
    case HOOK__PREAD:
        c->result = real()->pread(c->fd, c->buf, c->len, c->offset);
        break;
    case HOOK__PWRITE:
        c->result = real()->pwrite(c->fd, c->buf, c->len, c->offset);
        break;
    case HOOK__FSYNC:
        c->result = real()->fsync(c->fd);
        break;
    case HOOK__FDATASYNC:
        c->result = real()->fdatasync(c->fd);
        break;
    }
    c->err = errno;
}

ssize_t hook__file_call(struct green__hub *h, enum hook__file_op op, int fd,
                        void *buf, size_t len, off_t offset)
{
    struct file_call c = {op, fd, buf, len, offset, 0, 0};
    int saved_errno = errno;
    /* No worker to be had: block here, as without the pool. */
    if (green__offload(h, run, &c) < 0)
        run(&c);
    errno = c.result < 0 ? c.err : saved_errno;
    return c.result;
}

HOOK ssize_t pread(int fd, void *buf, size_t len, off_t offset)
{
    struct green__hub *h = hook__file_pool(fd);
    if (!h)
        return real()->pread(fd, buf, len, offset);
    return hook__file_call(h, HOOK__PREAD, fd, buf, len, offset);
}

HOOK ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    struct green__hub *h = hook__file_pool(fd);
    if (!h)
        return real()->pwrite(fd, buf, len, offset);
    return hook__file_call(h, HOOK__PWRITE, fd, (void *)buf, len, offset);
}

/* off64_t is off_t on x86-64: glibc makes the *64 names aliases too. */
HOOK ssize_t pread64(int fd, void *buf, size_t len, off64_t offset)
    __attribute__((alias("pread")));
HOOK ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t offset)
    __attribute__((alias("pwrite")));

HOOK int fsync(int fd)
{
    struct green__hub *h = hook__file_pool(fd);
    if (!h)
        return real()->fsync(fd);
    return (int)hook__file_call(h, HOOK__FSYNC, fd, NULL, 0, 0);
}

HOOK int fdatasync(int fd)
{
    struct green__hub *h = hook__file_pool(fd);
    if (!h)
        return real()->fdatasync(fd);
    return (int)hook__file_call(h, HOOK__FDATASYNC, fd, NULL, 0, 0);
}
