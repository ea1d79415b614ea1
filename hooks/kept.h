/*
 * kept.h - glibc's own process-shared and robust objects in green threads
 * (kept.c: mutexes, rwlocks and semaphores; kept_wait.c: cond and barrier
 * waits).
 *
 * Such an object is shared with threads of other processes, which run
 * glibc's code on it, so it keeps glibc's layout and implementation; only
 * the blocking part changes.  Each function is called by a hook for a green
 * caller and returns what the pthread call returns.
 */
#ifndef GREEN_KEPT_H
#define GREEN_KEPT_H

#include <pthread.h>
#include <semaphore.h>

#include "glibc_layout.h"
#include "hook.h"

/* Whether a mutex is glibc's (process-shared or robust), not a green one. */
static inline int hook__kept_mutex(const pthread_mutex_t *m)
{
    return m->__data.__kind &
           (GREEN__GLIBC_MUTEX_ROBUST_BIT | GREEN__GLIBC_MUTEX_PSHARED_BIT);
}

/* Whether the calling green thread is alone on its hub, and then waits in
 * the kernel, as natively.  hook__parkable notes its own caller for the
 * monitor; the hook that called in (noted on entry) is kept instead. */
static inline int hook__kept_alone(struct green *self)
{
    const void *call = self->last_call;
    int alone = !hook__parkable();
    self->last_call = call;
    return alone;
}

/* deadline NULL: wait for ever (lock); else clocklock's. */
int hook__kept_mutex_lock(pthread_mutex_t *m, clockid_t clock,
                          const struct timespec *deadline);
int hook__kept_mutex_trylock(pthread_mutex_t *m);
int hook__kept_mutex_unlock(pthread_mutex_t *m);

/* write: wrlock, else rdlock; deadline as above. */
int hook__kept_rwlock_lock(pthread_rwlock_t *rw, int write, clockid_t clock,
                           const struct timespec *deadline);
int hook__kept_rwlock_trylock(pthread_rwlock_t *rw, int write);
int hook__kept_rwlock_unlock(pthread_rwlock_t *rw);

/* Whether the caller holds m, as far as glibc can tell (it cannot for a
 * normal mutex, which anyone may unlock). */
int hook__kept_mutex_mine(pthread_mutex_t *m);

enum hook__cond_call {
    HOOK__COND_WAIT,      /* pthread_cond_wait */
    HOOK__COND_TIMEDWAIT, /* pthread_cond_timedwait: the cond's clock */
    HOOK__COND_CLOCKWAIT  /* pthread_cond_clockwait: clock */
};

/* A wait on a process-shared cond, with any mutex (green or glibc's). */
int hook__kept_cond_wait(pthread_cond_t *c, pthread_mutex_t *m,
                         enum hook__cond_call call, clockid_t clock,
                         const struct timespec *deadline);
/* A wait on a process-shared barrier. */
int hook__kept_barrier_wait(pthread_barrier_t *b);

/* A wait on a process-shared or named semaphore (glibc's): deadline NULL
 * waits for ever (sem_wait), else sem_clockwait's.  0 or an error number. */
int hook__kept_sem_wait(sem_t *s, clockid_t clock,
                        const struct timespec *deadline);
/* sem_post of one, which also wakes the green threads parked on it. */
int hook__kept_sem_post(sem_t *s);

/* g is ending: the robust mutexes it holds become "owner died", as the
 * kernel makes them when a thread exits; forget the others. */
void hook__kept_thread_ends(struct green *g);
/* In a forked child: no lock of the parent's is held by the child's OS
 * thread, and the helper threads stayed behind. */
void hook__kept_fork_child(struct green__hub *h);
void hook__kept_helpers_fork_child(void);

#endif
