/*
 * offload.c - run a blocking call on a small pool of native threads.
 *
 * Some calls cannot be made to wait on the loop.  glibc's resolver opens and
 * polls its own sockets inside libc, where no hook sees them (docs/DESIGN.md
 * pitfall 8), and epoll refuses regular files (pitfall 5): a slow DNS server
 * or disk would stop every green thread of the hub.  Such a call is handed to
 * a native worker thread instead, as gevent's resolver and libuv's file
 * operations do.  The green thread that made it parks; the other green
 * threads run on; when the worker is done it puts the job on the hub's list
 * of finished jobs and rings the hub's ev_async, the one libev watcher that
 * is safe to poke from another thread.  The hub's on_wakeup callback then
 * takes the finished jobs and wakes their threads.
 *
 * The workers are the "documented helper" OS threads of greenrun: started
 * with the real pthread_create on first use, one more whenever a job finds
 * every worker busy, up to GREEN__OFFLOAD_THREADS.  An idle worker waits
 * in a real condition variable, so a process that has offloaded shows 1 +
 * (workers started) threads from then on.  Workers never touch green
 * state: a job's function, the queue and the finished list under the
 * pool's real mutex, and ev_async_send, nothing else.  They have no hub
 * (the green__hub thread-local is NULL in every thread greenrun did not
 * set up), so every hooked call a job makes, glibc's own included, passes
 * straight through to libc.  They block every asynchronous signal: the
 * program's handlers keep running on the hub's OS thread, as they did
 * before the pool existed.
 *
 * Why up to 16 and not libuv's 4: lookups wait on the network, not the CPU,
 * and one pool serves both lookups and files, so four slow lookups would
 * stall every file call behind them (Node.js's best-known thread-pool
 * problem).  Sixteen waiting threads cost little; gevent uses ten.
 *
 * A job lives on its green thread's stack: the thread stays parked, with
 * cancellation held off, until the hub has seen the job finished, so the
 * worker can never write to a stack that has moved on.
 */
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "real.h"
#include "world.h"

struct green__job {
    void (*fn)(void *arg);
    void *arg;
    struct green *waiter;
    struct green__job *next;
    int done; /* set by the hub: the worker has let go of the job */
};

struct green__pool {
    pthread_mutex_t lock;
    pthread_cond_t more;            /* idle workers wait here */
    struct green__job *head, *tail; /* queued, oldest first */
    struct green__job *finished;    /* run, not yet seen by the hub */
    unsigned queued;                /* jobs in head..tail */
    unsigned idle;                  /* workers waiting in `more` */
    unsigned threads;               /* workers started */
    int stopping;
    struct green__hub *hub;
    pthread_t tids[GREEN__OFFLOAD_THREADS];
};

static void lock(struct green__pool *p)
{
    int r = green__real.pthread_mutex_lock(&p->lock);
    green__assert(r == 0);
}

static void unlock(struct green__pool *p)
{
    int r = green__real.pthread_mutex_unlock(&p->lock);
    green__assert(r == 0);
}

/* The next queued job, or NULL when the pool stops.  Called locked. */
static struct green__job *take(struct green__pool *p)
{
    while (!p->head && !p->stopping) {
        p->idle++;
        int r = green__real.pthread_cond_wait(&p->more, &p->lock);
        green__assert(r == 0);
        p->idle--;
    }
    struct green__job *job = p->head;
    if (job) {
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
    }
    return job;
}

static void *work(void *arg)
{
    struct green__pool *p = arg;
    struct green__job *job;
    lock(p);
    while ((job = take(p))) {
        unlock(p);
        job->fn(job->arg);
        lock(p);
        job->next = p->finished;
        p->finished = job;
        ev_async_send(p->hub->loop, &p->hub->wakeup);
    }
    unlock(p);
    return NULL;
}

/* Start one more worker.  Called locked; 0 or -EAGAIN. */
static int start_worker(struct green__pool *p)
{
    pthread_attr_t attr;
    sigset_t mask;
    int r = pthread_attr_init(&attr);
    if (r)
        return -EAGAIN;
    sigfillset(&mask);
    /* What a job's own call raises still reaches it, as it would reach
     * the caller natively: faults, and SIGXFSZ from a write past
     * RLIMIT_FSIZE. */
    sigdelset(&mask, SIGSEGV);
    sigdelset(&mask, SIGBUS);
    sigdelset(&mask, SIGFPE);
    sigdelset(&mask, SIGILL);
    sigdelset(&mask, SIGXFSZ);
    r = pthread_attr_setsigmask_np(&attr, &mask);
    if (r == 0)
        r = green__real.pthread_create(&p->tids[p->threads], &attr, work, p);
    pthread_attr_destroy(&attr);
    if (r)
        return -EAGAIN;
    p->threads++;
    return 0;
}

static struct green__pool *pool_of(struct green__hub *h)
{
    if (!h->offload) {
        h->offload = calloc(1, sizeof *h->offload);
        if (!h->offload)
            return NULL;
        h->offload->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
        h->offload->more = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
        h->offload->hub = h;
    }
    return h->offload;
}

/* Queue job and make sure a worker will take it.  0 or -EAGAIN (no worker
 * could be started and none exists: the job is not queued). */
static int submit(struct green__pool *p, struct green__job *job)
{
    lock(p);
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    /* Idle workers already signalled but not yet awake still count as
     * idle, and each will take one job: start a worker only for the jobs
     * beyond them. */
    if (p->queued > p->idle && p->threads < GREEN__OFFLOAD_THREADS)
        start_worker(p);
    if (p->threads == 0) {
        green__assert(p->head == job && p->tail == job);
        p->head = p->tail = NULL;
        p->queued = 0;
        unlock(p);
        return -EAGAIN;
    }
    if (p->idle)
        green__real.pthread_cond_signal(&p->more);
    unlock(p);
    return 0;
}

int green__offload(struct green__hub *h, void (*fn)(void *arg), void *arg)
{
    struct green *self = h->current;
    struct green__pool *p = pool_of(h);
    struct green__job job = {.fn = fn, .arg = arg, .waiter = self};
    if (!p)
        return -ENOMEM;
    green__loop(h); /* the workers ring its ev_async */
    int r = submit(p, &job);
    if (r < 0)
        return r;
    h->stats.offloaded++;
    /* Nothing else wakes this park; the loop is belt and braces. */
    green__lock();
    while (!job.done)
        green__park_nocancel(h);
    green__unlock();
    return 0;
}

void green__offload_finish(struct green__hub *h)
{
    struct green__pool *p = h->offload;
    if (!p)
        return;
    lock(p);
    struct green__job *job = p->finished, *fifo = NULL;
    p->finished = NULL;
    unlock(p);
    while (job) { /* finished is newest first: wake the oldest first */
        struct green__job *next = job->next;
        job->next = fifo;
        fifo = job;
        job = next;
    }
    for (job = fifo; job;) {
        /* The job dies with its thread's stack frame once woken. */
        struct green__job *next = job->next;
        green__lock();
        job->done = 1;
        green__wake(job->waiter, 0);
        green__unlock();
        job = next;
    }
}

void green__offload_fork_child(struct green__hub *h)
{
    struct green__pool *p = h->offload;
    if (!p)
        return;
    /* The workers did not come along, and the lock may have been held by
     * one of them.  Every queued job belongs to a thread that did not come
     * along either (the caller of fork was running, not waiting). */
    memset(p, 0, sizeof *p);
    p->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    p->more = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
    p->hub = h;
}

void green__offload_stop(struct green__hub *h)
{
    struct green__pool *p = h->offload;
    if (!p)
        return;
    lock(p);
    green__assert(!p->head);
    p->stopping = 1;
    green__real.pthread_cond_broadcast(&p->more);
    unlock(p);
    for (unsigned i = 0; i < p->threads; i++)
        green__real.pthread_join(p->tids[i], NULL);
    free(p);
    h->offload = NULL;
}
