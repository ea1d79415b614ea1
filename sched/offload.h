/*
 * offload.h - the offload pool: native threads that run calls no watcher can
 * wait for (offload.c).
 */
#ifndef GREEN_OFFLOAD_H
#define GREEN_OFFLOAD_H

#include "hub.h"

/* At most this many native worker threads per hub. */
#define GREEN__OFFLOAD_THREADS 16

/* Run fn(arg) on a native worker thread while the calling green thread
 * parks (not cancellable: the job lives on its stack).  0 once fn has
 * returned; -ENOMEM or -EAGAIN if no worker could take it (fn did not
 * run: the caller may run it itself). */
int green__offload(struct green__hub *h, void (*fn)(void *arg), void *arg);
/* From the hub's ev_async callback: wake the threads whose jobs are done. */
void green__offload_finish(struct green__hub *h);
/* In a forked child: the workers stayed behind; forget them. */
void green__offload_fork_child(struct green__hub *h);
/* Stop and join the workers (hub destruction: no job is pending). */
void green__offload_stop(struct green__hub *h);

#endif
