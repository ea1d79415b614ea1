/*
 * real_libc.c - the table of real functions for libgreen.
 *
 * libgreen interposes nothing, so the libc names are the real functions and
 * the table can be filled at link time.  Only the slots the core uses are
 * filled; the rest of struct green__real_fns (sched/real_list.h) serves the
 * hooks, which libgreen does not have.  libgreenrun.so leaves this file out
 * and resolves the whole table with dlsym in shim/real.c.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "real.h"

struct green__real_fns green__real = {
    .read = read,
    .write = write,
    .recv = recv,
    .send = send,
    .accept4 = accept4,
    .connect = connect,
    .close = close,
    .fcntl = fcntl,
    .poll = poll,
    /* sched/events.c; the table keeps the events as void * so that
     * real.h need not include <sys/epoll.h>. */
    .epoll_pwait =
        (int (*)(int, void *, int, int, const sigset_t *))epoll_pwait,
    .getsockopt = getsockopt,
    .nanosleep = nanosleep,
    .clock_gettime = clock_gettime,
    /* The offload pool's workers (offload.c). */
    .pthread_create = pthread_create,
    .pthread_join = pthread_join,
    .pthread_mutex_lock = pthread_mutex_lock,
    .pthread_mutex_unlock = pthread_mutex_unlock,
    .pthread_cond_wait = pthread_cond_wait,
    .pthread_cond_signal = pthread_cond_signal,
    .pthread_cond_broadcast = pthread_cond_broadcast,
    .sigaction = sigaction,
    .pthread_sigmask = pthread_sigmask, /* hub.c */
    .syscall = syscall,                 /* stack.c */
    /* Workers (world.c). */
    .eventfd = eventfd,
    .pthread_self = pthread_self,
    .sched_yield = sched_yield,
};
