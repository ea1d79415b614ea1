/*
 * fd.c - descriptor bookkeeping: creation, flags, timeouts, close.
 *
 * The hooks never change a descriptor's flags for longer than one call, so
 * F_GETFL always shows what the program set and nothing is left behind on
 * a shared tty or pipe.  What we track is a cache: the program's
 * O_NONBLOCK, its SO_RCVTIMEO/SO_SNDTIMEO, and the fd's kind, learnt on
 * first use and refreshed when the program changes them.
 *
 * A cache keyed by number goes stale when the number is freed and handed
 * out again: a read routed to recv would fail with ENOTSOCK, a number
 * remembered as non-blocking or as a regular file would be passed through
 * and block the OS thread, an old SO_RCVTIMEO would time out a new socket.
 * Checking the cache on every call would cost a system call each time, and
 * hooking every call that makes a descriptor (open, eventfd, timerfd,
 * memfd, signalfd, inotify, SCM_RIGHTS...) would never be complete.  A
 * number, though, can only be reused once it was freed, and there are few
 * ways to free one: so the entry is forgotten wherever a number is freed
 * or replaced, and learnt again on its next use.
 *
 *   - close, close_range, closefrom, closedir, fclose, and dup2 and dup3
 *     onto a number in use, here;
 *   - the same calls made as raw system calls, through syscall() or
 *     caught by the syscall trap (glibc's closedir, fclose and closefrom
 *     close inside libc): hook__green_syscall sends them here;
 *   - the calls that make descriptors the hooks do see (socket, accept,
 *     pipe, dup...) forget once more, which costs nothing.
 *
 * What is left is a number freed where neither a hook nor the trap looks:
 * a raw close with the trap off (GREENRUN_TLS=shared) made below libc,
 * io_uring's close, another process's pidfd_getfd.  For that, the one
 * mistake that would fail a call is caught where it shows: a socket call
 * that meets a non-socket (ENOTSOCK) relearns the kind and is made again
 * as the plain call (blocking.c).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "fd.h"
#include "hook.h"

/* The entry for fd if there is a hub on this OS thread (no learning). */
static struct green__fd_entry *entry_of(int fd)
{
    struct green__hub *h = green__hub;
    return h && green__current() ? green__fd_entry(h, fd) : NULL;
}

HOOK int socket(int domain, int type, int protocol)
{
    int fd = real()->socket(domain, type, protocol);
    hook__fd_created(fd);
    return fd;
}

HOOK int socketpair(int domain, int type, int protocol, int sv[2])
{
    int r = real()->socketpair(domain, type, protocol, sv);
    if (r == 0) {
        hook__fd_created(sv[0]);
        hook__fd_created(sv[1]);
    }
    return r;
}

HOOK int pipe2(int fds[2], int flags)
{
    int r = real()->pipe2(fds, flags);
    if (r == 0) {
        hook__fd_created(fds[0]);
        hook__fd_created(fds[1]);
    }
    return r;
}

HOOK int pipe(int fds[2])
{
    return pipe2(fds, 0);
}

HOOK int dup(int fd)
{
    int r = real()->dup(fd);
    hook__fd_created(r);
    return r;
}

/* dup2 and dup3 close fd2 first: its waiters must wake with EBADF. */
HOOK int dup3(int fd, int fd2, int flags)
{
    int r = real()->dup3(fd, fd2, flags);
    hook__fd_created(r);
    return r;
}

HOOK int dup2(int fd, int fd2)
{
    int r = real()->dup2(fd, fd2);
    if (r >= 0 && fd != fd2)
        hook__fd_created(r);
    return r;
}

static void note_nonblock(int fd, int on)
{
    struct green__fd_entry *e = entry_of(fd);
    if (e && e->kind != GREEN__FD_UNKNOWN)
        e->user_nonblock = on != 0;
}

HOOK int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int r = real()->fcntl(fd, cmd, arg);
    if (r >= 0 && cmd == F_SETFL)
        note_nonblock(fd, (int)(long)arg & O_NONBLOCK);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        hook__fd_created(r);
    return r;
}

HOOK int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

HOOK int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    int r = real()->ioctl(fd, request, arg);
    if (r == 0 && request == FIONBIO && arg)
        note_nonblock(fd, *(int *)arg);
    return r;
}

HOOK int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    int r = real()->setsockopt(fd, level, name, val, len);
    struct green__fd_entry *e;
    if (r < 0 || level != SOL_SOCKET || len < sizeof(struct timeval) ||
        (name != SO_RCVTIMEO && name != SO_SNDTIMEO) || !(e = entry_of(fd)))
        return r;
    const struct timeval *tv = val;
    int64_t ns = hook__ns(tv->tv_sec, (long long)tv->tv_usec * 1000);
    if (name == SO_RCVTIMEO)
        e->rcvtimeo_ns = ns;
    else
        e->sndtimeo_ns = ns;
    return r;
}

/* Threads waiting on fd whose wait the kernel has already answered (a
 * shutdown, data that arrived) finish their call before the close, as they
 * would have natively; the rest wake with EBADF.  Those of other workers
 * run on their own OS threads: the close waits for them (50 ms at most,
 * for one that found nothing to do after all and waits again). */
static void let_ready_waiters_finish(struct green__hub *h, int fd)
{
    struct green__fd_entry *e = green__fd_entry(h, fd);
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    struct green *g;
    int saved_errno = errno, n = 0, elsewhere = h->world->multi;
    unsigned seen = hook__handlers_run;
    if (e && (e->waiters.head || elsewhere))
        do
            n = real()->poll(&p, 1, 0);
        while (hook__own_eintr(n, seen));
    if (n <= 0) {
        errno = saved_errno;
        return;
    }
    green__lock();
    while ((g = e->waiters.head))
        green__wake(g, GREEN_READ | GREEN_WRITE);
    green__unlock();
    green_yield();
    if (!elsewhere)
        return;
    green__fd_wake_elsewhere(h, fd, GREEN_READ | GREEN_WRITE);
    for (int i = 0; i < 200 && green__fd_busy_elsewhere(h, fd); i++)
        green_sleep(250000);
    errno = saved_errno;
}

HOOK int close(int fd)
{
    struct green__hub *h = green__hub;
    if (h && green__current())
        let_ready_waiters_finish(h, fd);
    if (h)
        green__fd_forget(h, fd);
    return real()->close(fd);
}

/* stdio closes its fd inside glibc, where close is not interposed. */
HOOK int fclose(FILE *stream)
{
    struct green__hub *h = green__hub;
    int fd = stream ? fileno(stream) : -1;
    if (h && fd >= 0)
        green__fd_forget(h, fd);
    return real()->fclose(stream);
}

HOOK int close_range(unsigned first, unsigned last, int flags)
{
    struct green__hub *h = green__hub;
    if (h && !(flags & CLOSE_RANGE_CLOEXEC))
        green__fd_forget_range(h, first, last);
    return real()->close_range(first, last, flags);
}

/* glibc's closefrom calls close_range inside libc. */
HOOK void closefrom(int lowest)
{
    struct green__hub *h = green__hub;
    if (h && lowest >= 0)
        green__fd_forget_range(h, (unsigned)lowest, UINT_MAX);
    real()->closefrom(lowest);
}

/* closedir's dir is declared nonnull, but glibc answers NULL with EINVAL:
 * the test lives out of the compiler's sight. */
__attribute__((noinline)) static int fd_of_dir(DIR *dir)
{
    return dir ? dirfd(dir) : -1;
}

/* closedir closes its fd inside glibc too. */
HOOK int closedir(DIR *dir)
{
    struct green__hub *h = green__hub;
    int fd = fd_of_dir(dir);
    if (h && fd >= 0)
        green__fd_forget(h, fd);
    return real()->closedir(dir);
}
