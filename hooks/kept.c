/*
 * kept.c - glibc's process-shared and robust mutexes, process-shared
 * rwlocks, and process-shared and named semaphores, used by green threads.
 *
 * Why glibc keeps them.  A process-shared lock lives in memory shared with
 * other processes, whose threads (native, or green under another greenrun)
 * run glibc's code on it, and the kernel reads a robust mutex's lock word
 * and list links when a thread dies.  A green layout would break both.  So
 * the lock keeps glibc's layout and every operation on it is glibc's own;
 * only the blocking part changes.  The hook tries the non-blocking form
 * (trylock, tryrdlock, trywrlock, sem_trywait) and, where glibc would wait in
 * the kernel, which would stop every green thread of the OS thread (the holder
 * among them, if it is one), it parks the green thread on the lock's word
 * and tries again when woken.
 *
 * Who wakes it.  A green thread of this hub that lets the lock go wakes
 * the threads parked on its word (green__addr_wake), at once.  A thread of
 * another process cannot reach the hub: its unlock wakes only waiters in
 * the kernel.  So a park also ends after a slice, and the thread tries
 * again: 1 ms at first, as a trapped futex wait (hooks/trap.c), doubling
 * after every 8 slices up to 16 ms, so that threads that wait long for a
 * lock another process holds cost little CPU.  A release by another
 * process is seen within a slice.  (A real futex wait on a native helper
 * thread would see it at once, at the price of an OS thread per waiting
 * green thread; kept_wait.c pays that price only where there is no
 * non-blocking form to retry.)  Waiters that retry do not queue in glibc's
 * lock, so a thread of another process that waits in the kernel may get
 * the lock first; nothing waits for ever because of it.  A thread alone
 * on its hub calls glibc's blocking function, as natively.
 *
 * Who holds it.  glibc records the owner of a recursive, error-checking,
 * robust or priority-inheriting mutex, and the writer of an rwlock, as the
 * tid in the locking thread's descriptor (THREAD_GETMEM (THREAD_SELF,
 * tid)).  Every green thread of an OS thread carries that OS thread's tid,
 * with private TLS too (sched/tls.c copies it), and must: the kernel
 * compares a robust mutex's lock word with the tid of the OS thread that
 * dies, and a real tid is what makes an owner unique among all the
 * processes that share the lock.  So glibc cannot tell the green threads
 * of an OS thread apart, and a second one's trylock of a recursive mutex
 * would just count up.  The hub therefore records which of its green
 * threads holds each such lock (hook__hub(h)->kept_locks: a short list, of the
 * locks its threads hold at this moment).  When glibc's owner is this OS thread
 * and the record names another green thread, the lock is another thread's:
 * trylock gets EBUSY, lock waits, unlock gets EPERM.  Without a record (a
 * lock taken before greenrun started, or outside any green thread) glibc's
 * answer stands.
 *
 * Robust mutexes.  glibc links a robust mutex it locks into the list of
 * the descriptor at the thread pointer; the kernel walks only the list the
 * OS thread registered (set_robust_list), its own descriptor's, when it
 * dies.  With private TLS a green thread's descriptor is another one, so
 * the mutex is moved to the registered list right after glibc links it: a
 * process that dies holding it leaves it "owner died" for the others.  A
 * green thread that ends holding one gets what the kernel gives a thread
 * that exits (hook__kept_thread_ends): the lock word is marked
 * FUTEX_OWNER_DIED and a waiter woken, so the next locker gets EOWNERDEAD.
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "glibc_layout.h"
#include "kept.h"
#include "preload_state.h"
#include "sync.h"

#define SLICE_FIRST_NS 1000000
#define SLICE_LAST_NS 16000000
#define SLICES_PER_STEP 8

/* glibc's PTHREAD_MUTEX_KIND_MASK_NP: the type in the kind's low bits. */
#define MUTEX_TYPE_MASK 3

/* A lock that a green thread of the hub holds, where glibc's owner would
 * name only the OS thread. */
struct kept_lock {
    const void *lock;
    struct green *holder;
    struct kept_lock *next;
    unsigned char robust; /* a robust mutex: "owner died" if holder ends */
};

/* Where the lock stands from this green thread's point of view. */
enum holder { ELSEWHERE, SELF, SIBLING };

/* ---- Records of the holders --------------------------------------------- */

static struct kept_lock *record_of(struct green__hub *h, const void *lock)
{
    for (struct kept_lock *k = hook__hub(h)->kept_locks; k; k = k->next)
        if (k->lock == lock)
            return k;
    return NULL;
}

/* owner: the tid glibc recorded, 0 for none. */
static enum holder held_by(struct green__hub *h, struct green *self,
                           const void *lock, pid_t owner)
{
    if (owner == 0 || owner != gettid())
        return ELSEWHERE;
    struct kept_lock *k = record_of(h, lock);
    return k && k->holder != self ? SIBLING : SELF;
}

/* A record allocated before taking a lock, so that a lock once taken is
 * always recorded; NULL if memory is short. */
static struct kept_lock *spare_record(void)
{
    return malloc(sizeof(struct kept_lock));
}

/* self took lock: record it, with *spare unless it has a record. */
static void note_holder(struct green__hub *h, struct green *self,
                        const void *lock, int robust, struct kept_lock **spare)
{
    struct kept_lock *k = record_of(h, lock);
    if (!k) {
        k = *spare;
        *spare = NULL;
        k->lock = lock;
        k->next = hook__hub(h)->kept_locks;
        hook__hub(h)->kept_locks = k;
    }
    k->holder = self;
    k->robust = (unsigned char)robust;
    green__thread_exit_hook = hook__thread_ends;
}

static void forget_holder(struct green__hub *h, const void *lock)
{
    for (struct kept_lock **p = &hook__hub(h)->kept_locks; *p; p = &(*p)->next)
        if ((*p)->lock == lock) {
            struct kept_lock *k = *p;
            *p = k->next;
            free(k);
            return;
        }
}

/* ---- Parking between tries ---------------------------------------------- */

struct slices {
    int64_t ns;
    unsigned taken;
};

#define SLICES_INIT                                                            \
    {                                                                          \
        SLICE_FIRST_NS, 0                                                      \
    }

/* Park until a thread of this hub wakes word, word no longer holds seen,
 * a slice has passed or the deadline (NULL: none) has; then the caller
 * tries again.  0, or ETIMEDOUT or EINVAL for the deadline. */
static int park_a_slice(struct green__hub *h, struct slices *s,
                        const unsigned *word, unsigned seen, clockid_t clock,
                        const struct timespec *deadline)
{
    int64_t ns = s->ns;
    if (deadline) {
        if (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L)
            return EINVAL;
        if (deadline->tv_sec < 0)
            return ETIMEDOUT;
        struct timespec now;
        clock_gettime(clock, &now);
        int64_t left = hook__ns(deadline->tv_sec - now.tv_sec,
                                deadline->tv_nsec - now.tv_nsec);
        if (left <= 0)
            return ETIMEDOUT;
        if (left < ns)
            ns = left;
    }
    green__addr_wait(h, word, seen, CLOCK_MONOTONIC, NULL, ns);
    if (++s->taken % SLICES_PER_STEP == 0 && s->ns < SLICE_LAST_NS)
        s->ns *= 2;
    return 0;
}

/* A deadline glibc refuses (EINVAL) before it tries, whether it would
 * wait or not: an unknown clock or a bad tv_nsec.  NULL is none. */
static int bad_deadline(clockid_t clock, const struct timespec *deadline)
{
    return deadline &&
           ((clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) ||
            deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L);
}

/* ---- Robust lists ------------------------------------------------------- */

/* The list entry a robust-list pointer names: glibc points at an entry's
 * __next field and may set bit 0 (a priority-inheriting mutex). */
static __pthread_list_t *entry_at(void *p)
{
    char *field = (char *)((uintptr_t)p & ~(uintptr_t)1);
    return (__pthread_list_t *)(field - offsetof(__pthread_list_t, __next));
}

/* Take m out of whatever robust list holds it (glibc's DEQUEUE_MUTEX). */
static void unlink_robust(pthread_mutex_t *m)
{
    __pthread_list_t *node = &m->__data.__list;
    __pthread_list_t *next = entry_at(node->__next);
    __pthread_list_t *prev = entry_at(node->__prev);
    next->__prev = node->__prev;
    prev->__next = node->__next;
    /* The kernel reads the list: the entry is out before it changes. */
    __asm__ volatile("" ::: "memory");
    node->__prev = node->__next = NULL;
}

/* Put m at the front of the list at head (glibc's ENQUEUE_MUTEX_BOTH). */
static void link_robust(struct robust_list_head *head, pthread_mutex_t *m,
                        uintptr_t bit)
{
    __pthread_list_t *node = &m->__data.__list;
    __pthread_list_t *next = entry_at(head->list.next);
    next->__prev = (void *)&node->__next;
    node->__next = (void *)head->list.next;
    node->__prev = (void *)head;
    __asm__ volatile("" ::: "memory");
    head->list.next = (void *)((uintptr_t)&node->__next | bit);
}

/* glibc just linked m, which it locked, into the list of the descriptor
 * at the thread pointer: make that the list the kernel walks when this OS
 * thread dies. */
static void keep_on_os_thread_list(pthread_mutex_t *m)
{
    struct robust_list_head *head;
    size_t len;
    if (real()->syscall(SYS_get_robust_list, 0, &head, &len) != 0)
        return;
    if (m->__data.__list.__prev == (void *)head)
        return; /* the OS thread's own descriptor: already there */
    unlink_robust(m);
    link_robust(head, m, m->__data.__kind & GREEN__GLIBC_MUTEX_PI_BIT ? 1 : 0);
}

/* What the kernel does for a robust mutex whose owner thread exits. */
static void mark_owner_died(struct green__hub *h, pthread_mutex_t *m, pid_t tid)
{
    unsigned *word = (unsigned *)&m->__data.__lock;
    unsigned old = __atomic_load_n(word, __ATOMIC_ACQUIRE), dead;
    if ((old & FUTEX_TID_MASK) != (unsigned)tid)
        return;
    unlink_robust(m);
    do
        dead = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    while (!__atomic_compare_exchange_n(word, &old, dead, 0, __ATOMIC_RELEASE,
                                        __ATOMIC_ACQUIRE));
    if (old & FUTEX_WAITERS)
        real()->syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
    green__addr_wake(h, word, 1);
}

void hook__kept_thread_ends(struct green *g)
{
    struct green__hub *h = g->hub;
    pid_t tid = 0;
    for (struct kept_lock **p = &hook__hub(h)->kept_locks; *p;) {
        struct kept_lock *k = *p;
        if (k->holder != g) {
            p = &k->next;
        } else if (k->robust) {
            if (!tid)
                tid = gettid();
            mark_owner_died(h, (pthread_mutex_t *)k->lock, tid);
            *p = k->next;
            free(k);
        } else {
            /* Held for ever, as by a native thread that ended: no other
             * thread may take it or let it go. */
            k->holder = NULL;
            p = &k->next;
        }
    }
}

/* ---- Mutexes ------------------------------------------------------------ */

/* Robust and priority-inheriting mutexes keep their owner's tid in the
 * lock word, where the kernel looks for it. */
static int owner_in_word(const pthread_mutex_t *m)
{
    return m->__data.__kind &
           (GREEN__GLIBC_MUTEX_ROBUST_BIT | GREEN__GLIBC_MUTEX_PI_BIT);
}

static int mutex_type(const pthread_mutex_t *m)
{
    return m->__data.__kind & MUTEX_TYPE_MASK;
}

/* Whether glibc checks who holds the mutex: the others (normal, adaptive)
 * need no record. */
static int has_owner(const pthread_mutex_t *m)
{
    return mutex_type(m) == PTHREAD_MUTEX_RECURSIVE ||
           mutex_type(m) == PTHREAD_MUTEX_ERRORCHECK || owner_in_word(m);
}

static pid_t mutex_owner(const pthread_mutex_t *m)
{
    if (owner_in_word(m))
        return (pid_t)(__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) &
                       FUTEX_TID_MASK);
    return __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);
}

/* The holder locks it again: glibc answers a recursive or error-checking
 * mutex at once (it counts, or says EDEADLK; trylock: counts, or EBUSY);
 * any other waits for ever, as natively. */
static int relock(pthread_mutex_t *m, int blocking)
{
    int type = mutex_type(m);
    if (type != PTHREAD_MUTEX_RECURSIVE && type != PTHREAD_MUTEX_ERRORCHECK)
        return EBUSY;
    return blocking ? real()->pthread_mutex_lock(m)
                    : real()->pthread_mutex_trylock(m);
}

/* glibc locked m for self (0 or EOWNERDEAD), afresh.  A robust mutex is
 * marked "owner died" if self ends holding it; a priority-inheriting one
 * is left to the kernel, whose record of its owner is the OS thread. */
static void took_mutex(struct green__hub *h, struct green *self,
                       pthread_mutex_t *m, struct kept_lock **spare)
{
    if (!has_owner(m))
        return;
    int kind = m->__data.__kind;
    int robust = kind & GREEN__GLIBC_MUTEX_ROBUST_BIT;
    note_holder(h, self, m, robust && !(kind & GREEN__GLIBC_MUTEX_PI_BIT),
                spare);
    if (robust)
        keep_on_os_thread_list(m);
}

/* One try: glibc's trylock, or EBUSY when another green thread of this OS
 * thread holds m; blocking says what the holder's own relock returns. */
static int try_mutex(struct green__hub *h, struct green *self,
                     pthread_mutex_t *m, int blocking, struct kept_lock **spare)
{
    if (has_owner(m)) {
        enum holder who = held_by(h, self, m, mutex_owner(m));
        if (who == SIBLING)
            return EBUSY;
        if (who == SELF)
            return relock(m, blocking);
    }
    int r = real()->pthread_mutex_trylock(m);
    if (r == 0 || r == EOWNERDEAD)
        took_mutex(h, self, m, spare);
    return r;
}

/* Alone on the hub: wait in the kernel, as natively. */
static int lock_alone(struct green__hub *h, struct green *self,
                      pthread_mutex_t *m, clockid_t clock,
                      const struct timespec *deadline, struct kept_lock **spare)
{
    int r = deadline ? real()->pthread_mutex_clocklock(m, clock, deadline)
                     : real()->pthread_mutex_lock(m);
    if (r == 0 || r == EOWNERDEAD)
        took_mutex(h, self, m, spare);
    return r;
}

static int lock_mutex(struct green__hub *h, struct green *self,
                      pthread_mutex_t *m, clockid_t clock,
                      const struct timespec *deadline, struct kept_lock **spare)
{
    const unsigned *word = (const unsigned *)&m->__data.__lock;
    struct slices s = SLICES_INIT;
    for (;;) {
        unsigned seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        int r = try_mutex(h, self, m, 1, spare);
        if (r != EBUSY)
            return r;
        /* Held by a thread of this OS thread: a wait in the kernel would
         * never end. */
        int here =
            has_owner(m) && held_by(h, self, m, mutex_owner(m)) != ELSEWHERE;
        if (!here && hook__kept_alone(self))
            return lock_alone(h, self, m, clock, deadline, spare);
        r = park_a_slice(h, &s, word, seen, clock, deadline);
        if (r)
            return r;
    }
}

int hook__kept_mutex_lock(pthread_mutex_t *m, clockid_t clock,
                          const struct timespec *deadline)
{
    struct green *self = green__current();
    self->last_call = __builtin_return_address(0);
    if (deadline && clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    struct kept_lock *spare = NULL;
    if (has_owner(m) && !(spare = spare_record()))
        return EAGAIN;
    int r = lock_mutex(self->hub, self, m, clock, deadline, &spare);
    free(spare);
    return r;
}

int hook__kept_mutex_trylock(pthread_mutex_t *m)
{
    struct green *self = green__current();
    struct kept_lock *spare = NULL;
    if (has_owner(m) && !(spare = spare_record()))
        return EAGAIN;
    int r = try_mutex(self->hub, self, m, 0, &spare);
    free(spare);
    return r;
}

int hook__kept_mutex_mine(pthread_mutex_t *m)
{
    struct green *self = green__current();
    return !has_owner(m) || held_by(self->hub, self, m, mutex_owner(m)) == SELF;
}

int hook__kept_mutex_unlock(pthread_mutex_t *m)
{
    struct green *self = green__current();
    struct green__hub *h = self->hub;
    int owned = has_owner(m);
    if (owned && held_by(h, self, m, mutex_owner(m)) == SIBLING)
        return EPERM;
    /* Decided before the unlock: once it is let go, m may be gone. */
    int last =
        mutex_type(m) != PTHREAD_MUTEX_RECURSIVE || m->__data.__count <= 1;
    int r = real()->pthread_mutex_unlock(m);
    if (r)
        return r;
    if (owned && last)
        forget_holder(h, m);
    green__addr_wake(h, (const unsigned *)&m->__data.__lock, 1);
    return 0;
}

/* ---- Rwlocks ------------------------------------------------------------ */

static pid_t rwlock_writer(const pthread_rwlock_t *rw)
{
    return __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED);
}

/* One try: glibc's try, or EBUSY while another green thread of this OS
 * thread writes; the writer itself gets EDEADLK from a blocking lock, as
 * from glibc, and EBUSY from a try. */
static int try_rwlock(struct green__hub *h, struct green *self,
                      pthread_rwlock_t *rw, int write, int blocking,
                      struct kept_lock **spare)
{
    switch (held_by(h, self, rw, rwlock_writer(rw))) {
    case SIBLING:
        return EBUSY;
    case SELF:
        return blocking ? EDEADLK : EBUSY;
    case ELSEWHERE:
        break;
    }
    int r = write ? real()->pthread_rwlock_trywrlock(rw)
                  : real()->pthread_rwlock_tryrdlock(rw);
    if (r == 0 && write)
        note_holder(h, self, rw, 0, spare);
    return r;
}

static int rwlock_alone(struct green__hub *h, struct green *self,
                        pthread_rwlock_t *rw, int write, clockid_t clock,
                        const struct timespec *deadline,
                        struct kept_lock **spare)
{
    int r;
    if (write)
        r = deadline ? real()->pthread_rwlock_clockwrlock(rw, clock, deadline)
                     : real()->pthread_rwlock_wrlock(rw);
    else
        r = deadline ? real()->pthread_rwlock_clockrdlock(rw, clock, deadline)
                     : real()->pthread_rwlock_rdlock(rw);
    if (r == 0 && write)
        note_holder(h, self, rw, 0, spare);
    return r;
}

static int lock_rwlock(struct green__hub *h, struct green *self,
                       pthread_rwlock_t *rw, int write, clockid_t clock,
                       const struct timespec *deadline,
                       struct kept_lock **spare)
{
    const unsigned *word = &rw->__data.__readers;
    struct slices s = SLICES_INIT;
    for (;;) {
        unsigned seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        int r = try_rwlock(h, self, rw, write, 1, spare);
        if (r != EBUSY)
            return r;
        int here = held_by(h, self, rw, rwlock_writer(rw)) != ELSEWHERE;
        if (!here && hook__kept_alone(self))
            return rwlock_alone(h, self, rw, write, clock, deadline, spare);
        r = park_a_slice(h, &s, word, seen, clock, deadline);
        if (r)
            return r;
    }
}

int hook__kept_rwlock_lock(pthread_rwlock_t *rw, int write, clockid_t clock,
                           const struct timespec *deadline)
{
    struct green *self = green__current();
    self->last_call = __builtin_return_address(0);
    if (bad_deadline(clock, deadline))
        return EINVAL;
    struct kept_lock *spare = NULL;
    if (write && !(spare = spare_record()))
        return EAGAIN;
    int r = lock_rwlock(self->hub, self, rw, write, clock, deadline, &spare);
    free(spare);
    return r;
}

int hook__kept_rwlock_trylock(pthread_rwlock_t *rw, int write)
{
    struct green *self = green__current();
    struct kept_lock *spare = NULL;
    if (write && !(spare = spare_record()))
        return EAGAIN;
    int r = try_rwlock(self->hub, self, rw, write, 0, &spare);
    free(spare);
    return r;
}

int hook__kept_rwlock_unlock(pthread_rwlock_t *rw)
{
    struct green *self = green__current();
    struct green__hub *h = self->hub;
    enum holder who = held_by(h, self, rw, rwlock_writer(rw));
    if (who == SIBLING)
        return EPERM;
    int r = real()->pthread_rwlock_unlock(rw);
    if (r)
        return r;
    if (who == SELF)
        forget_holder(h, rw);
    green__addr_wake(h, &rw->__data.__readers, INT_MAX);
    return 0;
}

void hook__kept_fork_child(struct green__hub *h)
{
    hook__kept_helpers_fork_child();
    /* The child's OS thread has a tid of its own: no lock of the parent's
     * is its, whatever the records say. */
    while (hook__hub(h)->kept_locks) {
        struct kept_lock *k = hook__hub(h)->kept_locks;
        hook__hub(h)->kept_locks = k->next;
        free(k);
    }
}

/* ---- Semaphores --------------------------------------------------------- */

/* A semaphore has no owner: each try is glibc's sem_trywait, and a post
 * wakes the green threads parked on the value. */

static const unsigned *sem_value(const sem_t *s)
{
    return (const unsigned *)((const char *)s + GREEN__GLIBC_SEM_VALUE_OFFSET);
}

int hook__kept_sem_wait(sem_t *s, clockid_t clock,
                        const struct timespec *deadline)
{
    struct green *self = green__current();
    self->last_call = __builtin_return_address(0);
    if (bad_deadline(clock, deadline))
        return EINVAL;
    const unsigned *word = sem_value(s);
    struct slices slices = SLICES_INIT;
    int saved_errno = errno;
    for (;;) {
        hook__testcancel(self); /* glibc's sem waits are cancellation points */
        unsigned seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        if (real()->sem_trywait(s) == 0) {
            errno = saved_errno;
            return 0;
        }
        if (errno != EAGAIN)
            return errno;
        if (hook__kept_alone(self)) {
            int r = deadline ? real()->sem_clockwait(s, clock, deadline)
                             : real()->sem_wait(s);
            return r ? errno : 0;
        }
        int r = park_a_slice(self->hub, &slices, word, seen, clock, deadline);
        if (r)
            return r;
    }
}

int hook__kept_sem_post(sem_t *s)
{
    if (real()->sem_post(s) != 0)
        return errno;
    green__addr_wake(green__current()->hub, sem_value(s), 1);
    return 0;
}
