/*
 * io_retry.c - the one loop of every call that must look blocking: try
 * without blocking, and while the kernel answers EAGAIN, wait for
 * readiness and try again.
 *
 * How a try avoids blocking is the caller's business, because it depends
 * on what the fd is: a socket takes MSG_DONTWAIT per call, which changes
 * no flag; a pipe, a tty or an eventfd does not, and is made O_NONBLOCK
 * (the explicit API, as green.h says) or asked for readiness first (the
 * hooks, which must not change flags that other processes share).  So
 * what an fd is gets learnt once, here, into the hub's entry for it, and
 * kept until the fd is forgotten (closed, reused).
 *
 * The loop returns the core's -errno and keeps errno: a call that waited
 * and then succeeded leaves errno as it found it, as the system call it
 * stands for would.  The API and the hooks convert at their own boundary
 * (api_io.c, hooks/blocking.c), each to its own rules: a timeout is
 * ETIMEDOUT in the API and EAGAIN under SO_RCVTIMEO; a cancellation ends
 * a preloaded thread.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "io_retry.h"
#include "real.h"
#include "yield.h"

static enum green__fd_kind kind_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return GREEN__FD_UNKNOWN;
    if (S_ISSOCK(st.st_mode))
        return GREEN__FD_SOCKET;
    if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode))
        return GREEN__FD_FILE;
    return GREEN__FD_STREAM; /* fifo, tty, eventfd, timerfd, epoll... */
}

int green__fd_learn(struct green__fd_entry *e, int fd)
{
    int saved_errno = errno;
    e->kind = kind_of(fd);
    int flags = green__real.fcntl(fd, F_GETFL);
    int r = flags < 0 ? -errno : 0;
    errno = saved_errno;
    if (e->kind == GREEN__FD_UNKNOWN || flags < 0) {
        e->kind = GREEN__FD_UNKNOWN;
        return r < 0 ? r : -EBADF;
    }
    e->user_nonblock = (flags & O_NONBLOCK) != 0;
    return 0;
}

/* Wait for fd: parked if the caller is a green thread, else in poll. */
static int wait_ready(struct green__hub *h, int fd, int events,
                      int64_t timeout_ns)
{
    if (h)
        return green__wait_fd(h, fd, events, timeout_ns);
    return green_wait_fd(fd, events, timeout_ns);
}

ssize_t green__until_ready(struct green__hub *h, int fd, int events,
                           int64_t timeout_ns, green__attempt_fn attempt,
                           void *ctx, int *wait_error)
{
    int saved_errno = errno;
    ssize_t r;
    int w = 0;
    /* EWOULDBLOCK is EAGAIN on Linux. */
    while ((r = attempt(fd, ctx)) == -EAGAIN) {
        if ((w = wait_ready(h, fd, events, timeout_ns)) < 0) {
            r = w;
            break;
        }
        w = 0;
    }
    if (h && w == 0)
        green__call_done(h);
    if (wait_error)
        *wait_error = w;
    errno = saved_errno;
    return r;
}
