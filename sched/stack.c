/*
 * stack.c - green stacks: mapped with a guard page, reused from a pool.
 *
 * A stack is one anonymous mapping with MAP_NORESERVE, so only the pages a
 * thread touches cost memory, and a PROT_NONE guard page at its low end, so
 * an overflow faults (overflow.c reports it) instead of corrupting the
 * neighbour.  Each stack is two kernel mappings; vm.max_map_count (65530 by
 * default) therefore caps a process near 32,000 green threads, and we say
 * so once when the kernel refuses.
 *
 * Stacks of the hub's default size go back to a small per-hub pool when
 * their thread is released, which makes spawn+join cheap.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include "internal.h"

static size_t page_size(void)
{
    static size_t size;
    if (!size)
        size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
}

static void explain_map_failure(void)
{
    static int said;
    char line[256];
    if (said++)
        return;
    snprintf(line, sizeof line,
             "greenrun: cannot map another green stack: the kernel's "
             "mapping limit may be reached (raise it: sysctl -w "
             "vm.max_map_count=262144)\n");
    green__say(line);
}

static int map_stack(size_t map_size, struct green__stack *s)
{
    size_t guard = page_size();
    char *map =
        mmap(NULL, map_size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        goto err;
    if (mprotect(map, guard, PROT_NONE) < 0) {
        munmap(map, map_size);
        goto err;
    }
    s->map = map;
    s->map_size = map_size;
    s->lo = map + guard;
    s->hi = map + map_size;
    s->vg_id = VALGRIND_STACK_REGISTER(s->lo, s->hi);
    return 0;
err:
    if (errno == ENOMEM)
        explain_map_failure();
    return -EAGAIN;
}

static size_t map_size_for(size_t usable)
{
    size_t page = page_size();
    return page + (usable + page - 1) / page * page;
}

int green__stack_alloc(struct green__hub *h, size_t size, int poolable,
                       struct green__stack *s)
{
    if (poolable && h->pool_count > 0) {
        *s = h->pool[--h->pool_count];
        /* memcheck marked what lay below the last thread's stack pointer
         * as unaddressable when it left; the next thread's first frame
         * is written from another stack, before it runs. */
        VALGRIND_MAKE_MEM_UNDEFINED(s->lo, (size_t)(s->hi - s->lo));
        return 0;
    }
    return map_stack(map_size_for(size), s);
}

static void unmap_stack(struct green__stack *s)
{
    VALGRIND_STACK_DEREGISTER(s->vg_id);
    munmap(s->map, s->map_size);
}

void green__stack_release(struct green__hub *h, struct green__stack *s,
                          int poolable)
{
    if (poolable && h->pool_count < GREEN__STACK_POOL_MAX) {
        h->pool[h->pool_count++] = *s;
        return;
    }
    unmap_stack(s);
}

void green__stack_pool_drain(struct green__hub *h)
{
    while (h->pool_count > 0)
        unmap_stack(&h->pool[--h->pool_count]);
}
