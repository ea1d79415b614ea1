/*
 * thread.h - green threads: their record, stacks, queues, creation and end
 * (green.c, stack.c, queue.c, handles.c, once.c, specific.c).
 */
#ifndef GREEN_THREAD_H
#define GREEN_THREAD_H

#include <ev.h>
#include <signal.h>

#include "util.h"

struct green__hub;
struct green__slab;

/* Room for the preload's own state in each thread and hub. */
#define GREEN__PRELOAD_THREAD_BYTES 16
#define GREEN__PRELOAD_HUB_BYTES 64

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
    unsigned slot;            /* ... and which slot */
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
    /* The signals it blocks, as the kernel's first mask word. */
    uint64_t sigmask;
    volatile unsigned char sig_flags; /* GREEN__SIG_* */
    char name[16];
    /* What only the preload keeps per thread (struct hook__thread,
     * hooks/preload_state.h): the core zeroes it with the thread and
     * never reads it. */
    _Alignas(8) unsigned char preload[GREEN__PRELOAD_THREAD_BYTES];
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
/* Where every new green thread begins, on its own stack.  It never
 * returns, but is not declared so: it ends with a jump to green__schedule
 * (switch_x86_64.S says why), and a return reaches
 * green__start_returned. */
void green__start(void);
void green__start_returned(void) __attribute__((noreturn));

void green__queue_push(struct green__queue *q, struct green *g);
void green__queue_push_front(struct green__queue *q, struct green *g);
struct green *green__queue_pop(struct green__queue *q);
void green__queue_remove(struct green *g);

/* The hub's list of every thread not yet released (green.c). */
void green__all_add(struct green__hub *h, struct green *g);
void green__all_remove(struct green__hub *h, struct green *g);

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

/* ---- Thread-specific values (specific.c) -------------------------------- */

#define GREEN__KEYS_MAX 1024
void *green__specific_get(const struct green *g, unsigned key);
/* 0 or -ENOMEM. */
int green__specific_set(struct green *g, unsigned key, void *value);
/* Drop key's value in every thread of the hub (the key was deleted). */
void green__specific_forget(struct green__hub *h, unsigned key);
void green__specific_free(struct green *g);

#endif
