/*
 * observe.h - watching a hub from another OS thread (observe.c).
 */
#ifndef GREEN_OBSERVE_H
#define GREEN_OBSERVE_H

#include "hub.h"

/* What a watcher saw of a hub and of the green thread it was running. */
struct green__observed {
    uint64_t switches;
    size_t live;
    const void *blocked_pc;     /* where the last time slice found it */
    const struct green *thread; /* running, or NULL (the hub's own thread);
                                   an address to compare, never to read */
    uint64_t id;                /* of thread, once green__observe_thread */
    char name[16];              /* ... succeeded; else 0 and "" */
    const void *last_call;
};
/* Copy h's switch counter, running thread, live count and preemption
 * note into o, from any OS thread, without racing the hub. */
void green__observe_hub(const struct green__hub *h, struct green__observed *o);
/* Fill o's id, name and last call from o->thread, which green__observe_hub
 * saw running.  0; -EAGAIN: h switched since (observe again); -ESRCH: no
 * thread ran; another -errno: its memory could not be read. */
int green__observe_thread(const struct green__hub *h,
                          struct green__observed *o);

#endif
