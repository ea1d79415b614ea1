/*
 * internal.h - declarations shared by the files of the core (sched/).
 *
 * The core knows nothing of LD_PRELOAD or of libc's errno conventions: its
 * functions return >= 0 or -errno (pthread-style entry points of the API
 * return the positive code).  errno is touched only to save and restore it
 * per green thread on every switch.
 */
#ifndef GREEN_INTERNAL_H
#define GREEN_INTERNAL_H

#include <errno.h>
#include <ev.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/types.h>
#include <time.h>

#include "green.h"

#define GREEN_EXPORT __attribute__((visibility("default")))

#define green__container_of(ptr, type, member)                                 \
    ((type *)((char *)(ptr)-offsetof(type, member)))

/* Checked in every build, NDEBUG or not: a broken invariant is a bug. */
#define green__assert(cond)                                                    \
    ((cond) ? (void)0 : green__assert_fail(#cond, __FILE__, __LINE__))
void green__assert_fail(const char *expr, const char *file, int line)
    __attribute__((noreturn));

/* Write a message to stderr without stdio or allocation (signal-safe). */
void green__say(const char *msg);
/* Write value in decimal, ending just before end; returns its start.
 * Signal-safe, for green__say. */
char *green__format_decimal(char *end, unsigned long value);

#include "real.h"

/* ---- Green threads ------------------------------------------------------ */

enum green__state {
    GREEN__RUNNABLE, /* in the run queue, or running */
    GREEN__PARKED,   /* waiting for green__wake */
    GREEN__DONE      /* ended; stack kept until joined (or released) */
};

/* A FIFO of green threads, linked through green.q_prev/q_next.  A green
 * thread is in at most one queue: what it waits for. */
struct green__queue {
    struct green *head, *tail;
};

struct green__stack {
    void *map; /* guard page, then the stack; NULL if adopted */
    size_t map_size;
    char *lo, *hi;            /* usable range: the stack grows down from hi */
    struct green__slab *slab; /* the slab it is a slot of, or NULL if it is
                                 a mapping of its own (stack.c) */
    unsigned vg_id;           /* valgrind's name for it */
};

#define GREEN__MAGIC                                                           \
    0x6e65657267756e72ULL /* tells our threads from glibc's                    \
                           */

struct green {
    void *sp; /* saved stack pointer while switched out; first for asm */
    uint64_t magic;
    struct green__hub *hub;  /* the hub it runs on */
    struct green__hub *home; /* the hub whose pools its stack and TLS came
                                from: its creator's (world.c) */
    uint64_t id;
    enum green__state state;
    int saved_errno;
    int wake_result; /* what green__park returns */
    int wait_flags;  /* what a queued waiter wants (rwlock) */
    unsigned char detached, is_first;
    unsigned char cancel_pending;  /* pthread_cancel asked (preload) */
    unsigned char cancel_disabled; /* PTHREAD_CANCEL_DISABLE */
    unsigned char cancel_async;    /* PTHREAD_CANCEL_ASYNCHRONOUS */
    unsigned char no_cancel;       /* parked where cancel must not wake */
    unsigned char interruptible;   /* GREEN__EINTR_*: a signal may end it */
    unsigned char stack_given;     /* the program's (pthread_attr_setstack):
                                      struct green is malloc'd (green.c) */
    void *cleanup;                 /* pthread_cleanup_push chain */
    struct green *run_next;
    struct green *q_prev, *q_next;
    struct green__queue *q;
    struct green *joiner;
    void *(*fn)(void *);
    void *arg;
    void *result;
    ev_io io;
    ev_timer timer;
    ev_periodic periodic;
    struct green__stack stack;
    size_t usable_size; /* what the thread asked for, for messages */
    void ***specific;   /* pthread_key values (preload): see specific.c */
    const unsigned *wait_addr; /* what green__addr_wait waits on */
    const void *last_call;     /* inside the last blocking hook (monitor) */
    unsigned io_generation;    /* of io's fd when io was last set */
    struct green *all_prev, *all_next; /* every thread of the hub */
    void *asan_fake_stack;
    void *tsan_fiber; /* ThreadSanitizer builds: its fiber */
    void *tls; /* its thread pointer: own block (tls.c) or the OS thread's */
    unsigned char tls_reused; /* ... taken from the pool (tls.c) */
    unsigned trap_depth;      /* greenrun frames it is in (hooks/trap.c) */
    uint64_t cpu_ns;          /* CPU time charged to it (cpuclock.c) */
    /* Signals (hooks/deliver.c): the signals it blocks and, while it is in
     * sigwait, the ones it waits for, as the kernel's first mask word. */
    uint64_t sigmask, sigwaiting;
    volatile unsigned char sig_flags; /* GREEN__SIG_* */
    char name[16];
};

/* green.sig_flags: signals wait for the thread (a handler to run at its
 * next switch), and it is in the run queue, or running, for them while it
 * is parked.  The preload's hooks keep the other bits. */
#define GREEN__SIG_DUE 1
#define GREEN__SIG_QUEUED 2
static inline void green__sig_flags_clear(struct green *g, unsigned char bits)
{
    __atomic_and_fetch(&g->sig_flags, (unsigned char)~bits, __ATOMIC_ACQ_REL);
}

/* Start the hub's switch; returns in the resumed context. */
void green__switch(void **save_sp, void *new_sp);
/* Prepare a fresh stack whose top is 16-byte aligned; returns its sp. */
void *green__stack_init(void *top);
/* Where every new green thread begins, on its own stack. */
void green__start(void) __attribute__((noreturn));

/* ---- The hub ------------------------------------------------------------ */

#define GREEN__ADDR_BUCKETS 64

/* What a descriptor is, learnt on first use (preload hooks). */
enum green__fd_kind {
    GREEN__FD_UNKNOWN,
    GREEN__FD_SOCKET, /* per-call MSG_DONTWAIT works */
    GREEN__FD_STREAM, /* pipe, tty, eventfd...: pollable, wait first */
    GREEN__FD_FILE    /* regular file, block device: never polled */
};

struct green__fd_entry {
    struct green__queue waiters;
    unsigned char nonblock_known; /* fd is O_NONBLOCK, by us or the user */
    unsigned char nonblock_ours;  /* we set it: restore when done */
    unsigned char kind;           /* enum green__fd_kind */
    unsigned char user_nonblock;  /* the program asked for O_NONBLOCK */
    unsigned char nowait_refused; /* GREEN_READ, GREEN_WRITE: the kernel
                                     refused RWF_NOWAIT (hooks/blocking.c) */
    unsigned generation;          /* bumped each time the fd is forgotten */
    int busy; /* threads of the hub inside a blocking call on it (hooks) */
    int64_t rcvtimeo_ns; /* SO_RCVTIMEO; 0: none */
    int64_t sndtimeo_ns; /* SO_SNDTIMEO; 0: none */
};

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
    unsigned colour;             /* offsets successive stacks' tops (green.c) */
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
    struct green__fd_entry **fd_pages;
    size_t fd_page_count;
    struct green__pool *offload; /* offload.c's native workers, or NULL */
    void *native_tp;             /* the OS thread's own thread pointer */
    int *native_errno;           /* ... and its errno (hub.c switch_to) */
    unsigned char private_tls;   /* new threads get their own (tls.c) */
    unsigned tls_pool_count;
    void *tls_pool; /* ended threads' blocks, linked through their first word */
    struct libc_state *libc_stash; /* C library blocks of freed ones */
    struct kept_lock *kept_locks;  /* glibc's locks held (hooks/kept.c) */
    volatile char trap_selector;   /* Syscall User Dispatch (hooks/trap.c) */
    unsigned char trap_on;         /* ... is enabled on this OS thread */
    unsigned char preempt_on;      /* time slices (hooks/preempt.c) */
    unsigned char signals_on;      /* depth followed for signals (deliver.c) */
    unsigned char preempt_armed;   /* ... its timer is ticking */
    volatile sig_atomic_t preempt_wanted; /* yield at the next safe point */
    uint64_t preempt_switches;            /* stats.switches at the last tick */
    long preempt_slice_ns;
    timer_t preempt_timer;
    const void *volatile preempt_blocked_pc; /* where a tick found it */
    uint64_t cpu_mark_ns; /* the OS thread's CPU time at the last switch,
                             once CPU clocks are counted (cpuclock.c) */
    void *nowait_ring;    /* hooks/nowait.c's io_uring, made on first use */
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

/* ---- The offload pool (offload.c) --------------------------------------- */

/* At most this many native worker threads per hub. */
#define GREEN__OFFLOAD_THREADS 16

/* Run fn(arg) on a native worker thread while the calling green thread
 * parks (not cancellable: the job lives on its stack).  0 once fn has
 * returned; -ENOMEM or -EAGAIN if no worker could take it (fn did not
 * run: the caller may run it itself). */
int green__offload(struct green__hub *h, void (*fn)(void *arg), void *arg);
/* From the hub's ev_async callback: wake the threads whose jobs are done. */
void green__offload_finish(struct green__hub *h);
/* In a forked child: the workers stayed behind; forget them. */
void green__offload_fork_child(struct green__hub *h);
/* Stop and join the workers (hub destruction: no job is pending). */
void green__offload_stop(struct green__hub *h);

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

/* The hub's list of every thread not yet released (queue.c). */
void green__all_add(struct green__hub *h, struct green *g);
void green__all_remove(struct green__hub *h, struct green *g);

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

void green__queue_push(struct green__queue *q, struct green *g);
void green__queue_push_front(struct green__queue *q, struct green *g);
struct green *green__queue_pop(struct green__queue *q);
void green__queue_remove(struct green *g);

/* ---- Timeouts ----------------------------------------------------------- */

/* Arm the current thread's timer for its next park.  ns < 0: no limit. */
void green__arm_timeout(struct green *g, int64_t ns);
/* Arm for an absolute deadline.  0, -EINVAL or -ETIMEDOUT (passed). */
int green__arm_deadline(struct green *g, clockid_t clock,
                        const struct timespec *deadline);
/* 0 or -EINVAL: a clock and timespec the timed waits accept. */
int green__check_deadline(clockid_t clock, const struct timespec *deadline);

/* ---- Stacks and threads ------------------------------------------------- */

/* Usable stack bytes of a green thread: the default (green_main, and the
 * preload when GREENRUN_STACK_SIZE is unset) and the least a thread may
 * ask for, glibc's PTHREAD_STACK_MIN on x86-64. */
#define GREEN__STACK_DEFAULT (256 * 1024)
#define GREEN__STACK_MIN (16 * 1024)

/* A stack of size bytes below a guard page: a slot of a slab if poolable
 * (the hub's default size: the caller says whether size is that one), else
 * a mapping of its own.  0 or -EAGAIN (a limit was hit: stderr names it). */
int green__stack_alloc(struct green__hub *h, size_t size, int poolable,
                       struct green__stack *s);
void green__stack_release(struct green__hub *h, struct green__stack *s,
                          int poolable);
/* Describe a stack the program gives: it is never mapped, unmapped or
 * freed here, and has no guard page. */
void green__stack_given(struct green__stack *s, void *lo, size_t size);
void green__stack_pool_drain(struct green__hub *h);

/* Report overflows of green stacks; installed per OS thread with a hub. */
int green__overflow_install(void);
void green__overflow_uninstall(void);

/* A new thread, not yet counted, numbered or queued.  0, -EAGAIN or
 * -EINVAL (stack size). */
int green__create(struct green__hub *h, struct green **out, void *(*fn)(void *),
                  void *arg, const green_attr_t *attr);
/* green__create, then count it, number it and queue it to run. */
int green__spawn(struct green__hub *h, struct green **out, void *(*fn)(void *),
                 void *arg, const green_attr_t *attr);
/* green__spawn on the program's stack [stack_lo, stack_lo + stack_size)
 * when stack_lo is not NULL (attr's stack size is then ignored). */
int green__spawn_on(struct green__hub *h, struct green **out,
                    void *(*fn)(void *), void *arg, const green_attr_t *attr,
                    void *stack_lo, size_t stack_size);
void green__exit(struct green__hub *h, void *result) __attribute__((noreturn));
/* Called on a new thread's own stack just before its function runs
 * (entering 1) and just after it returns (0): the preload library's
 * syscall trap tells program code from greenrun's by it.  NULL: none. */
extern void (*green__program_hook)(struct green *g, int entering);
/* Called on an ending thread's own stack before it is marked done (the
 * preload library runs pthread_key destructors there).  NULL: none. */
extern void (*green__thread_exit_hook)(struct green *g);
/* Free an ended thread's stack (and struct, which lives on it), on its
 * home hub's OS thread, without the scheduler lock (the pools are the
 * home hub's own, and freeing TLS takes the dynamic loader's lock). */
void green__release(struct green *g);
/* green__release now if this is g's home hub, else on the home hub, soon
 * (world.c).  Called without the scheduler lock. */
void green__release_at_home(struct green *g);
/* What a handle (a struct green's address) of a released thread stands
 * for, until a new thread is created at that address: GREEN__ENDED_JOINED
 * or GREEN__ENDED_DETACHED; 0 for any other address. */
enum { GREEN__ENDED_JOINED = 1, GREEN__ENDED_DETACHED = 2 };
int green__handle_ended(struct green__hub *h, const void *handle);
/* handles.c: g is being released; g was just created at its address. */
void green__handle_retire(struct green__hub *h, const struct green *g);
void green__handle_reuse(struct green__hub *h, const struct green *g);
void green__handles_free(struct green__hub *h);
/* pthread_once in two halves (once.c): 1 if the caller must run the
 * initialiser, then green__once_leave(once, 1), or (0) if it never
 * returned; 0 if it has run. */
int green__once_enter(green_once_t *once);
void green__once_leave(green_once_t *once, int done);
/* Finish the exit of the thread that ended last on this hub, now that
 * nobody runs on its stack: wake its joiner, or release it if detached. */
void green__reap(struct green__hub *h);

/* ---- Per-thread CPU clocks (cpuclock.c) --------------------------------- */

/* Set once a program has asked for a thread's CPU clock; from then on each
 * switch charges the OS thread's CPU time to the thread switched out. */
extern int green__cpu_clocks_on;
static inline int green__cpu_clocks_wanted(void)
{
    return __atomic_load_n(&green__cpu_clocks_on, __ATOMIC_RELAXED);
}
/* Start counting, on the calling OS thread's hub h (NULL: none). */
void green__cpu_clocks_start(struct green__hub *h);
/* At a switch on h: charge self for the time since it was switched in. */
void green__cpu_account(struct green__hub *h, struct green *self);
/* g's CPU time in ns; g is the caller, or the scheduler lock is held. */
uint64_t green__cpu_time(const struct green *g);
/* In a forked child: the calling thread's clock starts again. */
void green__cpu_fork_child(struct green__hub *h);
/* g's CPU clockid, and back: whether a clockid names a green thread, and
 * the CPU time of the live thread it names, on any hub of h's world (h:
 * the caller's).  0, or -EINVAL: no such thread. */
clockid_t green__cpu_clock_of(const struct green *g);
int green__cpu_clock_read(struct green__hub *h, clockid_t clock, uint64_t *ns);
/* The low bits of a green thread's clockid: per thread (4), and a kind of
 * clock the kernel does not have (3). */
#define GREEN__CPU_CLOCK_KIND 7
static inline int green__is_green_cpu_clock(clockid_t clock)
{
    return clock < 0 && (clock & 7) == GREEN__CPU_CLOCK_KIND;
}

/* ---- Watching a hub from another OS thread (observe.c) ------------------ */

/* What a watcher saw of a hub and of the green thread it was running. */
struct green__observed {
    uint64_t switches;
    size_t live;
    const void *blocked_pc;     /* where the last time slice found it */
    const struct green *thread; /* running, or NULL (the hub's own thread);
                                   an address to compare, never to read */
    uint64_t id;                /* of thread, once green__observe_thread */
    char name[16];              /* ... succeeded; else 0 and "" */
    const void *last_call;
};
/* Copy h's switch counter, running thread, live count and preemption
 * note into o, from any OS thread, without racing the hub. */
void green__observe_hub(const struct green__hub *h, struct green__observed *o);
/* Fill o's id, name and last call from o->thread, which green__observe_hub
 * saw running.  0; -EAGAIN: h switched since (observe again); -ESRCH: no
 * thread ran; another -errno: its memory could not be read. */
int green__observe_thread(const struct green__hub *h,
                          struct green__observed *o);

/* ---- Thread-specific values (specific.c) --------------------------------- */

#define GREEN__KEYS_MAX 1024
void *green__specific_get(const struct green *g, unsigned key);
/* 0 or -ENOMEM. */
int green__specific_set(struct green *g, unsigned key, void *value);
/* Drop key's value in every thread of the hub (the key was deleted). */
void green__specific_forget(struct green__hub *h, unsigned key);
void green__specific_free(struct green *g);

/* ---- Descriptors -------------------------------------------------------- */

/* The entry for fd, created on demand; NULL on allocation failure. */
struct green__fd_entry *green__fd_entry(struct green__hub *h, int fd);
/* Wait for events on fd.  Ready events, -ETIMEDOUT, -EBADF or -ENOMEM. */
int green__wait_fd(struct green__hub *h, int fd, int events,
                   int64_t timeout_ns);
/* fd is being closed: wake its waiters with -EBADF, forget it. */
void green__fd_forget(struct green__hub *h, int fd);
/* Wake fd's waiters on the other hubs of h's world with events (the
 * kernel has answered their wait).  Then whether a thread of another hub
 * is still inside a blocking call on fd: green__fd_busy_elsewhere. */
void green__fd_wake_elsewhere(struct green__hub *h, int fd, int events);
int green__fd_busy_elsewhere(struct green__hub *h, int fd);
/* The same for every fd from first to last (close_range, closefrom). */
void green__fd_forget_range(struct green__hub *h, unsigned first,
                            unsigned last);
/* Put fd into O_NONBLOCK mode (remembering to restore it).  0 or -errno. */
int green__fd_make_nonblocking(struct green__hub *h, int fd);
/* Give back O_NONBLOCK to every fd we changed; free the table. */
void green__fd_table_free(struct green__hub *h);

/* ---- Sync primitives (layouts inside the public opaque types) ----------- */

/* Lock; deadline NULL waits forever.  0 or a positive errno. */
int green__mutex_lock(green_mutex_t *m, clockid_t clock,
                      const struct timespec *deadline);
/* The owner of a mutex, NULL when unlocked. */
struct green *green__mutex_owner(green_mutex_t *m);
/* For cond waits: release a mutex the caller owns however deep it is
 * locked, returning the depth that green__mutex_reacquire restores. */
unsigned green__mutex_release(green_mutex_t *m);
void green__mutex_reacquire(green_mutex_t *m, unsigned depth);

/* Futex-style waits (addrwait.c): park while *addr == expected, until
 * green__addr_wake on addr, the deadline (if given) or timeout_ns (< 0:
 * none).  0, -EAGAIN (value differs), -ETIMEDOUT or -EINVAL. */
int green__addr_wait(struct green__hub *h, const unsigned *addr,
                     unsigned expected, clockid_t clock,
                     const struct timespec *deadline, int64_t timeout_ns);
/* Wake up to n threads waiting on addr; returns how many. */
int green__addr_wake(struct green__hub *h, const unsigned *addr, int n);

/* Barriers for pthread_barrier_* (barrier.c); results as documented
 * there. */
int green__barrier_init(void *b, unsigned count);
int green__barrier_is_green(const void *b);
int green__barrier_destroy(void *b);
int green__barrier_wait(void *b);

/* Whether a sem_t was initialised by green_sem_init (not glibc's, nor a
 * named semaphore from sem_open). */
int green__sem_is_green(const green_sem_t *s);

/* ---- Sanitizer annotations for stack switches ---------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define GREEN__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GREEN__ASAN 1
#endif
#endif

#ifdef GREEN__ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(const volatile void *addr, size_t size);
/* A reused stack still carries the redzones of its last thread's frames. */
static inline void green__asan_fresh_stack(const struct green__stack *s)
{
    __asan_unpoison_memory_region(s->lo, (size_t)(s->hi - s->lo));
}
static inline void green__asan_leave(struct green *from, struct green *to)
{
    /* An ending thread passes NULL: its fake stack can go. */
    int ended = from->state == GREEN__DONE || from->hub->exiting == from;
    __sanitizer_start_switch_fiber(ended ? NULL : &from->asan_fake_stack,
                                   to->stack.lo,
                                   (size_t)(to->stack.hi - to->stack.lo));
}
static inline void green__asan_arrive(struct green *self, struct green *from)
{
    const void *lo;
    size_t size;
    __sanitizer_finish_switch_fiber(self->asan_fake_stack, &lo, &size);
    /* Adopted contexts learn their own stack bounds on first switch. */
    if (from && !from->stack.map && !from->stack.lo) {
        from->stack.lo = (char *)lo;
        from->stack.hi = (char *)lo + size;
    }
}
#else
static inline void green__asan_fresh_stack(const struct green__stack *s)
{
    (void)s;
}
static inline void green__asan_leave(struct green *from, struct green *to)
{
    (void)from;
    (void)to;
}
static inline void green__asan_arrive(struct green *self, struct green *from)
{
    (void)self;
    (void)from;
}
#endif

/* ThreadSanitizer follows green threads as fibers (make tsan). */
#if defined(__SANITIZE_THREAD__)
#define GREEN__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GREEN__TSAN 1
#endif
#endif

#ifdef GREEN__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
static inline void green__tsan_created(struct green *g, int adopted)
{
    g->tsan_fiber =
        adopted ? __tsan_get_current_fiber() : __tsan_create_fiber(0);
}
static inline void green__tsan_released(struct green *g)
{
    if (g->stack.map)
        __tsan_destroy_fiber(g->tsan_fiber);
}
static inline void green__tsan_switch(struct green *to)
{
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
}
#else
static inline void green__tsan_created(struct green *g, int adopted)
{
    (void)g;
    (void)adopted;
}
static inline void green__tsan_released(struct green *g)
{
    (void)g;
}
static inline void green__tsan_switch(struct green *to)
{
    (void)to;
}
#endif

#endif
