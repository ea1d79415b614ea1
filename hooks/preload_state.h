/*
 * preload_state.h - what only the preload keeps per green thread and per
 * hub.
 *
 * The core is compiled once for libgreen and libgreenrun.so and knows
 * nothing of cancellation cleanup, sigwait, the syscall trap, time slices
 * or io_uring; it only reserves room for this state in each thread and hub
 * (green.preload, green__hub.preload), zeroed when they are made, and the
 * preload lays its own structures over it.
 */
#ifndef GREEN_PRELOAD_STATE_H
#define GREEN_PRELOAD_STATE_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "hub.h"

struct hook__thread {
    void *cleanup;       /* pthread_cleanup_push chain (cancel.c) */
    uint64_t sigwaiting; /* in sigwait: the signals it waits for, as the
                            kernel's first mask word (deliver.c) */
};

struct hook__hub {
    struct kept_lock *kept_locks;         /* glibc's locks held (kept.c) */
    volatile char trap_selector;          /* Syscall User Dispatch (trap.c) */
    unsigned char trap_on;                /* ... is enabled on this OS thread */
    unsigned char preempt_on;             /* time slices (preempt.c) */
    unsigned char signals_on;             /* depth followed for signals */
    unsigned char preempt_armed;          /* ... its timer is ticking */
    volatile sig_atomic_t preempt_wanted; /* yield at the next safe point */
    uint64_t preempt_switches;            /* stats.switches at the last tick */
    long preempt_slice_ns;
    timer_t preempt_timer;
    void *nowait_ring; /* nowait.c's io_uring, made on first use */
};

_Static_assert(sizeof(struct hook__thread) <= GREEN__PRELOAD_THREAD_BYTES,
               "struct hook__thread fits the room a green thread keeps");
_Static_assert(sizeof(struct hook__hub) <= GREEN__PRELOAD_HUB_BYTES,
               "struct hook__hub fits the room a hub keeps");

/* g may be const where only the core's fields are (deliver.c's tests of a
 * thread's signals): the preload's part is its own to change. */
__attribute__((no_instrument_function)) static inline struct hook__thread *
hook__thread(const struct green *g)
{
    return (struct hook__thread *)(uintptr_t)g->preload;
}

__attribute__((no_instrument_function)) static inline struct hook__hub *
hook__hub(struct green__hub *h)
{
    return (struct hook__hub *)(void *)h->preload;
}

#endif
