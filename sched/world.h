/*
 * world.h - what the hubs of one process share: the scheduler lock, the
 * list of hubs (one per worker OS thread), and the waits and counts that
 * are the process's rather than one hub's.
 *
 * With one hub (the default, and always in libgreen's green_main) every
 * green thread runs on one OS thread and switches only when it parks, so
 * no object needs a lock: green__lock is one predictable branch.  With
 * several (GREENRUN_WORKERS), one spin lock guards every wait queue, the
 * state of every sync object, the thread lists and the stack and TLS
 * pools.  A green thread takes it only for the few instructions that
 * change such state, never across a switch (green__park drops it while
 * parked) and never around a system call that may block.
 */
#ifndef GREEN_WORLD_H
#define GREEN_WORLD_H

#include "hub.h"

#define GREEN__WORKERS_MAX 1024

struct green__world {
    int lock;            /* 0 free, 1 held (green__lock) */
    unsigned char multi; /* more than one hub: the lock is taken */
    unsigned hub_count;
    unsigned next_hub; /* round-robin placement of new threads */
    struct green__hub *hubs[GREEN__WORKERS_MAX];
    uint64_t next_id;
    size_t live;                /* started and not yet ended, every hub */
    size_t peak_live;           /* ... the most at once */
    struct green *all_done;     /* parked until live drops to 0 */
    void *first_result;         /* of green_main's first thread */
    struct green__ended *ended; /* released threads' handles (handles.c) */
    struct green__queue once_waiters;
    struct green__queue addr_waiters[GREEN__ADDR_BUCKETS];
    pthread_t os_threads[GREEN__WORKERS_MAX]; /* of hubs[i], i >= 1 */
};

/* The preload library's world; green_main makes one per call, so that
 * green_main on two OS threads gives two independent schedulers. */
extern struct green__world green__process_world;

struct green__world *green__world_new(void);
void green__world_free(struct green__world *w);

/* The world of the calling OS thread's hub, or NULL. */
static inline struct green__world *green__world_here(void)
{
    struct green__hub *h = green__hub;
    return h ? h->world : NULL;
}

void green__lock_wait(struct green__world *w);

/* Take the scheduler lock (a no-op with one hub). */
static inline void green__lock(void)
{
    struct green__world *w = green__world_here();
    if (w && w->multi && __atomic_exchange_n(&w->lock, 1, __ATOMIC_ACQUIRE))
        green__lock_wait(w);
}

static inline void green__unlock(void)
{
    struct green__world *w = green__world_here();
    if (w && w->multi)
        __atomic_store_n(&w->lock, 0, __ATOMIC_RELEASE);
}

/* A new thread number (green ids are unique across hubs).  Called
 * locked, or before any worker started: a plain increment. */
static inline uint64_t green__next_id(struct green__world *w)
{
    return w->next_id++;
}

/* Add a hub to its world (the first one is the process's own). */
void green__world_add(struct green__hub *h);
/* The hub a new green thread created on h should run on. */
struct green__hub *green__place(struct green__hub *h);

/* Start count - 1 worker OS threads beside the calling hub's, each with
 * a hub of its own; setup(h) runs on each new worker before its hub
 * takes threads (the preload library sets up TLS, traps and timers
 * there).  0, or -errno with no worker started. */
int green__workers_start(unsigned count, void (*setup)(struct green__hub *h));

/* Every thread has ended: end the workers green__workers_start started
 * (their hubs are destroyed by their own OS threads) and wait for them.
 * Called from hubs[0]'s OS thread. */
void green__workers_stop(struct green__world *w);

/* Make a runnable thread of another hub run there: through its inbox,
 * and a write to its eventfd.  Called locked. */
void green__inbox_push(struct green__hub *h, struct green *g);

/* In a forked child: only the calling OS thread lives on, so its hub h is
 * the world's only one, and nothing needs the lock any more.  The lock
 * is not held across fork (the program's atfork handlers may take green
 * mutexes): should another worker have been inside it, what it was
 * changing belongs to threads that no longer exist in the child. */
void green__world_fork_child(struct green__hub *h);

#endif
