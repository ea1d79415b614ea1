/*
 * nowait.c - accept and connect that never block, without touching the
 * socket's flags.
 *
 * The hooks ask for readiness before an accept (accept has no per-call
 * MSG_DONTWAIT), and within one process nothing can take the connection
 * in between: one hub runs one green thread at a time.  A listener shared
 * between processes is another matter: a pre-forked server's children all
 * wake for one connection, and all but one find it gone.  A plain accept4
 * would then sleep in the kernel until the next connection, and with it
 * every green thread of that process.  Making the listener O_NONBLOCK,
 * even for one call, would be seen by every process sharing it: a native
 * child's blocking accept would fail with EAGAIN.
 *
 * io_uring offers the per-call form the socket API lacks.  An accept
 * submitted to a ring is tried at once without blocking (IO_URING_F_NONBLOCK
 * inside the kernel, whatever the file's flags); if no connection is
 * there, the kernel arms its own poll and waits for one.  We submit, and if
 * no completion came back, cancel the request: cancelling an armed poll
 * completes at once, with -ECANCELED, or with the connection if one
 * arrived meanwhile.  So after the readiness poll, an accept costs one
 * io_uring_enter when the connection is still there (an accept4 before)
 * and two when another process took it, and never waits.  Each hub has its own
 * small ring, made on first use; nothing is left in flight between calls, so
 * the ring holds no state across a park.  A forked child drops its parent's.
 *
 * connect has no per-call form either, and its non-blocking start used to
 * set O_NONBLOCK for one call.  A TCP connect through the ring is started
 * at once (the kernel's EINPROGRESS) and then polled for; cancelling that
 * poll leaves the connection under way, as EINPROGRESS does, and the hook
 * waits for it as before.  Other families (a unix socket's full backlog
 * has no "under way") and connects without a ring still set O_NONBLOCK
 * for that one call: a socket is seldom shared while it connects.
 *
 * Without a ring (a kernel older than 5.7, io_uring refused by seccomp or
 * kernel.io_uring_disabled, or a call from a signal handler that
 * interrupted one in progress) the accept4 runs on a native helper thread
 * of the offload pool (sched/offload.c) while its green thread parks: if
 * another process took the connection, the helper waits for the next one,
 * and the other green threads run on.  That costs a round trip to another
 * OS thread per accept, and the caller cannot be interrupted or cancelled
 * while its accept waits there; setting O_NONBLOCK instead, even for one
 * call, would be seen by the other processes: one could take the flag for
 * the program's own and keep it (learn it, or restore it).
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include "fd.h"
#include "hook.h"
#include "offload.h"
#include "preload_state.h"
#include "trap.h"

#define ENTRIES 4
#define TAG_OP 1
#define TAG_CANCEL 2

/* The nowait ring (struct hook__hub) when the ring cannot be had: do not try
 * again. */
#define NO_RING ((void *)1)

struct ring {
    int fd;
    int busy;         /* in a call: one from a signal handler goes without */
    unsigned pending; /* queued, not yet taken by the kernel */
    unsigned *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *sq_map, *cq_map;
    size_t sq_len, cq_len, sqes_len;
};

static long uring_syscall(long nr, long a0, long a1, long a2, long a3)
{
    long a[6] = {a0, a1, a2, a3, 0, 0};
    return hook__raw_syscall6(nr, a);
}

static void *map_ring(int fd, size_t len, off_t offset)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                   fd, offset);
    return p == MAP_FAILED ? NULL : p;
}

static void unmap(struct ring *r)
{
    if (r->sq_map)
        munmap(r->sq_map, r->sq_len);
    if (r->cq_map)
        munmap(r->cq_map, r->cq_len);
    if (r->sqes)
        munmap(r->sqes, r->sqes_len);
}

static int map(struct ring *r, const struct io_uring_params *p)
{
    r->sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
    r->cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
    r->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
    r->sq_map = map_ring(r->fd, r->sq_len, IORING_OFF_SQ_RING);
    r->cq_map = map_ring(r->fd, r->cq_len, IORING_OFF_CQ_RING);
    r->sqes = map_ring(r->fd, r->sqes_len, IORING_OFF_SQES);
    if (!r->sq_map || !r->cq_map || !r->sqes)
        return -1;
    char *sq = r->sq_map, *cq = r->cq_map;
    r->sq_tail = (unsigned *)(sq + p->sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p->sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p->sq_off.array);
    r->cq_head = (unsigned *)(cq + p->cq_off.head);
    r->cq_tail = (unsigned *)(cq + p->cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p->cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
    return 0;
}

/* A ring whose requests the kernel first tries without blocking, then
 * polls for (IORING_FEAT_FAST_POLL, Linux 5.7): only then is a
 * cancellation sure to come back at once.  NULL if none can be had. */
static struct ring *ring_new(void)
{
    struct io_uring_params p;
    struct ring *r;
    if (!(r = calloc(1, sizeof *r)))
        return NULL;
    memset(&p, 0, sizeof p);
    r->fd = (int)uring_syscall(SYS_io_uring_setup, ENTRIES, (long)&p, 0, 0);
    if (r->fd < 0) {
        free(r);
        return NULL;
    }
    if (!(p.features & IORING_FEAT_FAST_POLL) || map(r, &p) < 0) {
        unmap(r);
        real()->close(r->fd);
        free(r);
        return NULL;
    }
    return r;
}

static struct ring *ring_of(struct green__hub *h)
{
    if (!hook__hub(h)->nowait_ring) {
        int saved_errno = errno;
        struct ring *r = ring_new();
        hook__hub(h)->nowait_ring = r ? (void *)r : NO_RING;
        errno = saved_errno;
    }
    return hook__hub(h)->nowait_ring == NO_RING ? NULL
                                                : hook__hub(h)->nowait_ring;
}

/* Let go of h's ring; the next call makes a new one.  Its fd is closed
 * only if still ours: a program may have closed it (close_range) and
 * reused the number. */
static void ring_drop(struct green__hub *h, struct ring *r, int close_fd)
{
    unmap(r);
    if (close_fd) {
        green__fd_forget(h, r->fd);
        real()->close(r->fd);
    }
    free(r);
    hook__hub(h)->nowait_ring = NULL;
}

void hook__nowait_fork_child(struct green__hub *h)
{
    /* The parent's ring: its memory is shared with the parent. */
    if (hook__hub(h)->nowait_ring && hook__hub(h)->nowait_ring != NO_RING)
        ring_drop(h, hook__hub(h)->nowait_ring, 1);
}

/* The next request's slot, to fill before submit. */
static struct io_uring_sqe *next_sqe(struct ring *r)
{
    unsigned i = *r->sq_tail & *r->sq_mask;
    struct io_uring_sqe *sqe = &r->sqes[i];
    memset(sqe, 0, sizeof *sqe);
    r->sq_array[i] = i;
    return sqe;
}

/* Hand the filled slot to the kernel, and wait for wait_for completions. */
static long submit(struct ring *r, unsigned wait_for)
{
    __atomic_store_n(r->sq_tail, *r->sq_tail + 1, __ATOMIC_RELEASE);
    r->pending++;
    long n = uring_syscall(SYS_io_uring_enter, r->fd, r->pending, wait_for,
                           wait_for ? IORING_ENTER_GETEVENTS : 0);
    if (n > 0)
        r->pending -= (unsigned)n;
    return n;
}

/* Collect every completion; 1 and *res if the request's was among them. */
static int reap(struct ring *r, int *res)
{
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    int found = 0;
    for (; head != tail; head++) {
        struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
        if (cqe->user_data == TAG_OP) {
            *res = cqe->res;
            found = 1;
        }
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    return found;
}

/* What became of a request run through the ring. */
enum outcome {
    RAN,         /* the kernel answered it (the result may be -EAGAIN) */
    RING_FAILED, /* io_uring_enter failed: the request never runs */
    RING_GONE    /* the ring's fd is no longer ours (close_range...) */
};

/* An io_uring_enter that took nothing: EBADF or EOPNOTSUPP (or, from
 * another ring now at that number, 0) say the fd is not ours any more. */
static enum outcome failed(long e)
{
    return e == 0 || e == -EBADF || e == -EOPNOTSUPP ? RING_GONE : RING_FAILED;
}

/* The request in the next slot, run without waiting: *res is its result,
 * or -EAGAIN if it would have had to wait. */
static enum outcome run_nowait(struct ring *r, int *res)
{
    long e = submit(r, 0);
    if (e <= 0)
        return failed(e);
    while (!reap(r, res)) {
        /* Armed and waiting: take it back.  Each cancellation completes
         * at once; the request's own completion follows it. */
        struct io_uring_sqe *sqe = next_sqe(r);
        sqe->opcode = IORING_OP_ASYNC_CANCEL;
        sqe->addr = TAG_OP;
        sqe->user_data = TAG_CANCEL;
        e = submit(r, 1);
        if (e < 0 && e != -EINTR)
            return failed(e);
    }
    if (*res == -ECANCELED)
        *res = -EAGAIN;
    return RAN;
}

static enum outcome accept_ring(struct ring *r, int fd, struct sockaddr *addr,
                                socklen_t *alen, int flags, int *res)
{
    struct io_uring_sqe *sqe = next_sqe(r);
    sqe->opcode = IORING_OP_ACCEPT;
    sqe->fd = fd;
    sqe->addr = (uintptr_t)addr;
    sqe->addr2 = (uintptr_t)alen;
    sqe->accept_flags = (unsigned)flags;
    sqe->user_data = TAG_OP;
    r->busy = 1;
    enum outcome o = run_nowait(r, res);
    r->busy = 0;
    return o;
}

struct accept_job {
    int fd;
    struct sockaddr *addr;
    socklen_t *alen;
    int flags;
    int result;
    int err;
};

static void run_accept(void *arg)
{
    struct accept_job *j = arg;
    j->result = real()->accept4(j->fd, j->addr, j->alen, j->flags);
    j->err = errno;
}

/* Without a ring: a plain accept4 on a native helper thread, while the
 * caller parks.  If the connection was taken, that helper waits for the
 * next one, not the hub. */
static int accept_offloaded(struct green__hub *h, int fd, struct sockaddr *addr,
                            socklen_t *alen, int flags)
{
    struct accept_job j = {fd, addr, alen, flags, 0, 0};
    int saved_errno = errno;
    if (green__offload(h, run_accept, &j) < 0)
        run_accept(&j); /* no helper to be had: as before */
    errno = j.result < 0 ? j.err : saved_errno;
    return j.result;
}

/* The kernel wrote the peer's address from inside io_uring_enter, where
 * memcheck does not see it (valgrind knows the request's buffers only for
 * plain accept4): say so, or the program's first read of it is an error. */
static void accepted_defined(struct sockaddr *addr, socklen_t *alen,
                             socklen_t room)
{
    if (!alen || !RUNNING_ON_VALGRIND)
        return;
    VALGRIND_MAKE_MEM_DEFINED(alen, sizeof *alen);
    if (addr) /* *alen is the address's whole size, written or not */
        VALGRIND_MAKE_MEM_DEFINED(addr, *alen < room ? *alen : room);
}

int hook__accept_nowait(struct green__hub *h, int fd, struct sockaddr *addr,
                        socklen_t *alen, int flags)
{
    struct ring *r = ring_of(h);
    /* Read only under valgrind: natively a bad alen is the kernel's EFAULT. */
    socklen_t room = alen && RUNNING_ON_VALGRIND ? *alen : 0;
    int res;
    if (r && !r->busy) {
        enum outcome o = accept_ring(r, fd, addr, alen, flags, &res);
        if (o == RAN) {
            if (res < 0)
                return (int)hook__fail(res);
            accepted_defined(addr, alen, room);
            return res;
        }
        ring_drop(h, r, o == RING_FAILED);
    }
    return accept_offloaded(h, fd, addr, alen, flags);
}

/* O_NONBLOCK for this one call, given back at once. */
static int connect_flagged(int fd, const struct sockaddr *addr, socklen_t alen)
{
    int flags = real()->fcntl(fd, F_GETFL);
    if (flags < 0 || real()->fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    int r = real()->connect(fd, addr, alen);
    int saved_errno = errno;
    real()->fcntl(fd, F_SETFL, flags);
    errno = saved_errno;
    return r;
}

static enum outcome connect_ring(struct ring *r, int fd,
                                 const struct sockaddr *addr, socklen_t alen,
                                 int *res)
{
    struct io_uring_sqe *sqe = next_sqe(r);
    sqe->opcode = IORING_OP_CONNECT;
    sqe->fd = fd;
    sqe->addr = (uintptr_t)addr;
    sqe->off = alen;
    sqe->user_data = TAG_OP;
    r->busy = 1;
    enum outcome o = run_nowait(r, res);
    r->busy = 0;
    /* Taken back while it waited for the handshake: still under way. */
    if (o == RAN && *res == -EAGAIN)
        *res = -EINPROGRESS;
    return o;
}

static int is_inet(const struct sockaddr *addr, socklen_t alen)
{
    return addr && alen >= sizeof(sa_family_t) &&
           (addr->sa_family == AF_INET || addr->sa_family == AF_INET6);
}

int hook__connect_nowait(struct green__hub *h, int fd,
                         const struct sockaddr *addr, socklen_t alen)
{
    struct ring *r = is_inet(addr, alen) ? ring_of(h) : NULL;
    int res;
    if (r && !r->busy) {
        enum outcome o = connect_ring(r, fd, addr, alen, &res);
        if (o == RAN)
            return res < 0 ? (int)hook__fail(res) : 0;
        ring_drop(h, r, o == RING_FAILED);
    }
    return connect_flagged(fd, addr, alen);
}
