/*
 * addrwait.c - park on an address, wake by address (futex-style).
 *
 * For programs that build their own locks on the futex system call
 * (libstdc++'s std::future and std::atomic::wait do): waiters hash by
 * address into a few queues per hub and remember the address they wait
 * on, so a wake takes only the threads waiting on its own address, oldest
 * first.
 */
#include "sync.h"
#include "world.h"

static struct green__queue *bucket(struct green__world *w, const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    return &w->addr_waiters[(a >> 2 ^ a >> 9) % GREEN__ADDR_BUCKETS];
}

int green__addr_wait(struct green__hub *h, const unsigned *addr,
                     unsigned expected, clockid_t clock,
                     const struct timespec *deadline, int64_t timeout_ns)
{
    struct green *self = h->current;
    int r = 0;
    /* The value is checked under the lock a waker takes too: a change and
     * wake between the check and the queueing cannot be missed. */
    green__lock();
    if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != expected)
        r = -EAGAIN;
    else if (deadline)
        r = green__arm_deadline(self, clock, deadline);
    else
        green__arm_timeout(self, timeout_ns);
    if (r == 0) {
        self->wait_addr = addr;
        green__queue_push(bucket(h->world, addr), self);
        r = green__park_nocancel(h);
        self->wait_addr = NULL;
    }
    green__unlock();
    return r < 0 ? r : 0;
}

int green__addr_wake(struct green__hub *h, const unsigned *addr, int n)
{
    struct green__queue *q = bucket(h->world, addr);
    green__lock();
    struct green *g = q->head, *next;
    int woken = 0;
    for (; g && woken < n; g = next) {
        next = g->q_next;
        if (g->wait_addr == addr) {
            green__wake(g, 0);
            woken++;
        }
    }
    green__unlock();
    return woken;
}
