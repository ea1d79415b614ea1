/*
 * preempt.h - preemption at safe points (preempt.c).
 */
#ifndef GREEN_PREEMPT_H
#define GREEN_PREEMPT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct green__hub;

/* Preempt hub h's threads after slice_ms of running.  NULL, or a phrase
 * saying why not (for --debug). */
const char *hook__preempt_enable(struct green__hub *h, unsigned slice_ms);
/* The per-OS-thread half of it (a timer for this OS thread), for another
 * worker's hub h once the process preempts: 0, or -1. */
int hook__preempt_enable_worker(struct green__hub *h, unsigned slice_ms);
/* In a forked child: timers are not inherited. */
void hook__preempt_fork_child(struct green__hub *h);
/* A second thread exists: start the ticks. */
void hook__preempt_arm(struct green__hub *h);
/* A lone thread is about to block in the kernel: no tick may interrupt
 * its call. */
void hook__preempt_disarm(struct green__hub *h);
/* At a safe point (leaving greenrun's frames, to returns_to with the
 * stack at sp, or NULL if not known): yield if a tick found the thread
 * where it could not be preempted, unless it is inside an allocator that
 * replaces malloc. */
void hook__preempt_at_safe_point(struct green__hub *h, uintptr_t returns_to,
                                 const uintptr_t *sp);
/* Why a thread at pc could not be preempted ("inside libc.so.6: memcpy"),
 * written to buf, or NULL if pc is program code. */
const char *hook__preempt_blocker(const void *pc, char *buf, size_t size);

#endif
