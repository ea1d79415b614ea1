/*
 * sync.h - what the sync primitives share beyond the API: mutexes for cond
 * waits, futex-style address waits, barriers, semaphores (mutex.c,
 * addrwait.c, barrier.c, sem.c).
 */
#ifndef GREEN_SYNC_H
#define GREEN_SYNC_H

#include "hub.h"

/* Lock; deadline NULL waits forever.  0 or -errno. */
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

/* Barriers for pthread_barrier_* (barrier.c): 0 or -errno, and
 * green__barrier_wait 1 for the thread that completed the round. */
int green__barrier_init(void *b, unsigned count);
int green__barrier_is_green(const void *b);
int green__barrier_destroy(void *b);
int green__barrier_wait(void *b);

/* Whether a sem_t was initialised by green_sem_init (not glibc's, nor a
 * named semaphore from sem_open). */
int green__sem_is_green(const green_sem_t *s);

#endif
