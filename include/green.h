/*
 * green.h - the explicit greenrun API.
 *
 * Blocking-style code on green threads: each green thread has its own small
 * stack, and a call that would block parks it on a libev watcher while the
 * other green threads of the same OS thread run.  Link with -lgreen
 * (pkg-config greenrun).
 *
 * Conventions.  Functions named after a libc call (green_read, green_accept,
 * ...) behave like it: they return -1 and set errno.  Everything else returns
 * 0 or a positive errno value, like the pthread API; green_wait_fd alone
 * returns negative errno values, its positive results being the ready
 * events.  Timeouts are relative and in nanoseconds; GREEN_FOREVER waits
 * without limit.  Sync objects are valid when zero-filled (GREEN_MUTEX_INIT
 * and friends are all zeros).
 *
 * The green threads of a program run on the OS thread that called
 * green_main, or on the workers green_main_workers starts beside it; the
 * API must not be used from other OS threads.
 */
#ifndef GREEN_H
#define GREEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GREEN_FOREVER ((int64_t)-1)

/* Events for green_wait_fd; the values match libev's EV_READ/EV_WRITE. */
#define GREEN_READ 1
#define GREEN_WRITE 2

typedef struct green green_t;

typedef struct green_attr {
    size_t stack_size; /* usable bytes; 0 = the default (256 KiB) */
    int detached;      /* nonzero: resources go when it ends; no join */
    const char *name;  /* up to 15 bytes are kept; NULL = none */
} green_attr_t;

/* ---- Threads ---------------------------------------------------------- */

/* Run fn(arg) as the first green thread and return once every green thread
 * has ended; *result (if not NULL) gets fn's return value.  0 or errno. */
int green_main(void *(*fn)(void *), void *arg, void **result);

/* green_main on `workers` OS threads: the caller's and workers - 1 more,
 * each running the green threads placed on it (round-robin as they are
 * spawned; a thread stays where it was placed).  Every function of this
 * API works across workers.  The workers end before it returns.  1 is
 * green_main.  0, EINVAL (0 or more than 1024 workers) or errno. */
int green_main_workers(unsigned workers, void *(*fn)(void *), void *arg,
                       void **result);

/* Start fn(arg) on a new green thread; it first runs when the caller next
 * blocks or yields.  attr may be NULL.  0, EAGAIN (no memory for a stack)
 * or EINVAL. */
int green_spawn(green_t **thread, void *(*fn)(void *), void *arg,
                const green_attr_t *attr);

/* Wait for a thread to end and collect its return value.  0, EDEADLK
 * (joining yourself), EINVAL (detached or already joined). */
int green_join(green_t *thread, void **result);

/* Like green_join, but give up with ETIMEDOUT after timeout_ns. */
int green_timedjoin(green_t *thread, void **result, int64_t timeout_ns);

/* Let the thread's resources go when it ends.  0 or EINVAL. */
int green_detach(green_t *thread);

/* End the calling green thread with a return value. */
void green_exit(void *result) __attribute__((noreturn));

/* The calling green thread, or NULL outside green threads. */
green_t *green_self(void);

/* A thread's id: 1 for the first green thread, counting up. */
uint64_t green_id(const green_t *thread);

/* A thread's name ("" if it has none).  Valid while the thread is. */
const char *green_name(const green_t *thread);

/* Name a thread; longer names are cut to 15 bytes. */
void green_set_name(green_t *thread, const char *name);

/* ---- Waiting ---------------------------------------------------------- */

/* Let every other runnable green thread run once, then continue. */
void green_yield(void);

/* Sleep for ns nanoseconds.  0, or EINVAL for a negative value. */
int green_sleep(int64_t ns);

/* Wait until fd is ready for events (GREEN_READ|GREEN_WRITE).  Returns the
 * ready events (> 0) or, unlike the rest of this API, a negative errno
 * value, since the positive ones are taken: -ETIMEDOUT, -EBADF (the fd was
 * closed with green_close while waiting), -EINTR (a signal handler ran),
 * -EINVAL (no events, or a negative fd) or -ENOMEM.  Outside a green thread
 * it waits in poll(2). */
int green_wait_fd(int fd, int events, int64_t timeout_ns);

/* ---- Blocking-style I/O ----------------------------------------------- */
/*
 * Each call blocks only the calling green thread.  green_read, green_write,
 * green_accept and green_connect put the fd into O_NONBLOCK mode the first
 * time they see it (a plain read() on it then returns EAGAIN); green_main
 * restores the flag when it returns.  Close such fds with green_close.
 * green_recv and green_send use MSG_DONTWAIT and change nothing.  A timeout
 * fails with ETIMEDOUT; an fd closed underneath fails with EBADF.  A call
 * that succeeds leaves errno alone, even if it had to wait.  A green thread
 * whose calls never have to wait (a fast peer) lets the others run after a
 * long run of them, as under the preload.
 */
ssize_t green_read(int fd, void *buf, size_t len, int64_t timeout_ns);
ssize_t green_write(int fd, const void *buf, size_t len, int64_t timeout_ns);
ssize_t green_recv(int fd, void *buf, size_t len, int flags,
                   int64_t timeout_ns);
ssize_t green_send(int fd, const void *buf, size_t len, int flags,
                   int64_t timeout_ns);

/* Write all len bytes unless an error occurs; returns len or -1. */
ssize_t green_write_all(int fd, const void *buf, size_t len);

/* Accept a connection; the new fd is already non-blocking underneath. */
int green_accept(int fd, struct sockaddr *addr, socklen_t *addrlen,
                 int64_t timeout_ns);

/* Connect, waiting for completion; fails with the socket's SO_ERROR. */
int green_connect(int fd, const struct sockaddr *addr, socklen_t addrlen,
                  int64_t timeout_ns);

/* Close fd, waking every green thread waiting on it with EBADF. */
int green_close(int fd);

/* ---- Synchronisation -------------------------------------------------- */
/*
 * Waiters are served in FIFO order and a release hands ownership straight to
 * the first waiter, so no wake-up is lost and no waiter starves.  Timed
 * variants take an absolute deadline on CLOCK_REALTIME or CLOCK_MONOTONIC
 * and return ETIMEDOUT.  The layouts are private; the sizes match glibc's
 * pthread objects on x86-64.
 */
enum { GREEN_MUTEX_NORMAL, GREEN_MUTEX_RECURSIVE, GREEN_MUTEX_ERRORCHECK };

typedef struct {
    uint64_t opaque[5];
} green_mutex_t; /* 40 bytes */
typedef struct {
    uint64_t opaque[6];
} green_cond_t; /* 48 bytes */
typedef struct {
    uint64_t opaque[7];
} green_rwlock_t; /* 56 bytes */
typedef struct {
    uint64_t opaque[4];
} green_sem_t; /* 32 bytes */
typedef int green_once_t;

#define GREEN_MUTEX_INIT                                                       \
    {                                                                          \
        {                                                                      \
            0                                                                  \
        }                                                                      \
    }
#define GREEN_COND_INIT                                                        \
    {                                                                          \
        {                                                                      \
            0                                                                  \
        }                                                                      \
    }
#define GREEN_RWLOCK_INIT                                                      \
    {                                                                          \
        {                                                                      \
            0                                                                  \
        }                                                                      \
    }
#define GREEN_ONCE_INIT 0

/* kind is one of GREEN_MUTEX_*.  0 or EINVAL. */
int green_mutex_init(green_mutex_t *m, int kind);
/* 0, or EBUSY if the mutex is held or waited for. */
int green_mutex_destroy(green_mutex_t *m);
/* 0, or EDEADLK (error-checking mutex already held by the caller). */
int green_mutex_lock(green_mutex_t *m);
/* 0 or EBUSY. */
int green_mutex_trylock(green_mutex_t *m);
/* 0, ETIMEDOUT, EDEADLK or EINVAL (bad clock or timespec). */
int green_mutex_timedlock(green_mutex_t *m, clockid_t clock,
                          const struct timespec *deadline);
/* 0, or EPERM (recursive/error-checking mutex not held by the caller). */
int green_mutex_unlock(green_mutex_t *m);

/* clock (CLOCK_REALTIME or CLOCK_MONOTONIC) is the default for
 * green_cond_timedwait.  0 or EINVAL. */
int green_cond_init(green_cond_t *c, clockid_t clock);
/* 0, or EBUSY if threads wait on it. */
int green_cond_destroy(green_cond_t *c);
/* Release m, wait for a signal, take m again.  0 or EPERM. */
int green_cond_wait(green_cond_t *c, green_mutex_t *m);
/* Wait against the cond's clock (CLOCK_REALTIME unless set by init). */
int green_cond_timedwait(green_cond_t *c, green_mutex_t *m,
                         const struct timespec *deadline);
/* Wait against the given clock.  0, ETIMEDOUT, EINVAL or EPERM. */
int green_cond_clockwait(green_cond_t *c, green_mutex_t *m, clockid_t clock,
                         const struct timespec *deadline);
/* Wake the longest waiter / every waiter.  Always 0. */
int green_cond_signal(green_cond_t *c);
int green_cond_broadcast(green_cond_t *c);

/* 0 or EINVAL (value too large). */
int green_sem_init(green_sem_t *s, unsigned value);
int green_sem_destroy(green_sem_t *s);
int green_sem_wait(green_sem_t *s);
/* 0 or EAGAIN (value is zero). */
int green_sem_trywait(green_sem_t *s);
/* 0, ETIMEDOUT or EINVAL. */
int green_sem_timedwait(green_sem_t *s, clockid_t clock,
                        const struct timespec *deadline);
/* 0 or EOVERFLOW. */
int green_sem_post(green_sem_t *s);
int green_sem_getvalue(green_sem_t *s, int *value);

/* Reader-preferring, like glibc's default: a reader gets in whenever no
 * writer holds the lock, so recursive read locks never deadlock. */
int green_rwlock_init(green_rwlock_t *rw);
int green_rwlock_destroy(green_rwlock_t *rw);
/* 0 or EDEADLK (the caller holds it for writing). */
int green_rwlock_rdlock(green_rwlock_t *rw);
int green_rwlock_wrlock(green_rwlock_t *rw);
/* 0 or EBUSY. */
int green_rwlock_tryrdlock(green_rwlock_t *rw);
int green_rwlock_trywrlock(green_rwlock_t *rw);
/* 0, ETIMEDOUT, EDEADLK or EINVAL. */
int green_rwlock_timedrdlock(green_rwlock_t *rw, clockid_t clock,
                             const struct timespec *deadline);
int green_rwlock_timedwrlock(green_rwlock_t *rw, clockid_t clock,
                             const struct timespec *deadline);
/* 0 or EPERM (not held). */
int green_rwlock_unlock(green_rwlock_t *rw);

/* Run fn exactly once; concurrent callers wait until it has returned. */
int green_once(green_once_t *once, void (*fn)(void));

#ifdef __cplusplus
}
#endif

#endif
