/*
 * specific.c - per-green-thread values for pthread keys.
 *
 * Two levels, as glibc does it: 32 blocks of 32 values, a block allocated
 * when a key in it is first set, so a thread that uses a couple of keys
 * costs a few hundred bytes rather than a full 1024-entry table.
 */
#include <stdlib.h>

#include "hub.h"
#include "world.h"

#define BLOCK 32

void *green__specific_get(const struct green *g, unsigned key)
{
    if (key >= GREEN__KEYS_MAX || !g->specific || !g->specific[key / BLOCK])
        return NULL;
    return g->specific[key / BLOCK][key % BLOCK];
}

int green__specific_set(struct green *g, unsigned key, void *value)
{
    if (key >= GREEN__KEYS_MAX)
        return -EINVAL;
    if (!g->specific) {
        if (!value)
            return 0;
        g->specific = calloc(GREEN__KEYS_MAX / BLOCK, sizeof *g->specific);
        if (!g->specific)
            return -ENOMEM;
    }
    void **block = g->specific[key / BLOCK];
    if (!block) {
        if (!value)
            return 0;
        block = g->specific[key / BLOCK] = calloc(BLOCK, sizeof *block);
        if (!block)
            return -ENOMEM;
    }
    block[key % BLOCK] = value;
    return 0;
}

void green__specific_forget(struct green__hub *h, unsigned key)
{
    /* Keys are the process's: every hub's threads forget it. */
    struct green__world *w = h->world;
    green__lock();
    for (unsigned i = 0; i < w->hub_count; i++)
        for (struct green *g = w->hubs[i]->all; g; g = g->all_next)
            if (green__specific_get(g, key))
                green__specific_set(g, key, NULL);
    green__unlock();
}

void green__specific_free(struct green *g)
{
    if (!g->specific)
        return;
    for (unsigned b = 0; b < GREEN__KEYS_MAX / BLOCK; b++)
        free(g->specific[b]);
    free(g->specific);
    g->specific = NULL;
}
