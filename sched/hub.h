/*
 * hub.h - the hub of an OS thread: its run queue, parking and waking, its libev
 * loop, and timeouts (hub.c, timeout.c).
 */
#ifndef GREEN_HUB_H
#define GREEN_HUB_H

#include <ev.h>
#include <signal.h>

#include "thread.h"

struct green__fd_entry;
struct green__pool;
struct green__world;

#define GREEN__ADDR_BUCKETS 64

/* Counters for GREENRUN_STATS: per hub and plain increments, so they cost
 * nothing measurable on the hot path. */
struct green__stats {
    uint64_t spawned;
    uint64_t peak_live;
    uint64_t switches;
    uint64_t parks;
    uint64_t fd_waits;
    uint64_t timed_waits;
    uint64_t file_calls;       /* passed through on regular files: may block */
    uint64_t monitor_events;   /* threads that held the OS thread too long */
    uint64_t offloaded;        /* calls run on the native pool (offload.c) */
    uint64_t preemptions;      /* threads switched out by a time slice */
    uint64_t preempt_deferred; /* ticks that found no safe point */
};

/* Which parks a signal handler may end with EINTR, as the system calls
 * they stand for would be (signal(7)): restartable ones only for handlers
 * installed without SA_RESTART; the others (sleeps, poll, sem_wait) for
 * every handler. */
enum {
    GREEN__EINTR_NONE,
    GREEN__EINTR_RESTARTABLE,
    GREEN__EINTR_ALWAYS,
    GREEN__EINTR_SIGSUSPEND /* pause, sigsuspend: waiting for a signal */
};

struct green__hub {
    struct green *current;
    uint64_t os_sigmask;    /* what the OS thread blocks, as a switch set it */
    uint64_t sigmask_floor; /* ... always: a worker's process-directed
                               signals (shim/init.c) */
    volatile sig_atomic_t signals_new; /* handlers wait in parked threads */
    struct green__stats stats;
    struct green *hub_thread; /* runs the libev loop on its own stack */
    struct green *previous;   /* the context switched from, for ASan */
    struct ev_loop *loop;
    ev_async wakeup;
    struct green *runq_head, *runq_tail;
    unsigned direct_switches; /* since the hub last polled for I/O */
    unsigned runq_len;
    unsigned batch_left;         /* woken by the last poll and not yet run */
    size_t live;                 /* of its threads, started and not yet ended */
    struct green__queue zombies; /* ended, not yet joined */
    struct green *exiting;       /* ended, still on its stack: reap it */
    struct green *to_release;    /* ended threads of its pools, let go on other
                                    hubs (world.c) */
    struct green *main_thread;   /* the adopted main thread (preload) */
    struct green *all;           /* every thread not yet released */
    struct green__world *world;  /* the hubs it works with (world.h) */
    unsigned worker;             /* its index in world->hubs */
    pid_t tid;                   /* of its OS thread (for debuggers) */
    struct green *own_context;   /* a worker OS thread's, parked while its
                                    hub serves (world.c) */
    struct green *inbox; /* woken by other hubs, not yet queued (world.c) */
    unsigned char inbox_rung; /* ... and its eventfd was written */
    int inbox_fd;             /* that eventfd, once there are workers */
    ev_io inbox_io;
    size_t default_stack;
    struct green__slab *slabs;      /* of default-size stacks (stack.c) */
    struct green__slab *slab_spare; /* ... the one empty slab kept */
    unsigned slab_count;
    unsigned slab_dirty; /* free slots that still hold their pages */
    void *stack_hot;     /* freed stacks kept whole (stack.c) */
    unsigned stack_hot_count;
    struct green__fd_entry **fd_pages;
    size_t fd_page_count;
    struct green__pool *offload; /* offload.c's native workers, or NULL */
    void *native_tp;             /* the OS thread's own thread pointer */
    int *native_errno;           /* ... and its errno (hub.c switch_to) */
    unsigned char private_tls;   /* new threads get their own (tls.c) */
    unsigned tls_pool_count;
    void *tls_pool; /* ended threads' blocks, linked through their first word */
    struct libc_state *libc_stash; /* C library blocks of freed ones */
    /* Where a preemption tick found the running thread unable to yield
     * (hooks/preempt.c), for the monitor (observe.c). */
    const void *volatile preempt_blocked_pc;
    uint64_t cpu_mark_ns; /* the OS thread's CPU time at the last switch,
                             once CPU clocks are counted (cpuclock.c) */
    /* What only the preload keeps per hub (struct hook__hub,
     * hooks/preload_state.h): zeroed with the hub, never read here. */
    _Alignas(8) unsigned char preload[GREEN__PRELOAD_HUB_BYTES];
};

/* The hub of this OS thread, or NULL.  initial-exec: a preloaded library
 * may use static TLS, and the general model costs a call per access. */
extern __thread struct green__hub *green__hub
    __attribute__((tls_model("initial-exec")));

struct green__world;
/* A hub for the calling OS thread, in world (world.h). */
struct green__hub *green__hub_create(size_t default_stack,
                                     struct green__world *world);
void green__hub_destroy(struct green__hub *h);

/* After fork, in the child: keep only the calling green thread. */
void green__fork_child(struct green__hub *h);

/* The hub's libev loop, created on first use. */
struct ev_loop *green__loop(struct green__hub *h);

/* The calling green thread, or NULL (no hub, or running the hub itself). */
struct green *green__current(void);

/* Adopt the running context as a green thread without a stack of its own
 * (the caller of green_main, or a preloaded program's main thread). */
struct green *green__adopt(struct green__hub *h, int counted);
/* Undo green__adopt for an uncounted context. */
void green__unadopt(struct green__hub *h, struct green *g);

void green__runq_push(struct green__hub *h, struct green *g);

/* Prepare the watchers every green thread carries for its waits. */
void green__init_watchers(struct green *g);

/* Park the current green thread until green__wake(g, r); returns r.
 * Called with the scheduler lock held (world.h), which it drops while
 * parked and holds again when it returns; so are all park variants. */
int green__park(struct green__hub *h);
/* Park where POSIX has no cancellation point (mutex, rwlock, once...):
 * a pending cancel neither prevents nor ends this wait. */
int green__park_nocancel(struct green__hub *h);
/* Park; a signal handler may end it with -EINTR (GREEN__EINTR_*). */
int green__park_interruptible(struct green__hub *h, int kind);
/* From a signal handler: signals wait for parked threads (their
 * GREEN__SIG_DUE is set); the hub hands them out when it next runs.
 * Async-signal-safe. */
void green__signals_notify(struct green__hub *h);
/* Set the OS thread's signal mask (the first word; the rest is empty). */
void green__set_os_sigmask(struct green__hub *h, uint64_t mask);
/* The OS thread blocks mask and its floor, set only if that changes. */
static inline void green__apply_os_sigmask(struct green__hub *h, uint64_t mask)
{
    mask |= h->sigmask_floor;
    if (mask != h->os_sigmask)
        green__set_os_sigmask(h, mask);
}
/* The preload's signal delivery (hooks/deliver.c), NULL without it: run
 * the handlers waiting for g, the running thread, at a switch; and, in
 * the hub, make the parked threads that have some runnable. */
extern void (*green__signal_take_hook)(struct green *g);
extern void (*green__signal_hand_out_hook)(struct green__hub *h);
/* Ask g to be cancelled: ends a cancellable park of g with -ECANCELED now
 * (or its next one) unless g disabled cancellation. */
void green__cancel(struct green *g);
/* Make a parked thread runnable with result r; stops its watchers and
 * takes it out of the queue it waits in.  No-op unless parked.  Called
 * with the scheduler lock held; g may belong to another hub. */
void green__wake(struct green *g, int r);
/* Stop the libev watchers g armed for its wait (on its own hub only). */
void green__disarm_watchers(struct green__hub *h, struct green *g);

/* Switch to the next runnable thread (or the hub) and come back later. */
void green__schedule(struct green__hub *h);
/* green_yield on h (NULL: no hub): the caller goes to the back of the run
 * queue, and the next runnable thread runs (or the hub, to poll). */
void green__yield(struct green__hub *h);

/* ---- Timeouts (timeout.c) ---------------------------------------------- */

/* Arm the current thread's timer for its next park.  ns < 0: no limit. */
void green__arm_timeout(struct green *g, int64_t ns);
/* Arm for an absolute deadline.  0, -EINVAL or -ETIMEDOUT (passed). */
int green__arm_deadline(struct green *g, clockid_t clock,
                        const struct timespec *deadline);
/* 0 or -EINVAL: a clock and timespec the timed waits accept. */
int green__check_deadline(clockid_t clock, const struct timespec *deadline);

#endif
