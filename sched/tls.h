/*
 * tls.h - a private thread descriptor and TLS block per green thread.
 */
#ifndef GREEN_TLS_H
#define GREEN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"
#include "tls_x86_64.h"

struct green;
struct green__hub;

/* What glibc offers for making a thread's TLS (its loader's private entry
 * points and libthread_db's layout descriptors), found by the preload
 * library (shim/modes.c).  Any of them missing: no private TLS. */
struct green__tls_abi {
    void *(*allocate)(void *tcb);                /* _dl_allocate_tls */
    void (*deallocate)(void *tcb, bool storage); /* _dl_deallocate_tls */
    void (*call_dtors)(void);                    /* __call_tls_dtors */
    uint32_t pthread_size; /* _thread_db_sizeof_pthread: the TCB's size */
    uint32_t tid_offset;   /* _thread_db_pthread_tid */
    uint32_t list_offset;  /* _thread_db_pthread_list */
    int rseq_offset;       /* __rseq_offset; 0: no rseq area */
};

/* Check that private TLS can work in this process and remember how.  NULL,
 * or why not, in a phrase.  Called once, on a native thread. */
const char *green__tls_enable(const struct green__tls_abi *abi);
/* Whether wrfsbase switches the thread pointer (else a system call). */
bool green__tls_fast_switch(void);

/* Bytes a thread with private TLS needs on its stack, below struct green,
 * 64-byte aligned. */
size_t green__tls_stack_room(void);
/* Give g a TLS block and thread descriptor of its own, for hub h; room is
 * green__tls_stack_room() bytes of its stack.  0 or -EAGAIN. */
int green__tls_create(struct green__hub *h, struct green *g, void *room);
/* Whether g has a block of its own (private TLS), not its OS thread's:
 * the calls below do nothing for one that has not, and callers on the hot
 * path ask first. */
static inline bool green__tls_own(const struct green *g)
{
    return g->tls != g->hub->native_tp;
}
/* On g's own stack, as it starts: reset what a reused block carries. */
void green__tls_fresh(struct green *g);
/* On g's own stack, as it ends: run its C++ thread_local destructors. */
void green__tls_exit(struct green *g);
/* g has ended: keep its block for the next thread, or free it. */
void green__tls_release(struct green__hub *h, struct green *g);
/* g, made on its creator's hub and not yet run, will run on hub to: its
 * descriptor takes that OS thread's tid and hub. */
void green__tls_rehome(struct green *g, struct green__hub *to);
void green__tls_pool_drain(struct green__hub *h);

/* Around a real fork: glibc's fork bookkeeping wants the OS thread's own
 * descriptor.  after_fork gives the caller back its own. */
void *green__tls_before_fork(struct green__hub *h);
void green__tls_after_fork(struct green__hub *h, void *tp, int child);

void green__tcb_init(void *tcb, const void *model);

#endif
