/*
 * observe.c - what another OS thread may learn of a hub and of the green
 * thread it runs, safely.
 *
 * The monitor (shim/monitor.c) watches a hub from a native thread of its
 * own.  The hub writes what it reads plainly: the switch counter and the
 * running thread change on every switch, which must not pay for being
 * watched.  And a thread's struct green lives on its stack, which is
 * unmapped or handed to another thread once the thread has ended and been
 * joined, perhaps just as the watcher reads it.  So the watcher reads
 * nothing of either with a C load.  The kernel copies it instead
 * (process_vm_readv on this very process): a copy is no data race in the
 * program's sense, and memory that is gone makes it fail with EFAULT
 * rather than crash the process.  What is copied of a thread is kept only
 * if the switch counter, copied after it, still has the value it had
 * when the thread was seen running: the thread ran all along, so it was
 * neither released nor replaced in between.  (On x86-64 the hub's stores
 * and the kernel's loads are each seen in program order; another
 * architecture would need a fence after the counter's store.)
 *
 * Where the kernel refuses the copy (a seccomp filter, a kernel without
 * it), the hub's words are read with atomic loads, and nothing is read of
 * a thread: the caller learns only that one is running.
 */
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "observe.h"

/* Copy n pieces of this process's memory; 0, or -errno (-EFAULT: some of
 * it is not mapped). */
static int copy(struct iovec *local, const struct iovec *remote, unsigned n)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += local[i].iov_len;
    ssize_t got = process_vm_readv(getpid(), local, n, remote, n, 0);
    if (got < 0)
        return -errno;
    return (size_t)got == total ? 0 : -EFAULT;
}

#define PIECE(p)                                                               \
    {                                                                          \
        (void *)(p), sizeof *(p)                                               \
    }

static void load_directly(const struct green__hub *h, struct green__observed *o)
{
    o->switches = __atomic_load_n(&h->stats.switches, __ATOMIC_RELAXED);
    o->thread = __atomic_load_n(&h->current, __ATOMIC_RELAXED);
    o->live = __atomic_load_n(&h->live, __ATOMIC_RELAXED);
    o->blocked_pc = h->preempt_blocked_pc;
}

void green__observe_hub(const struct green__hub *h, struct green__observed *o)
{
    struct green *current;
    struct iovec local[] = {PIECE(&o->switches), PIECE(&current),
                            PIECE(&o->live), PIECE(&o->blocked_pc)};
    const struct iovec remote[] = {PIECE(&h->stats.switches),
                                   PIECE(&h->current), PIECE(&h->live),
                                   PIECE(&h->preempt_blocked_pc)};
    int saved_errno = errno;
    memset(o, 0, sizeof *o);
    if (copy(local, remote, 4) == 0)
        o->thread = current;
    else
        load_directly(h, o);
    errno = saved_errno;
    /* The hub's own thread, waiting in its loop, is nobody's hold.  (It
     * is made with the hub and never changes.) */
    if (o->thread == h->hub_thread)
        o->thread = NULL;
}

int green__observe_thread(const struct green__hub *h, struct green__observed *o)
{
    const struct green *g = o->thread;
    uint64_t magic, switches_after;
    if (!g)
        return -ESRCH;
    struct iovec local[] = {PIECE(&magic), PIECE(&o->id), PIECE(&o->name),
                            PIECE(&o->last_call), PIECE(&switches_after)};
    const struct iovec remote[] = {PIECE(&g->magic), PIECE(&g->id),
                                   PIECE(&g->name), PIECE(&g->last_call),
                                   PIECE(&h->stats.switches)};
    int saved_errno = errno;
    int r = copy(local, remote, 5);
    errno = saved_errno;
    o->name[sizeof o->name - 1] = '\0'; /* it may have been renaming itself */
    if (r == 0 && (switches_after != o->switches || magic != GREEN__MAGIC))
        r = -EAGAIN;
    if (r < 0) {
        o->id = 0;
        o->name[0] = '\0';
        o->last_call = NULL;
    }
    return r;
}
