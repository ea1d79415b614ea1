/*
 * trap.h - the syscall-level layer (trap.c) and what it needs of the
 * architecture (trap_x86_64.c).
 */
#ifndef GREEN_TRAP_H
#define GREEN_TRAP_H

#include <signal.h>
#include <stdint.h>

struct green;
struct green__hub;

/* Turn the layer on for hub h's OS thread.  0, or a phrase saying why it
 * cannot be (for --debug). */
const char *hook__trap_enable(struct green__hub *h);
/* The per-OS-thread half of it, for another worker's hub h once the
 * process has the trap: 0, or -1 if the kernel refused. */
int hook__trap_enable_worker(struct green__hub *h);
/* In a forked child: dispatch is not inherited; turn it on again. */
void hook__trap_fork_child(struct green__hub *h);

/* sigaction for the hooks: install act (greenrun's wrapper or the
 * program's own action) so that a handler never blocks SIGSYS and returns
 * through a restorer the trap lets through. */
int hook__install_action(int sig, const struct sigaction *act,
                         struct sigaction *old);
/* A system call that can block, made by a green thread of hub h through
 * its hook (which parks the thread as needed): 1 and *result, the value
 * or -errno; 0 if nr is not one of them.  For syscall() and the trap. */
int hook__green_syscall(struct green__hub *h, long nr, const long args[6],
                        long *result);

/* Find greenrun's own text (once): 1, or 0 if it was not found.  Then
 * whether pc is in it (async-signal-safe). */
int hook__own_text_find(void);
int hook__in_own_text(uintptr_t pc);

/* Follow greenrun's frames for signal delivery too, trap or not: a signal
 * that arrives inside them waits until the thread leaves them
 * (deliver.c). */
void hook__trap_follow_frames(struct green__hub *h);

/* Enter greenrun's frames from a signal handler that interrupted program
 * code of g (the selector lets calls through), and leave them, returning
 * to returns_to with the stack at sp (0 and NULL: not known), a safe
 * point to yield at (preempt.h). */
void hook__trap_enter(struct green *g);
void hook__trap_leave(struct green__hub *h, struct green *g,
                      uintptr_t returns_to, const uintptr_t *sp);
/* Back in greenrun's frames, depth deep, after program code ran at depth 0
 * from inside them (a signal handler, whose calls may have left the
 * selector at BLOCK): greenrun's calls are let through again. */
void hook__trap_return(struct green *g, unsigned depth);

/* ---- Per architecture (trap_x86_64.c) ---------------------------------- */

/* The interrupted instruction's address in a signal context. */
uintptr_t hook__trap_pc(const void *ctx);
/* The interrupted stack pointer in a signal context. */
const uintptr_t *hook__trap_sp(const void *ctx);
/* The arguments of the trapped call in a signal context. */
void hook__trap_args(const void *ctx, long args[6]);
/* Make the trapped call return r. */
void hook__trap_set_result(void *ctx, long r);
/* Make the trapped call run again, from where it was, on return. */
void hook__trap_rewind(void *ctx);
/* The first word of the signal mask the handler's return restores. */
unsigned long *hook__trap_saved_mask(void *ctx);
/* A system call from greenrun's own text, which dispatch lets through:
 * the result, or -errno. */
long hook__raw_syscall6(long number, const long args[6]);
/* rt_sigaction with greenrun's own restorer (in its text, so that the
 * return from a handler is let through).  0 or -errno. */
long hook__raw_sigaction(int sig, const struct sigaction *act,
                         struct sigaction *old);

#endif
