/*
 * world.c - the hubs of a process: the scheduler lock, worker OS threads,
 * placement of new green threads, and wake-ups across hubs.
 *
 * A green thread runs on the hub it was placed on when it was created and
 * stays there (docs/DESIGN.md pitfall 2: compilers cache the address of
 * errno and other TLS across calls).  A thread of one hub that wakes a
 * thread of another (a mutex unlock, a cond signal, a join) decides the
 * wake under the scheduler lock, as it would locally, but only the owning
 * hub may touch the woken thread's libev watchers and run queue: the woken
 * thread goes into that hub's inbox, and a write to the hub's eventfd
 * makes its loop look.  The inbox is under the scheduler lock; the
 * eventfd is written with the real write, as a hooked one could park.
 */
#include <stdlib.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "real.h"
#include "world.h"

struct green__world green__process_world = {.next_id = 1};

struct green__world *green__world_new(void)
{
    struct green__world *w = calloc(1, sizeof *w);
    if (w)
        w->next_id = 1;
    return w;
}

void green__world_free(struct green__world *w)
{
    if (w != &green__process_world)
        free(w);
}

void green__lock_wait(struct green__world *w)
{
    for (unsigned spins = 0;; spins++) {
        if (!__atomic_load_n(&w->lock, __ATOMIC_RELAXED) &&
            !__atomic_exchange_n(&w->lock, 1, __ATOMIC_ACQUIRE))
            return;
        /* The holder runs a few instructions unless its OS thread was
         * descheduled: then stop burning the CPU it needs. */
        if (spins < 256)
            __builtin_ia32_pause();
        else
            green__real.sched_yield();
    }
}

void green__world_add(struct green__hub *h)
{
    struct green__world *w = h->world;
    green__assert(w->hub_count < GREEN__WORKERS_MAX);
    h->worker = w->hub_count;
    w->hubs[w->hub_count++] = h;
}

struct green__hub *green__place(struct green__hub *h)
{
    struct green__world *w = h->world;
    if (w->hub_count < 2)
        return h;
    /* Round-robin, starting with the second hub: the main thread has
     * the first to itself until others come round. */
    w->next_hub = (w->next_hub + 1) % w->hub_count;
    return w->hubs[w->next_hub];
}

/* ---- Inboxes ------------------------------------------------------------- */

/* Write the eventfd of h, once until its loop has looked.  Called locked. */
static void ring(struct green__hub *h)
{
    if (!h->inbox_rung) {
        uint64_t one = 1;
        h->inbox_rung = 1;
        ssize_t n = green__real.write(h->inbox_fd, &one, sizeof one);
        green__assert(n == sizeof one);
    }
}

void green__release_at_home(struct green *g)
{
    struct green__hub *home = g->home;
    if (home == green__hub) {
        green__release(g);
        return;
    }
    green__lock();
    g->run_next = home->to_release;
    home->to_release = g;
    ring(home);
    green__unlock();
}

static void on_inbox(struct ev_loop *loop, ev_io *io, int revents)
{
    struct green__hub *h = green__container_of(io, struct green__hub, inbox_io);
    uint64_t count;
    (void)loop;
    (void)revents;
    while (green__real.read(h->inbox_fd, &count, sizeof count) > 0)
        ;
    green__lock();
    struct green *g = h->inbox, *next, *fifo = NULL;
    struct green *ended = h->to_release;
    h->inbox = NULL;
    h->to_release = NULL;
    h->inbox_rung = 0;
    green__unlock();
    for (; ended; ended = next) {
        next = ended->run_next;
        green__release(ended);
    }
    for (; g; g = next) { /* pushed newest first */
        next = g->run_next;
        g->run_next = fifo;
        fifo = g;
    }
    for (g = fifo; g; g = next) {
        next = g->run_next;
        green__disarm_watchers(h, g);
        green__runq_push(h, g);
    }
}

/* Ready the inbox of the calling OS thread's hub: its loop and eventfd. */
static int inbox_open(struct green__hub *h)
{
    if (h->inbox_fd > 0)
        return 0;
    int fd = green__real.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    h->inbox_fd = fd;
    ev_io_init(&h->inbox_io, on_inbox, fd, EV_READ);
    ev_io_start(green__loop(h), &h->inbox_io);
    /* Like the async watcher, it must not keep ev_run from returning
     * when nothing else is active... it is always active: the hub waits
     * for other hubs' wake-ups even when it has no thread of its own. */
    return 0;
}

void green__inbox_push(struct green__hub *h, struct green *g)
{
    g->run_next = h->inbox;
    h->inbox = g;
    ring(h);
}

/* ---- Workers ------------------------------------------------------------- */

struct worker_start {
    struct green__world *world;
    void (*setup)(struct green__hub *h);
    size_t default_stack;
    unsigned ready; /* workers that joined the world */
    int error;      /* the first failure, -errno */
};

static void *worker_main(void *arg)
{
    struct worker_start *start = arg;
    struct green__hub *h =
        green__hub_create(start->default_stack, start->world);
    struct green *origin = h ? green__adopt(h, 0) : NULL;
    int r = origin ? inbox_open(h) : -ENOMEM;
    if (r < 0) {
        __atomic_store_n(&start->error, r, __ATOMIC_RELEASE);
        __atomic_add_fetch(&start->ready, 1, __ATOMIC_ACQ_REL);
        return NULL;
    }
    if (start->setup)
        start->setup(h);
    h->own_context = origin;
    green__lock();
    green__world_add(h);
    h->world->os_threads[h->worker] = green__real.pthread_self();
    green__unlock();
    __atomic_add_fetch(&start->ready, 1, __ATOMIC_ACQ_REL);
    /* The OS thread's own context parks until the workers stop; till
     * then the hub runs whatever green threads are placed here. */
    green__lock();
    green__park_nocancel(h);
    green__unlock();
    green__unadopt(h, origin);
    green__hub_destroy(h);
    return NULL;
}

void green__workers_stop(struct green__world *w)
{
    unsigned count = w->hub_count;
    if (count < 2)
        return;
    green__lock();
    for (unsigned i = 1; i < count; i++)
        green__wake(w->hubs[i]->own_context, 0);
    green__unlock();
    for (unsigned i = 1; i < count; i++)
        green__real.pthread_join(w->os_threads[i], NULL);
    w->hub_count = 1;
    w->multi = 0;
}

int green__workers_start(unsigned count, void (*setup)(struct green__hub *h))
{
    struct green__hub *h = green__hub;
    static struct worker_start start;
    pthread_attr_t attr;
    int r;
    if (!h || count < 2 || h->world->hub_count > 1)
        return 0;
    if ((r = inbox_open(h)) < 0)
        return r;
    start = (struct worker_start){
        .world = h->world, .setup = setup, .default_stack = h->default_stack};
    h->world->multi = 1;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    unsigned started = 0;
    pthread_t tid;
    for (; started < count - 1; started++) {
        r = green__real.pthread_create(&tid, &attr, worker_main, &start);
        if (r)
            break;
    }
    pthread_attr_destroy(&attr);
    while (__atomic_load_n(&start.ready, __ATOMIC_ACQUIRE) < started) {
        struct timespec pause = {0, 100000};
        green__real.nanosleep(&pause, NULL);
    }

    if (started < count - 1 || start.error)
        return r ? -r : start.error;
    return 0;
}

/* ---- fork ---------------------------------------------------------------- */

void green__world_fork_child(struct green__hub *h)
{
    struct green__world *w = h->world;
    w->multi = 0;
    w->lock = 0;
    w->hub_count = 0;
    w->next_hub = 0;
    green__world_add(h);
}
