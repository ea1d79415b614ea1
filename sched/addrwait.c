/*
 * addrwait.c - park on an address, wake by address (futex-style).
 *
 * For programs that build their own locks on the futex system call
 * (libstdc++'s std::future and std::atomic::wait do): waiters hash by
 * address into a few queues per hub and remember the address they wait
 * on, so a wake takes only the threads waiting on its own address, oldest
 * first.
 */
#include "internal.h"

static struct green__queue *bucket(struct green__hub *h, const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    return &h->addr_waiters[(a >> 2 ^ a >> 9) % GREEN__ADDR_BUCKETS];
}

int green__addr_wait(struct green__hub *h, const unsigned *addr,
                     unsigned expected, clockid_t clock,
                     const struct timespec *deadline, int64_t timeout_ns)
{
    struct green *self = h->current;
    if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != expected)
        return -EAGAIN;
    if (deadline) {
        int r = green__arm_deadline(self, clock, deadline);
        if (r < 0)
            return r;
    } else {
        green__arm_timeout(self, timeout_ns);
    }
    self->wait_addr = addr;
    green__queue_push(bucket(h, addr), self);
    int r = green__park_nocancel(h);
    self->wait_addr = NULL;
    return r < 0 ? r : 0;
}

int green__addr_wake(struct green__hub *h, const unsigned *addr, int n)
{
    struct green__queue *q = bucket(h, addr);
    struct green *g = q->head, *next;
    int woken = 0;
    for (; g && woken < n; g = next) {
        next = g->q_next;
        if (g->wait_addr == addr) {
            green__wake(g, 0);
            woken++;
        }
    }
    return woken;
}
