/*
 * hook.h - what the interposed functions share.
 *
 * A hook decides "green or pass through", translates libc semantics into
 * core calls and sets errno.  It passes through unless the caller is a green
 * thread (not libev, not the hub, not a native helper thread, not before the
 * constructor) and, for a call that would block, unless another green
 * thread exists that could run meanwhile: a lone thread (of the only
 * hub) blocks in the kernel exactly as it would natively.
 */
#ifndef GREEN_HOOK_H
#define GREEN_HOOK_H

#include "hub.h"
#include "io_retry.h"
#include "real.h"
#include "world.h"
#include "shim.h"

#define HOOK __attribute__((visibility("default")))

/* The hooks' shared helpers run only inside a hook, whose own entry and
 * exit the syscall trap already follows (-finstrument-functions): they
 * need not report theirs, and the hot path saves two calls each. */
#define HOOK_HELPER __attribute__((no_instrument_function))

/* A helper too: inlined into a hook, it would otherwise report an entry
 * and exit of its own on every call. */
HOOK_HELPER static inline struct green__real_fns *real(void)
{
    return green__real_ready();
}

/* Whether a green thread could run while the caller waits: another one of
 * its hub, or, with several workers, one of another hub that may need to
 * wake or cancel it (so no thread may block its OS thread then). */
HOOK_HELPER static inline int hook__others_may_run(const struct green__hub *h)
{
    return h->live > 1 || h->runq_head || h->world->multi;
}

/* errno = -negative_errno; returns -1 (musl's __syscall_ret). */
HOOK_HELPER long hook__fail(int negative_errno);

/* How many times a program's signal handler has run (signal.c's wrapper
 * counts them). */
extern volatile unsigned hook__handlers_run;

/* Whether a call that returned r, with seen the count when it began, was
 * ended with EINTR by greenrun's own signals alone (a preemption tick, a
 * dump request): no program handler ran, so natively nothing would have
 * ended it, and the call is made again.  The kernel ends even a call that
 * does not wait (poll, select with a zero timeout) when a signal is
 * pending. */
static inline int hook__own_eintr(long r, unsigned seen)
{
    return r < 0 && errno == EINTR && hook__handlers_run == seen;
}

/* The hub if the caller is a green thread that may park, else NULL.  Also
 * notes the calling hook for the monitor: call it from hooks only. */
HOOK_HELPER struct green__hub *hook__parkable(void) __attribute__((noinline));

/* The entry of an fd whose blocking call should go green: the caller may
 * park, the fd is pollable, and the program did not make it non-blocking.
 * NULL: pass the call through. */
HOOK_HELPER struct green__fd_entry *hook__blocking_fd(int fd,
                                                      struct green__hub **hub);

/* A socket call made because e said "socket" failed: if with ENOTSOCK, the
 * entry outlived its file (a close no hook saw); mark it to be learnt again
 * and return 1, and the caller makes its call again. */
HOOK_HELPER int hook__stale_socket(struct green__fd_entry *e);

/* A new fd was created: forget whatever a missed close left behind. */
HOOK_HELPER void hook__fd_created(int fd);

/* The hub if a call on fd should run on the offload pool: GREENRUN_FILE_POOL
 * is on, the caller may park and fd is a regular file or block device.
 * NULL: go on as without the pool. */
HOOK_HELPER struct green__hub *hook__file_pool(int fd);

enum hook__file_op {
    HOOK__READ,
    HOOK__WRITE,
    HOOK__PREAD,
    HOOK__PWRITE,
    HOOK__FSYNC,
    HOOK__FDATASYNC
};

/* Make one call on a regular file on the offload pool (file.c); returns
 * and sets errno as the call would. */
HOOK_HELPER ssize_t hook__file_call(struct green__hub *h, enum hook__file_op op,
                                    int fd, void *buf, size_t len,
                                    off_t offset);

/* One try of a call that must not block: >= 0, or -errno (-EAGAIN: it
 * would have had to wait), as the core's loop takes it
 * (sched/io_retry.h). */
typedef green__attempt_fn hook__attempt_fn;
/* One readv (events GREEN_READ) or writev (GREEN_WRITE) of a pollable fd
 * that is not a socket, parking until it can be made without blocking
 * (blocking.c says how). */
HOOK_HELPER ssize_t hook__stream_call(struct green__hub *h, int fd,
                                      struct green__fd_entry *e, int events,
                                      const struct iovec *iov, int n);

/* Try, park until fd is ready for events, try again (the core's loop);
 * returns like the libc call and sets errno.  A SO_RCVTIMEO/SO_SNDTIMEO
 * timeout fails with EAGAIN, as natively; a cancellation due ends the
 * thread.  An attempt that cannot be made non-blocking per call, on an fd
 * whose flags we must not change, asks hook__ready_now first. */
HOOK_HELPER ssize_t hook__until_ready(struct green__hub *h, int fd,
                                      struct green__fd_entry *e, int events,
                                      hook__attempt_fn attempt, void *ctx);

/* Whether fd is ready for events now (or in error: the call will say),
 * by a poll that does not wait.  errno is kept. */
HOOK_HELPER int hook__ready_now(int fd, int events);

/* Write all of buf as a blocking write would (sockets: send with flags;
 * other fds: write in PIPE_BUF pieces, each after readiness). */
HOOK_HELPER ssize_t hook__write_all(struct green__hub *h, int fd,
                                    struct green__fd_entry *e, const void *buf,
                                    size_t len, int flags);

/* accept4 that never blocks and leaves the listener's flags alone, where
 * io_uring allows (nowait.c); returns and sets errno as accept4. */
HOOK_HELPER int hook__accept_nowait(struct green__hub *h, int fd,
                                    struct sockaddr *addr, socklen_t *alen,
                                    int flags);
/* Start a connect without waiting and, for TCP, without touching the
 * socket's flags (nowait.c): 0, or -1 and errno (EINPROGRESS: under way;
 * EAGAIN: a unix listener's backlog is full). */
HOOK_HELPER int hook__connect_nowait(struct green__hub *h, int fd,
                                     const struct sockaddr *addr,
                                     socklen_t alen);
/* In a forked child: the parent's ring is not ours. */
void hook__nowait_fork_child(struct green__hub *h);

/* The green thread behind a pthread_t, or NULL for one glibc runs. */
HOOK_HELPER struct green *hook__green_of(pthread_t t);

/* End the calling green thread as pthread_exit does: cleanup handlers,
 * key destructors, then the end (cancel.c). */
void hook__exit(struct green *self, void *result) __attribute__((noreturn));
/* A green thread ends (green__thread_exit_hook): its keys' destructors,
 * then the locks of glibc's it holds (tsd.c, kept.c). */
void hook__thread_ends(struct green *g);
/* Act on a cancellation that ended a wait: exit with PTHREAD_CANCELED. */
void hook__cancelled(void) __attribute__((noreturn));
/* pthread_testcancel for green thread self: act on a cancellation due. */
void hook__testcancel(const struct green *self);
/* A thread ends: the destructors of its thread-specific values (tsd.c). */
void hook__run_key_destructors(struct green *g);
/* main's pthread_exit: the process ends with the last thread (thread.c). */
void hook__exit_main(struct green__hub *h) __attribute__((noreturn));

/* Nanoseconds in a timespec/timeval-like pair, saturating. */
HOOK_HELPER int64_t hook__ns(long long sec, long long nsec);

#endif
