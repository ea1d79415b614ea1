/*
 * deliver.h - signals per green thread: masks (sigmask.c), which thread
 * takes a signal and running its handler there (deliver.c), and the
 * program's actions (signal.c).
 *
 * A mask is kept as the kernel's first mask word: bit sig - 1 for signal
 * sig, 1..64.  Everything declared here may run in a signal handler or at
 * a switch, so none of it reports its frames to the syscall trap (the
 * Makefile leaves out every function first declared in hooks/deliver*).
 */
#ifndef GREEN_DELIVER_H
#define GREEN_DELIVER_H

#include <signal.h>
#include <stdint.h>

#include "hub.h"

/* What to run for a signal: the program's handler, its flags and mask. */
struct hook__action {
    void *handler; /* sa_handler, or sa_sigaction with SA_SIGINFO */
    int flags;
    uint64_t mask;
};

/* A mask word kept by greenrun has no signal that cannot be blocked
 * (SIGKILL, SIGSTOP, glibc's own two) nor one greenrun owns. */
uint64_t hook__mask_word(const sigset_t *set);
uint64_t hook__blockable(uint64_t mask);
static inline uint64_t hook__sig_bit(int sig)
{
    return 1ULL << (sig - 1);
}

/* ---- sigmask.c ---------------------------------------------------------- */

/* What g blocks, from a mask its OS thread had (sigsetjmp and the trapped
 * rt_sigprocmask read the kernel's): a worker's floor (shim/init.c) is
 * not g's, and there g's own mask is all that is known. */
static inline uint64_t hook__thread_view(const struct green__hub *h,
                                         const struct green *g, uint64_t os)
{
    return (os & ~h->sigmask_floor) | (g->sigmask & h->sigmask_floor);
}

/* g, the running thread, now blocks mask: its own, the hub's (what every
 * thread blocks), and the OS thread's.  Handlers of signals kept for g
 * that it no longer blocks run before this returns. */
void hook__set_sigmask(struct green *g, uint64_t mask);
/* The same, but the OS thread gets mask later, when the signal frame the
 * caller is in returns (the trap's rt_sigprocmask).  The handlers run at
 * the thread's next safe point. */
void hook__note_sigmask(struct green *g, uint64_t mask);
/* g blocks mask from now on; the OS thread is told when it next runs.
 * No handler runs. */
void hook__keep_sigmask(struct green *g, uint64_t mask);
/* The calls that wait with a mask of their own (sigsuspend, ppoll,
 * pselect, epoll_pwait): g, the running thread, blocks mask until the
 * wait ends, and the handlers that end it run under it.  parks: the wait
 * parks (else the kernel call sets the mask itself).  Returns the mask
 * to give back to hook__wait_mask_end. */
uint64_t hook__wait_mask_begin(struct green *g, const sigset_t *mask,
                               int parks);
void hook__wait_mask_end(struct green *g, uint64_t old);

/* ---- signal.c ----------------------------------------------------------- */

/* Block every signal on this OS thread (raw, nothing traps), and give
 * back the mask that returns: a handler sees the change before or after,
 * never half of it. */
uint64_t hook__hold_signals(void);
void hook__release_signals(uint64_t old);
/* The program's action for sig at delivery: as the kernel would, an
 * SA_RESETHAND action is reset.  1 and *a for a handler; 0 if the signal
 * is ignored, or has its default action, which was sent on to the running
 * OS thread to take effect there. */
int hook__take_program_action(int sig, struct hook__action *a);
/* Whether the program ignores sig (SIG_IGN). */
int hook__program_ignores(int sig);
/* The flags of the program's handler for sig, 0 if it has none. */
int hook__program_flags(int sig);
/* Whether the program has installed a handler. */
int hook__handlers_installed(void);

/* ---- deliver.c ---------------------------------------------------------- */

/* Start: the main and hub threads block what the OS thread blocks. */
void hook__signals_init(struct green__hub *h);
/* A handler of the program's arrived in a signal handler: run it in the
 * thread that takes the signal, now or at that thread's next safe point,
 * or keep the signal pending if every thread blocks it. */
void hook__signal_arrived(struct green__hub *h, int sig, siginfo_t *info,
                          void *ctx, const struct hook__action *a);
/* pthread_kill and friends: sig with info is for t.  0 or an errno. */
int hook__signal_thread(struct green *t, int sig, const siginfo_t *info);
/* Run the handlers waiting for g, the running thread, at a safe point:
 * when it leaves greenrun's frames, or in green__park
 * (green__signal_take_hook). */
void hook__take_signals(struct green *g);
/* A signal of set kept for g, taken (sigwait): the signal and *info, or
 * 0. */
int hook__take_kept(struct green *g, uint64_t set, siginfo_t *info);
/* The signals kept for g. */
uint64_t hook__kept_for(struct green *g);
/* Whether a signal g no longer blocks in mask waits for it. */
int hook__kept_unblocked(struct green *g, uint64_t mask);
/* g ends: the signals kept for it go. */
void hook__signals_forget(struct green *g);
/* In a forked child: nothing is pending. */
void hook__signals_fork_child(struct green__hub *h);

#endif
