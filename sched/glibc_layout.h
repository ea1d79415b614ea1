/*
 * glibc_layout.h - the words of glibc's pthread objects that greenrun reads.
 *
 * Under the preload a green mutex, cond or rwlock lives in the program's own
 * pthread_*_t, so two parties must agree on where glibc keeps a few words:
 *
 *   - the green layouts (sched/mutex.c, cond.c, rwlock.c) leave those words
 *     where glibc's static initialisers and *_init functions write them, so
 *     that an object set up by glibc is a valid green object;
 *   - the hooks (hooks/mutex.c, cond.c, rwlock.c) read them to tell the
 *     process-shared and robust objects, which stay glibc's, from the
 *     others.
 *
 * The offsets are named here once and checked against glibc's own structs
 * (bits/struct_mutex.h, bits/thread-shared-types.h, bits/struct_rwlock.h),
 * so that a glibc that moved a word fails the build instead of mistaking a
 * shared lock for a green one.  The bit values are glibc's internal ones
 * (nptl/pthreadP.h, sysdeps/nptl/internaltypes.h), which no header
 * publishes; they are part of glibc's ABI, as static initialisers and
 * process-shared objects depend on them.
 */
#ifndef GREEN_GLIBC_LAYOUT_H
#define GREEN_GLIBC_LAYOUT_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

#include "green.h"

/* Mutex: __kind holds the type (normal, recursive, error-checking) in its
 * low bits and the robust, priority-inheritance and process-shared flags
 * above them. */
#define GREEN__GLIBC_MUTEX_KIND_OFFSET 16
#define GREEN__GLIBC_MUTEX_ROBUST_BIT 16   /* PTHREAD_MUTEX_ROBUST_NORMAL_NP */
#define GREEN__GLIBC_MUTEX_PI_BIT 32       /* PTHREAD_MUTEX_PRIO_INHERIT_NP */
#define GREEN__GLIBC_MUTEX_PSHARED_BIT 128 /* PTHREAD_MUTEX_PSHARED_BIT */

/* Cond: __wrefs keeps the process-shared flag in bit 0 and the clock in
 * bit 1, both set by pthread_cond_init. */
#define GREEN__GLIBC_COND_WREFS_OFFSET 36
#define GREEN__GLIBC_COND_SHARED_BIT 1 /* __PTHREAD_COND_SHARED_MASK */

/* Rwlock: __shared is nonzero for a process-shared lock; __flags holds the
 * reader or writer preference of pthread_rwlockattr_setkind_np. */
#define GREEN__GLIBC_RWLOCK_SHARED_OFFSET 28
#define GREEN__GLIBC_RWLOCK_FLAGS_OFFSET 48

_Static_assert(offsetof(pthread_mutex_t, __data.__kind) ==
                   GREEN__GLIBC_MUTEX_KIND_OFFSET,
               "glibc keeps the mutex kind at a new offset");
_Static_assert(offsetof(pthread_cond_t, __data.__wrefs) ==
                   GREEN__GLIBC_COND_WREFS_OFFSET,
               "glibc keeps the cond's __wrefs at a new offset");
_Static_assert(offsetof(pthread_rwlock_t, __data.__shared) ==
                   GREEN__GLIBC_RWLOCK_SHARED_OFFSET,
               "glibc keeps the rwlock's __shared at a new offset");
_Static_assert(offsetof(pthread_rwlock_t, __data.__flags) ==
                   GREEN__GLIBC_RWLOCK_FLAGS_OFFSET,
               "glibc keeps the rwlock's __flags at a new offset");

/* glibc's semaphore (struct new_sem, with 64-bit atomics): its value is
 * the low half of its first 64-bit word, which sem_post wakes futex
 * waiters on. */
#define GREEN__GLIBC_SEM_VALUE_OFFSET 0

/* A green object fills exactly the bytes of the glibc one it stands in. */
_Static_assert(sizeof(green_mutex_t) == sizeof(pthread_mutex_t),
               "a green mutex must fill a pthread_mutex_t");
_Static_assert(sizeof(green_cond_t) == sizeof(pthread_cond_t),
               "a green cond must fill a pthread_cond_t");
_Static_assert(sizeof(green_rwlock_t) == sizeof(pthread_rwlock_t),
               "a green rwlock must fill a pthread_rwlock_t");
_Static_assert(sizeof(green_sem_t) == sizeof(sem_t),
               "a green semaphore must fill a sem_t");

#endif
