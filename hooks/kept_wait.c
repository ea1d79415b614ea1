/*
 * kept_wait.c - waits on process-shared conds and barriers, made on native
 * helper threads while the green thread parks.
 *
 * A mutex or rwlock has a non-blocking form to retry (kept.c); a cond or a
 * barrier has none.  A cond waiter must be registered in glibc's cond
 * before it lets the mutex go, or a signal sent in between is lost, and
 * glibc registers inside its wait; a barrier's arrival is its wait.  So
 * glibc's own wait runs on a native helper thread, which other processes
 * see as an ordinary waiter, and its green thread parks until the helper is
 * done.  Signals and broadcasts are glibc's, called in place: they never
 * wait for more than a waiter (here, a helper) that is already running.
 *
 * Each waiting green thread needs a helper of its own for as long as it
 * waits, not a place in a queue: a barrier's other parties, or the thread
 * that will signal, may be green threads of this same process whose waits
 * would queue behind it.  That is why the offload pool, a few threads
 * shared with name lookups, is not used.  Helpers are started on first
 * need and kept, idle, for the next wait: a process that waited this way
 * shows one more OS thread per green thread that waited at the same time.
 * A helper tells its green thread that it is done through an eventfd, on
 * which the green thread parks as on any descriptor.
 *
 * The cond wait hands glibc a mutex of its own (proxy) instead of the
 * program's, which may be a green mutex glibc cannot read.  The green
 * thread locks proxy, starts the helper, and locks proxy again: that
 * succeeds once glibc's wait on the helper has registered and unlocked
 * it.  Only then does the green thread let the program's mutex go, and
 * park.  The second lock blocks the OS thread, but only while a running
 * helper registers, which never waits.  When the helper's wait ends (a
 * signal, the deadline), it relocks proxy, lets it go and says it is
 * done; the green thread takes the program's mutex back, parking for it
 * as any locker does, and returns what glibc's wait returned.
 *
 * These waits are not cancellation points: the job lives on the waiting
 * thread's stack until the helper is done with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fd.h"
#include "kept.h"
#include "sync.h"

#define HELPER_STACK (128 * 1024)

struct helper {
    struct helper *next; /* in the idle list */
    void (*job)(void *arg);
    void *arg;
    sem_t go;    /* glibc's semaphore: a job is set */
    int done_fd; /* eventfd: the job is done */
};

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct helper *idle;

/* ---- Helper threads ----------------------------------------------------- */

/* A native thread: no hub, so every call it makes is glibc's. */
static void *helper_main(void *arg)
{
    struct helper *w = arg;
    uint64_t one = 1;
    for (;;) {
        while (real()->sem_wait(&w->go) != 0)
            ;
        w->job(w->arg);
        while (real()->write(w->done_fd, &one, sizeof one) < 0)
            ;
    }
    return NULL;
}

/* Start a thread that blocks every asynchronous signal (the program's
 * handlers run on its own threads, as before) and runs helper_main. */
static int start_thread(struct helper *w)
{
    pthread_attr_t attr;
    sigset_t mask;
    pthread_t t;
    if (pthread_attr_init(&attr))
        return -1;
    sigfillset(&mask);
    sigdelset(&mask, SIGSEGV);
    sigdelset(&mask, SIGBUS);
    sigdelset(&mask, SIGFPE);
    sigdelset(&mask, SIGILL);
    int r = pthread_attr_setsigmask_np(&attr, &mask);
    if (!r)
        r = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (!r)
        r = pthread_attr_setstacksize(&attr, HELPER_STACK);
    if (!r)
        r = real()->pthread_create(&t, &attr, helper_main, w);
    pthread_attr_destroy(&attr);
    return r ? -1 : 0;
}

static struct helper *new_helper(void)
{
    struct helper *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->done_fd < 0)
        goto no_fd;
    hook__fd_created(w->done_fd);
    if (real()->sem_init(&w->go, 0, 0) != 0)
        goto no_thread;
    if (start_thread(w) != 0)
        goto no_thread;
    return w;
no_thread:
    real()->close(w->done_fd);
no_fd:
    free(w);
    return NULL;
}

static struct helper *take_helper(void)
{
    real()->pthread_mutex_lock(&idle_lock);
    struct helper *w = idle;
    if (w)
        idle = w->next;
    real()->pthread_mutex_unlock(&idle_lock);
    return w ? w : new_helper();
}

static void give_back(struct helper *w)
{
    real()->pthread_mutex_lock(&idle_lock);
    w->next = idle;
    idle = w;
    real()->pthread_mutex_unlock(&idle_lock);
}

void hook__kept_helpers_fork_child(void)
{
    /* Their threads did not come along; their descriptors did. */
    while (idle) {
        struct helper *w = idle;
        idle = w->next;
        real()->close(w->done_fd);
        free(w);
    }
    idle_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
}

/* A helper for the calling thread, waiting for one if none can be started
 * now (a thread or memory limit), as a native waiter would need no more. */
static struct helper *helper_for(void)
{
    struct helper *w;
    while (!(w = take_helper()))
        green_sleep(1000000);
    return w;
}

static void start_job(struct helper *w, void (*job)(void *), void *arg)
{
    w->job = job;
    w->arg = arg;
    real()->sem_post(&w->go);
}

/* Park until w has finished its job, whatever signal or cancellation
 * comes meanwhile: the job uses the caller's stack. */
static void await_job(struct green__hub *h, struct helper *w)
{
    struct green *self = h->current;
    unsigned char outer = self->no_cancel;
    int saved_errno = errno; /* the reads fail with EAGAIN */
    uint64_t n;
    self->no_cancel = 1;
    while (real()->read(w->done_fd, &n, sizeof n) != (ssize_t)sizeof n)
        green__wait_fd(h, w->done_fd, EV_READ, -1);
    self->no_cancel = outer;
    errno = saved_errno;
    give_back(w);
}

/* ---- Barriers ----------------------------------------------------------- */

struct barrier_job {
    pthread_barrier_t *b;
    int result;
};

static void barrier_wait(void *arg)
{
    struct barrier_job *j = arg;
    j->result = real()->pthread_barrier_wait(j->b);
}

int hook__kept_barrier_wait(pthread_barrier_t *b)
{
    struct green *self = green__current();
    self->last_call = __builtin_return_address(0);
    if (hook__kept_alone(self))
        return real()->pthread_barrier_wait(b);
    struct barrier_job j = {b, 0};
    struct helper *w = helper_for();
    start_job(w, barrier_wait, &j);
    await_job(self->hub, w);
    return j.result;
}

/* ---- Conds -------------------------------------------------------------- */

struct cond_job {
    pthread_cond_t *c;
    pthread_mutex_t proxy;
    enum hook__cond_call call;
    clockid_t clock;
    const struct timespec *deadline;
    int result;
};

static int glibc_cond_wait(pthread_cond_t *c, pthread_mutex_t *m,
                           enum hook__cond_call call, clockid_t clock,
                           const struct timespec *deadline)
{
    switch (call) {
    case HOOK__COND_WAIT:
        return real()->pthread_cond_wait(c, m);
    case HOOK__COND_TIMEDWAIT:
        return real()->pthread_cond_timedwait(c, m, deadline);
    default:
        return real()->pthread_cond_clockwait(c, m, clock, deadline);
    }
}

static void cond_wait(void *arg)
{
    struct cond_job *j = arg;
    j->result =
        glibc_cond_wait(j->c, &j->proxy, j->call, j->clock, j->deadline);
    real()->pthread_mutex_unlock(&j->proxy);
}

/* The program's mutex, whatever it is: let go and taken back as its own
 * hooks would, the way glibc's cond lets its mutex go (a green recursive
 * mutex at any depth, as green conds do). */
static unsigned let_go(pthread_mutex_t *m)
{
    if (hook__kept_mutex(m)) {
        hook__kept_mutex_unlock(m);
        return 0;
    }
    return green__mutex_release((green_mutex_t *)m);
}

static int take_back(struct green *self, pthread_mutex_t *m, unsigned depth)
{
    if (!hook__kept_mutex(m)) {
        green__mutex_reacquire((green_mutex_t *)m, depth);
        return 0;
    }
    const void *call = self->last_call; /* the cond hook's, for the monitor */
    int r = hook__kept_mutex_lock(m, CLOCK_REALTIME, NULL);
    self->last_call = call;
    return r;
}

/* What glibc's wait would refuse before waiting: a bad deadline, or (where
 * it can tell) a mutex the caller does not hold. */
static int refused(struct green *self, pthread_mutex_t *m,
                   enum hook__cond_call call, clockid_t clock,
                   const struct timespec *deadline)
{
    if (call != HOOK__COND_WAIT &&
        (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L))
        return EINVAL;
    if (call == HOOK__COND_CLOCKWAIT && clock != CLOCK_REALTIME &&
        clock != CLOCK_MONOTONIC)
        return EINVAL;
    if (hook__kept_mutex(m) ? !hook__kept_mutex_mine(m)
                            : green__mutex_owner((green_mutex_t *)m) != self)
        return EPERM;
    return 0;
}

static int wait_on_helper(struct green__hub *h, struct cond_job *j,
                          pthread_mutex_t *m)
{
    struct helper *w = helper_for();
    real()->pthread_mutex_lock(&j->proxy);
    start_job(w, cond_wait, j);
    /* Returns once the helper's wait is registered and let proxy go. */
    real()->pthread_mutex_lock(&j->proxy);
    real()->pthread_mutex_unlock(&j->proxy);
    unsigned depth = let_go(m);
    await_job(h, w);
    int r = take_back(h->current, m, depth);
    return r ? r : j->result;
}

int hook__kept_cond_wait(pthread_cond_t *c, pthread_mutex_t *m,
                         enum hook__cond_call call, clockid_t clock,
                         const struct timespec *deadline)
{
    struct green *self = green__current();
    self->last_call = __builtin_return_address(0);
    int r = refused(self, m, call, clock, deadline);
    if (r)
        return r;
    if (hook__kept_mutex(m) && hook__kept_alone(self))
        return glibc_cond_wait(c, m, call, clock, deadline);
    struct cond_job j = {c, PTHREAD_MUTEX_INITIALIZER, call, clock, deadline,
                         0};
    return wait_on_helper(self->hub, &j, m);
}
