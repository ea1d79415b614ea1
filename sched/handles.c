/*
 * handles.c - what the handle of a released thread stands for.
 *
 * A green thread's handle (its pthread_t in the preload library) is the
 * address of its struct green, which lives on its stack (or, for a stack
 * the program gave, in an allocation of its own).  Once the thread
 * is joined, or has ended detached, that stack goes back to the pool or is
 * unmapped, and a handle the program kept points into memory that may be
 * gone or be part of another thread's stack.  POSIX leaves the use of such
 * a handle undefined, but glibc answers it (ESRCH after a join, EINVAL for
 * a detached thread, as long as the memory is in its stack cache), and
 * programs do it.  So the hub remembers, per released address, how the
 * thread ended, until a new thread is created at that very address: from
 * then on the handle is the new thread's, as glibc's handles are reused
 * with their stacks.
 *
 * The set is an open-addressing hash table keyed by address, with the way
 * the thread ended kept in the low bits (a struct green is 64-byte
 * aligned) and linear probing with backward-shift deletion.  It holds at
 * most one entry per address a thread ever had: with the stack pool that
 * is a few thousand at most.
 *
 * The address released last is held apart, in front of the table.  A
 * program that spawns and joins in a loop reuses one stack slot, and so
 * one address (green.c puts struct green at the same place in a slot):
 * its handle is then recorded and forgotten without touching the table.
 */
#include <stdlib.h>

#include "thread.h"
#include "world.h"

#define KIND_MASK 63u
#define MIN_SLOTS 64

struct green__ended {
    uintptr_t last;   /* address | kind of the last released, or 0 */
    uintptr_t *slots; /* address | kind, or 0; never last's address */
    size_t mask;      /* slot count - 1 */
    size_t count;     /* entries in slots */
};

static uintptr_t address_of(uintptr_t entry)
{
    return entry & ~(uintptr_t)KIND_MASK;
}

static size_t slot_of(const struct green__ended *e, uintptr_t addr)
{
    return (size_t)((addr >> 6) * 0x9e3779b97f4a7c15ull >> 17) & e->mask;
}

/* The slot that holds addr, or the empty one where it would go. */
static size_t find(const struct green__ended *e, uintptr_t addr)
{
    size_t i = slot_of(e, addr);
    while (e->slots[i] && address_of(e->slots[i]) != addr)
        i = (i + 1) & e->mask;
    return i;
}

static int grow(struct green__ended *e)
{
    size_t old_mask = e->mask;
    uintptr_t *old = e->slots;
    size_t n = old ? (old_mask + 1) * 2 : MIN_SLOTS;
    uintptr_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    e->slots = slots;
    e->mask = n - 1;
    for (size_t i = 0; old && i <= old_mask; i++)
        if (old[i])
            e->slots[find(e, address_of(old[i]))] = old[i];
    free(old);
    return 0;
}

int green__handle_ended(struct green__hub *h, const void *handle)
{
    struct green__ended *e = h->world->ended;
    uintptr_t addr = (uintptr_t)handle;
    if (!e || (addr & KIND_MASK))
        return 0;
    if (address_of(e->last) == addr)
        return (int)(e->last & KIND_MASK);
    if (!e->count)
        return 0;
    return (int)(e->slots[find(e, addr)] & KIND_MASK);
}

/* Put entry into the table.  If it cannot grow, the handle is not
 * remembered: it is then as undefined as POSIX says, which is no worse
 * than before. */
static void insert(struct green__ended *e, uintptr_t entry)
{
    if ((e->count + 1) * 4 > (e->mask + 1) * 3 && grow(e) < 0)
        return;
    size_t i = find(e, address_of(entry));
    if (!e->slots[i])
        e->count++;
    e->slots[i] = entry;
}

/* Only threads of the program are recorded: those with a stack of their
 * own or one the program gave, and a number (not adopted contexts, not
 * the hub's own thread).  The one released before goes into the table. */
void green__handle_retire(struct green__hub *h, const struct green *g)
{
    uintptr_t addr = (uintptr_t)g;
    if ((!g->stack.map && !g->stack_given) || !g->id)
        return;
    if (!h->world->ended &&
        !(h->world->ended = calloc(1, sizeof *h->world->ended)))
        return;
    struct green__ended *e = h->world->ended;
    if (e->last && address_of(e->last) != addr)
        insert(e, e->last);
    e->last =
        addr | (g->detached ? GREEN__ENDED_DETACHED : GREEN__ENDED_JOINED);
}

void green__handle_reuse(struct green__hub *h, const struct green *g)
{
    struct green__ended *e = h->world->ended;
    uintptr_t addr = (uintptr_t)g;
    if (!e)
        return;
    if (address_of(e->last) == addr) {
        e->last = 0;
        return;
    }
    if (!e->count)
        return;
    size_t i = find(e, addr);
    if (!e->slots[i])
        return;
    e->count--;
    /* Backward-shift deletion: move up every later entry of the run that
     * would otherwise become unreachable from its home slot. */
    for (size_t j = (i + 1) & e->mask; e->slots[j]; j = (j + 1) & e->mask) {
        size_t home = slot_of(e, address_of(e->slots[j]));
        if (((j - home) & e->mask) >= ((j - i) & e->mask)) {
            e->slots[i] = e->slots[j];
            i = j;
        }
    }
    e->slots[i] = 0;
}

void green__handles_free(struct green__hub *h)
{
    if (h->world->ended) {
        free(h->world->ended->slots);
        free(h->world->ended);
        h->world->ended = NULL;
    }
}
