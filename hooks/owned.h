/*
 * owned.h - signals greenrun takes for itself (owned.c).
 */
#ifndef GREEN_OWNED_H
#define GREEN_OWNED_H

#include <signal.h>
#include <stdint.h>

/* Install handler for sig (SA_SIGINFO | flags, empty mask, greenrun's own
 * restorer) and keep the program's action.  0 or -1. */
int hook__own_signal(int sig, void (*handler)(int, siginfo_t *, void *),
                     int flags);
/* Undo the last hook__own_signal, for sig. */
void hook__disown_signal(int sig);
int hook__owns_signal(int sig);
/* Take the owned signals out of a mask a program asks to block: a trapped
 * call with SIGSYS blocked kills the process, and SIGURG blocked by one
 * thread would stop every thread's time slices. */
void hook__unblock_owned(sigset_t *set);
/* The same as a mask word (bit sig - 1 for each owned signal). */
uint64_t hook__owned_bits(void);
/* sigaction on an owned signal: the program's action. */
int hook__owned_sigaction(int sig, const struct sigaction *act,
                          struct sigaction *old);
/* A signal greenrun did not send: what the program's action says. */
void hook__owned_pass_on(int sig, siginfo_t *info, void *ctx);

#endif
