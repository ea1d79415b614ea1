/*
 * hub.c - the hub: run queue, parking, and the libev loop.
 *
 * One hub per OS thread.  A green thread that blocks parks itself and
 * switches straight to the next runnable green thread; only when none is
 * runnable (or after a run of direct switches, so that busy threads cannot
 * starve I/O) does it switch to the hub, whose own small stack runs the
 * libev loop.  Watcher callbacks never run green code: they only make parked
 * threads runnable again.
 *
 * The libev loop (an epoll fd and an eventfd) is created on first use, not
 * with the hub: a preloaded program that never waits must see the same
 * descriptor numbers as natively.
 *
 * The hub keeps an ev_async watcher active at all times.  It is the door for
 * wake-ups from other OS threads (the offload pool's workers, offload.c)
 * and from signal handlers (signals left for parked threads), and it keeps
 * ev_run blocking when every green thread waits on something without a
 * watcher (a deadlocked program then hangs quietly, as it would natively,
 * instead of spinning).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuclock.h"
#include "fd.h"
#include "offload.h"
#include "real.h"
#include "sanitize.h"
#include "tls.h"
#include "world.h"

/* After this many green-to-green switches, and once every thread the last
 * poll woke has run, the hub polls for I/O again. */
#define DIRECT_SWITCH_LIMIT 1024

#define HUB_STACK_SIZE (128 * 1024)

__thread struct green__hub *green__hub
    __attribute__((tls_model("initial-exec")));

struct green *green__current(void)
{
    struct green__hub *h = green__hub;
    if (!h || h->current == h->hub_thread)
        return NULL;
    return h->current;
}

static inline void runq_push(struct green__hub *h, struct green *g)
{
    h->runq_len++;
    g->run_next = NULL;
    if (h->runq_tail)
        h->runq_tail->run_next = g;
    else
        h->runq_head = g;
    h->runq_tail = g;
}

void green__runq_push(struct green__hub *h, struct green *g)
{
    runq_push(h, g);
}

static struct green *runq_pop(struct green__hub *h)
{
    struct green *g = h->runq_head;
    if (g) {
        h->runq_len--;
        if (h->batch_left)
            h->batch_left--;
        h->runq_head = g->run_next;
        if (!h->runq_head)
            h->runq_tail = NULL;
    }
    return g;
}

/* Cold: threads that never change their masks all share one. */
__attribute__((cold)) void green__set_os_sigmask(struct green__hub *h,
                                                 uint64_t mask)
{
    sigset_t set;
    memset(&set, 0, sizeof set);
    memcpy(&set, &mask, sizeof mask);
    h->os_sigmask = mask;
    green__real.pthread_sigmask(SIG_SETMASK, &set, NULL);
}

/*
 * The straight path of every switch.  Everything a switch may have to do
 * besides moving registers is checked here and done out of line, so that
 * the common switch (same signal mask, same TLS, CPU clocks off, nobody to
 * reap) costs a few compares.  self is the running thread, next another
 * (gdb's bt and scripts/greenrun-gdb.py show a switched-out thread's
 * innermost frame as switch_to).
 *
 * errno: green threads on the OS thread's TLS share its errno, so each
 * keeps its own value across a switch in saved_errno.  Its slot is fixed
 * for the OS thread (native_errno), which spares a call to
 * __errno_location.  A thread with a TLS block of its own has its errno
 * there, out of reach of the others: the copy is of no use to it, and of
 * no harm (it writes back what the slot held when it left).
 */
static inline void switch_to(struct green__hub *h, struct green *self,
                             struct green *next)
{
    self->saved_errno = *h->native_errno;
    /* The OS thread blocks what the running thread blocks.  Set before
     * the switch: a signal it lets through is taken while self is still
     * current, and handed to a thread that takes it (hooks/deliver.c). */
    green__apply_os_sigmask(h, next->sigmask);
    h->stats.switches++;
    if (__builtin_expect(green__cpu_clocks_wanted(), 0))
        green__cpu_account(h, self);
    h->previous = self;
    h->current = next;
    green__asan_leave(self, next);
    green__tsan_switch(next);
    /* From here on this code touches no TLS until it is resumed. */
    if (self->tls != next->tls)
        green__tp_set(next->tls);
    green__switch(&self->sp, next->sp);
    /* Back on our own stack: someone switched to us. */
    green__asan_arrive(self, h->previous);
    *h->native_errno = self->saved_errno;
    if (__builtin_expect(h->exiting != NULL, 0))
        green__reap(h);
}

/* Whether the next switch may go straight to a runnable thread; if not,
 * it goes to the hub, which polls for I/O first. */
static inline int may_switch_directly(const struct green__hub *h)
{
    return h->direct_switches < DIRECT_SWITCH_LIMIT || h->batch_left;
}

static inline void schedule(struct green__hub *h)
{
    struct green *next = NULL;
    if (may_switch_directly(h))
        next = runq_pop(h);
    if (next)
        h->direct_switches++;
    else
        next = h->hub_thread;
    if (next != h->current)
        switch_to(h, h->current, next);
}

void green__schedule(struct green__hub *h)
{
    schedule(h);
}

/* Yield where another thread is runnable and no poll is due: self goes
 * to the back of the run queue and its head runs, so the queue keeps its
 * length. */
static inline void yield_directly(struct green__hub *h, struct green *self)
{
    struct green *next = h->runq_head;
    if (h->batch_left)
        h->batch_left--;
    h->direct_switches++;
    self->run_next = NULL;
    if (next->run_next) {
        h->runq_head = next->run_next;
        h->runq_tail->run_next = self;
    } else {
        h->runq_head = self;
    }
    h->runq_tail = self;
    switch_to(h, self, next);
}

void green__yield(struct green__hub *h)
{
    struct green *self = h ? h->current : NULL;
    if (!self || self == h->hub_thread)
        return;
    if (__builtin_expect(h->runq_head && may_switch_directly(h), 1)) {
        yield_directly(h, self);
        return;
    }
    /* Alone, yield through the hub: it polls I/O on the way, so a thread
     * that yields in a loop does not starve the ones waiting for fds. */
    if (!h->runq_head) {
        h->direct_switches = UINT_MAX;
        h->batch_left = 0;
    }
    runq_push(h, self);
    schedule(h);
}

void green__disarm_watchers(struct green__hub *h, struct green *g)
{
    if (ev_is_active(&g->io))
        ev_io_stop(h->loop, &g->io);
    if (ev_is_active(&g->timer))
        ev_timer_stop(h->loop, &g->timer);
    if (ev_is_active(&g->periodic))
        ev_periodic_stop(h->loop, &g->periodic);
}

/* Stop what a thread armed for its wait and take it out of its queue. */
static void disarm(struct green__hub *h, struct green *g)
{
    green__disarm_watchers(h, g);
    green__queue_remove(g);
}

static int cancel_due(const struct green *g)
{
    return g->cancel_pending && !g->cancel_disabled && !g->no_cancel;
}

/* Signal handlers waiting for self run here, called locked (they run
 * unlocked): before it waits, and when it is resumed only to run them.
 * They may end the wait.  A thread of another hub that woke it meanwhile
 * left its watchers to it (green__wake). */
static void park_taking_signals(struct green__hub *h, struct green *self)
{
    do {
        if (self->sig_flags & GREEN__SIG_DUE)
            green__signal_take_hook(self);
        else if (self->sig_flags & GREEN__SIG_QUEUED)
            green__sig_flags_clear(self, GREEN__SIG_QUEUED);
        if (self->state == GREEN__PARKED) {
            green__unlock();
            green__schedule(h);
            green__lock();
        }
    } while (self->state == GREEN__PARKED);
    green__disarm_watchers(h, self);
}

int green__park(struct green__hub *h)
{
    struct green *self = h->current;
    if (cancel_due(self)) {
        disarm(h, self);
        return -ECANCELED;
    }
    h->stats.parks++;
    /* Parked before the lock goes: a waker on another hub that finds us
     * in a queue from now on wakes us, even before we have switched out
     * (our hub takes us from its inbox only once we have). */
    self->state = GREEN__PARKED;
    if (!self->sig_flags) {
        green__unlock();
        green__schedule(h);
        green__lock();
    }
    /* Signals wait for it, or it was resumed only to take them. */
    if (self->state == GREEN__PARKED || self->sig_flags)
        park_taking_signals(h, self);
    return self->wake_result;
}

int green__park_nocancel(struct green__hub *h)
{
    struct green *self = h->current;
    unsigned char outer = self->no_cancel;
    self->no_cancel = 1;
    int r = green__park(h);
    self->no_cancel = outer;
    return r;
}

void green__cancel(struct green *g)
{
    green__lock();
    g->cancel_pending = 1;
    if (g->state == GREEN__PARKED && cancel_due(g))
        green__wake(g, -ECANCELED);
    green__unlock();
}

void green__wake(struct green *g, int r)
{
    struct green__hub *h = g->hub;
    if (g->state != GREEN__PARKED)
        return;
    green__queue_remove(g);
    g->wake_result = r;
    g->state = GREEN__RUNNABLE;
    /* Queued or running to take signals inside its wait (green__park):
     * it finds itself woken there. */
    if (g->sig_flags & GREEN__SIG_QUEUED) {
        if (h == green__hub)
            green__disarm_watchers(h, g);
        return;
    }
    if (h != green__hub) {
        green__inbox_push(h, g); /* its hub stops its watchers */
        return;
    }
    green__disarm_watchers(h, g);
    green__runq_push(h, g);
}

/* Wake g from one of its hub's watcher callbacks. */
static void wake_locked(struct green *g, int r)
{
    green__lock();
    green__wake(g, r);
    green__unlock();
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    wake_locked(green__container_of(w, struct green, io),
                revents & (EV_READ | EV_WRITE));
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    wake_locked(green__container_of(w, struct green, timer), -ETIMEDOUT);
}

static void on_periodic(struct ev_loop *loop, ev_periodic *w, int revents)
{
    (void)loop;
    (void)revents;
    wake_locked(green__container_of(w, struct green, periodic), -ETIMEDOUT);
}

void (*green__signal_take_hook)(struct green *g);
void (*green__signal_hand_out_hook)(struct green__hub *h);

static void on_wakeup(struct ev_loop *loop, ev_async *w, int revents)
{
    struct green__hub *h = green__container_of(w, struct green__hub, wakeup);
    (void)loop;
    (void)revents;
    green__offload_finish(h);
}

void green__signals_notify(struct green__hub *h)
{
    h->signals_new = 1;
    if (h->loop)
        ev_async_send(h->loop, &h->wakeup);
}

/* One exchange: signals left between a read and a reset would wait until
 * the next ones came. */
static void hand_out_signals(struct green__hub *h)
{
    if (h->signals_new &&
        __atomic_exchange_n(&h->signals_new, 0, __ATOMIC_ACQ_REL))
        green__signal_hand_out_hook(h);
}

int green__park_interruptible(struct green__hub *h, int kind)
{
    struct green *self = h->current;
    self->interruptible = (unsigned char)kind;
    int r = green__park(h);
    self->interruptible = GREEN__EINTR_NONE;
    return r;
}

void green__init_watchers(struct green *g)
{
    ev_init(&g->io, on_io);
    ev_init(&g->timer, on_timer);
    ev_init(&g->periodic, on_periodic);
}

/* The hub's own green thread: poll, then run whatever became runnable. */
static void *hub_main(void *arg)
{
    struct green__hub *h = arg;
    for (;;) {
        h->direct_switches = 0;
        h->batch_left = 0;
        ev_run(green__loop(h), h->runq_head ? EVRUN_NOWAIT : EVRUN_ONCE);
        hand_out_signals(h);
        /* Poll again only once everything this poll woke has run: an fd
         * whose reader has not run yet is still readable, and libev would
         * take it out of epoll, to be added back right after. */
        h->batch_left = h->runq_len;
        struct green *next = runq_pop(h);
        if (next)
            switch_to(h, h->current, next);
    }
    return NULL;
}

static void on_libev_error(const char *msg)
{
    green__say("greenrun: libev: ");
    green__say(msg);
    green__say(": ");
    green__say(strerror(errno));
    green__say("\n");
    abort();
}

struct ev_loop *green__loop(struct green__hub *h)
{
    if (h->loop)
        return h->loop;
    h->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV);
    if (!h->loop) {
        green__say("greenrun: cannot create the event loop (out of file "
                   "descriptors or memory?)\n");
        abort();
    }
    ev_async_start(h->loop, &h->wakeup);
    return h->loop;
}

struct green *green__adopt(struct green__hub *h, int counted)
{
    struct green *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->magic = GREEN__MAGIC;
    g->hub = h;
    g->state = GREEN__RUNNABLE;
    g->id = counted ? green__next_id(h->world) : 0;
    g->home = h;
    g->tls = h->native_tp;
    green__init_watchers(g);
    green__tsan_created(g, 1);
    if (counted) {
        h->live++;
        h->world->live++;
    }
    green__all_add(h, g);
    h->current = g;
    return g;
}

void green__unadopt(struct green__hub *h, struct green *g)
{
    green__assert(h->current == g);
    h->current = NULL;
    green__all_remove(h, g);
    free(g);
}

static int start_hub_thread(struct green__hub *h)
{
    green_attr_t attr = {.stack_size = HUB_STACK_SIZE, .name = "hub"};
    /* Not one of the program's threads: never counted, numbered or
     * queued; it is entered only by green__schedule. */
    return green__create(h, &h->hub_thread, hub_main, h, &attr);
}

struct green__hub *green__hub_create(size_t default_stack,
                                     struct green__world *world)
{
    struct green__hub *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->world = world;
    h->tid = gettid();
    h->default_stack = default_stack;
    h->native_tp = green__tp_get();
    h->native_errno = &errno;
    ev_set_syserr_cb(on_libev_error);
    ev_async_init(&h->wakeup, on_wakeup);
    if (start_hub_thread(h) < 0)
        goto err_free;
    if (green__overflow_install() < 0)
        goto err_thread;
    green__hub = h;
    return h;

err_thread:
    green__release(h->hub_thread);
err_free:
    free(h);
    return NULL;
}

/*
 * In a forked child only the thread that called fork goes on, as with
 * native threads.  The others are stopped where they are: their watchers
 * go, they leave the run queue and count as ended, but their memory stays,
 * since app-owned wait queues may still point at them (a mutex one of them
 * held stays locked, as POSIX says).  The loop's epoll fd is the parent's,
 * so libev makes its own again.
 */
void green__fork_child(struct green__hub *h)
{
    struct green *self = h->current;
    for (struct green *g = h->all; g; g = g->all_next) {
        if (g == self || g == h->hub_thread || g->state == GREEN__DONE)
            continue;
        disarm(h, g);
        g->state = GREEN__DONE;
    }
    h->runq_head = h->runq_tail = NULL;
    h->runq_len = h->batch_left = 0;
    h->live = 1;
    h->stats = (struct green__stats){.spawned = 1, .peak_live = 1};
    h->exiting = NULL;
    h->world->live = 1;
    h->world->all_done = NULL;
    if (self != h->main_thread)
        h->main_thread = NULL;
    green__offload_fork_child(h);
    /* The inbox's eventfd is the parent's too: a child watching it would
     * take the parent's wake-ups.  The child has one hub, no inbox. */
    if (h->inbox_fd > 0) {
        ev_io_stop(h->loop, &h->inbox_io);
        green__real.close(h->inbox_fd);
        h->inbox_fd = 0;
    }
    h->inbox = NULL;
    h->inbox_rung = 0;
    if (h->loop)
        ev_loop_fork(h->loop);
}

void green__hub_destroy(struct green__hub *h)
{
    struct green *z;
    green__assert(h->live == 0);
    while ((z = green__queue_pop(&h->zombies)))
        green__release(z);
    while ((z = h->to_release)) {
        h->to_release = z->run_next;
        green__release(z);
    }
    green__release(h->hub_thread);
    green__stack_pool_drain(h);
    green__handles_free(h);
    green__tls_pool_drain(h);
    green__fd_table_free(h);
    green__overflow_uninstall();
    green__offload_stop(h); /* its workers ring h->wakeup */
    if (h->inbox_fd > 0) {
        ev_io_stop(h->loop, &h->inbox_io);
        green__real.close(h->inbox_fd);
    }
    if (h->loop) {
        ev_async_stop(h->loop, &h->wakeup);
        ev_loop_destroy(h->loop);
    }
    if (green__hub == h)
        green__hub = NULL;
    if (h->world->hub_count == 1 && h->world->hubs[0] == h)
        h->world->hub_count = 0;
    free(h);
}
