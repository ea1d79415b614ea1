/*
 * io_retry.h - a call on a descriptor that must not block, made until it
 * can be: what the descriptor is, and the loop that tries, waits for
 * readiness and tries again (io_retry.c).  The explicit API (api_io.c) and
 * the preload's hooks (hooks/blocking.c) run the same loop.
 */
#ifndef GREEN_IO_RETRY_H
#define GREEN_IO_RETRY_H

#include "fd.h"

/* One try of a call that must not block: its result (>= 0), or -errno;
 * -EAGAIN when it would have had to wait.  It may change errno. */
typedef ssize_t (*green__attempt_fn)(int fd, void *ctx);

/* A libc call's result in the core's convention: itself, or -errno. */
static inline ssize_t green__syscall_result(ssize_t r)
{
    return r < 0 ? -errno : r;
}

/* Learn what fd is (socket, other pollable fd, regular file) and whether
 * it is in O_NONBLOCK mode, into its entry.  0, or -errno if fd is not
 * open.  errno is kept. */
int green__fd_learn(struct green__fd_entry *e, int fd);

/*
 * Try; while the try would block, wait until fd is ready for events
 * (GREEN_READ or GREEN_WRITE) and try again.  Each wait lasts at most
 * timeout_ns (< 0: no limit).  h is the caller's hub if it is a green
 * thread, which then parks while it waits; NULL: the caller is not one,
 * and waits in poll.  Returns the try's result (>= 0 or -errno) or the
 * failed wait's -errno (-ETIMEDOUT, -EBADF: closed meanwhile, -EINTR,
 * -ECANCELED, -ENOMEM); *wait_error (if not NULL) tells which: the wait's
 * -errno, or 0.  errno is kept.  A green thread's call that ends with its
 * try's result counts towards fairness (yield.h): one that never has to
 * wait yields now and then.
 */
ssize_t green__until_ready(struct green__hub *h, int fd, int events,
                           int64_t timeout_ns, green__attempt_fn attempt,
                           void *ctx, int *wait_error);

#endif
