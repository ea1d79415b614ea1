/*
 * futex.c - syscall(SYS_futex, ...) from green threads.
 *
 * libstdc++ (std::future, std::atomic::wait, std::counting_semaphore)
 * calls the futex system call itself through syscall().  A FUTEX_WAIT in
 * the kernel would stop every green thread, including the one that would
 * wake it, so waits and wakes of green threads go through the hub's
 * address queues; wakes also reach the kernel, for any native waiter.
 * The system calls that can block (read, poll, nanosleep...) go through
 * their hooks (trap.c); every other one passes straight through.
 */
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "hook.h"
#include "sync.h"
#include "trap.h"

static long futex_green(struct green__hub *h, unsigned *addr, int op,
                        unsigned val, const struct timespec *ts)
{
    int cmd = op & FUTEX_CMD_MASK;
    int r;
    if (cmd == FUTEX_WAIT) {
        int64_t ns = ts ? hook__ns(ts->tv_sec, ts->tv_nsec) : -1;
        r = green__addr_wait(h, addr, val, CLOCK_MONOTONIC, NULL, ns);
    } else { /* FUTEX_WAIT_BITSET: an absolute deadline */
        clockid_t clock =
            op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
        r = green__addr_wait(h, addr, val, clock, ts, -1);
    }
    return r < 0 ? hook__fail(r) : 0;
}

HOOK long syscall(long number, ...)
{
    va_list ap;
    long a[6];
    va_start(ap, number);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    struct green *self = green__current();
    int cmd = (int)a[1] & FUTEX_CMD_MASK;
    long r;
    if (self && number != SYS_futex &&
        hook__green_syscall(self->hub, number, a, &r))
        return r < 0 ? hook__fail((int)r) : r;
    if (number != SYS_futex || !self)
        return real()->syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)
        return futex_green(self->hub, (unsigned *)a[0], (int)a[1],
                           (unsigned)a[2], (const struct timespec *)a[3]);
    if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET) {
        int n = (int)a[2];
        int woken = green__addr_wake(self->hub, (unsigned *)a[0], n);
        if (woken < n) {
            long more = real()->syscall(number, a[0], a[1], n - woken, a[3],
                                        a[4], a[5]);
            woken += more > 0 ? (int)more : 0;
        }
        return woken;
    }
    return real()->syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
