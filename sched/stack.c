/*
 * stack.c - green stacks: carved from large slabs, each with a guard page.
 *
 * A stack of one's own mapping costs the kernel two mappings (the stack and
 * its PROT_NONE guard page), and vm.max_map_count (65530 by default) then
 * caps a process near 32,000 green threads.  So stacks of the hub's default
 * size are slots of slabs: one anonymous MAP_NORESERVE mapping holds many
 * of them, each a guard page followed by the stack, and only the pages a
 * thread touches cost memory (a parked thread touches one or two).
 *
 * The guard pages stay.  Linux 6.13 and later install a guard as a marker
 * in the page tables (MADV_GUARD_INSTALL), which faults like PROT_NONE but
 * does not split the mapping: a slab of N guarded stacks is one mapping
 * (adjacent slabs even merge), and a million parked threads add a handful
 * of mappings.  A guard then costs about a third of a microsecond once per
 * slot, in batches, and nothing per switch.  On older kernels each guard is
 * an mprotect'ed page, which splits the slab into two mappings per stack,
 * exactly what a stack of its own cost: the limit is then the old one,
 * reached with the same message, and overflows are still caught.  A slot's
 * guard is installed shortly before the slot is first handed out
 * (slab_prepare) and outlives every thread that uses it.  Either way an
 * overflow faults on the guard, and overflow.c names the thread: the guard
 * lies between the slot's start (stack.map) and its lowest usable byte
 * (stack.lo).
 *
 * Slabs grow geometrically (SLAB_SLOTS_MIN, doubling up to SLAB_BYTES_MAX of
 * address space), so a program with a few threads maps little and one with
 * a million maps about a thousand slabs.  A slab the kernel refuses (strict
 * overcommit, ulimit -v) is retried at half the size, down to one slot.
 *
 * Freed slots are reused last-in first-out, the slab last released into
 * first, so that spawn+join keeps reusing one warm stack, as the old pool
 * did, with no system call.  The last few freed are not even given back
 * to their slab: they wait whole, as hot stacks, for the next spawns.  Memory
 * comes back in two ways: a slab whose slots are all free is unmapped (one
 * spare is kept, so that a thread spawned and joined in a loop does not map and
 * unmap a slab each time), and beyond DIRTY_MAX freed slots that still hold
 * their pages, a freed slot's pages are dropped with MADV_DONTNEED (guards
 * survive that).
 *
 * Stacks of other sizes (pthread_attr_setstacksize, the hub's own) get a
 * mapping of their own, guarded the same way.  A stack the program gives
 * (pthread_attr_setstack) is only described, never mapped or unmapped.
 *
 * When the kernel refuses a mapping anyway, spawning fails with -EAGAIN (so
 * pthread_create returns EAGAIN, as natively) and one line on stderr names
 * the limit that was hit: the mapping count, the address-space limit or
 * memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include "hub.h"
#include "real.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
/* process_madvise's name for the calling process (Linux 6.15), which
 * needs no descriptor: the program must see the descriptor numbers it
 * would see natively. */
#define PIDFD_SELF_THREAD (-10000)

#define SLAB_SLOTS_MIN 16
#define SLAB_BYTES_MAX ((size_t)256 << 20)
/* Fresh slots prepared with one system call, at most. */
#define PREPARE_MAX 64
/* Freed slots that keep their pages for the next thread, per hub. */
#define DIRTY_MAX 256
/* A free slot's index carries this bit while its pages are still there. */
#define SLOT_DIRTY 0x80000000u
/* Freed stacks kept whole per hub, outside their slabs (hot stacks). */
#define HOT_MAX 8

struct green__slab {
    struct green__slab *prev, *next; /* the hub's slabs (slab_insert) */
    char *base;
    size_t slot_size;      /* guard page plus stack */
    unsigned slots;        /* in the slab */
    unsigned fresh;        /* slots from here on were never handed out */
    unsigned prepared;     /* slots below this have their guard */
    unsigned used;         /* handed out and not released */
    unsigned nfree;        /* entries in free_slots */
    unsigned free_slots[]; /* released slots, last released on top */
};

/* Guards made as page-table markers (1), as mprotect'ed pages (0), or not
 * known yet (-1).  The kernel's answer is the same for every hub. */
static int guard_markers = -1;
/* process_madvise on this process works (1), does not (0), or unknown. */
static int batch_advice = -1;

static size_t page_size(void)
{
    static size_t size;
    if (!size)
        size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
}

/* Whether valgrind runs us: asked once, so that outside it a spawn and a
 * join make none of its client requests (each a dozen instructions). */
static int under_valgrind(void)
{
    static int answer = -1;
    int known = __atomic_load_n(&answer, __ATOMIC_RELAXED);
    if (known < 0) {
        known = RUNNING_ON_VALGRIND != 0;
        __atomic_store_n(&answer, known, __ATOMIC_RELAXED);
    }
    return known;
}

/* A page is a power of two: no division on the way to a stack. */
static size_t round_to_page(size_t n)
{
    size_t page = page_size();
    return (n + page - 1) & ~(page - 1);
}

/* ---- Naming the limit that was hit ----------------------------------------
 */

static long read_number(const char *path)
{
    char buf[32] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = green__real.read(fd, buf, sizeof buf - 1);
    green__real.close(fd);
    return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* The number of mappings of this process: the lines of /proc/self/maps. */
static long count_mappings(void)
{
    char buf[8192];
    long lines = 0;
    ssize_t n;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while ((n = green__real.read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
    green__real.close(fd);
    return lines;
}

static void say_number(const char *before, long value, const char *after)
{
    char digits[24];
    green__say(before);
    green__say(
        green__format_decimal(digits + sizeof digits, (unsigned long)value));
    green__say(after);
}

/* Once per process: which limit refused a stack. */
static void explain_map_failure(void)
{
    static int said;
    struct rlimit as;
    if (said++)
        return;
    long max = read_number("/proc/sys/vm/max_map_count");
    long now = count_mappings();
    if (max > 0 && now >= 0 && now + 16 >= max) {
        say_number("greenrun: cannot map another green stack: the process "
                   "has reached the kernel's mapping limit (vm.max_map_count "
                   "= ",
                   max, "); raise it, or use fewer green threads\n");
        return;
    }
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
        say_number("greenrun: cannot map another green stack: the "
                   "address-space limit (ulimit -v, ",
                   (long)(as.rlim_cur / 1024),
                   " KiB) is reached; raise it or set a smaller "
                   "GREENRUN_STACK_SIZE\n");
        return;
    }
    green__say("greenrun: cannot map another green stack: out of memory "
               "(with vm.overcommit_memory=2 every stack counts in full: "
               "set a smaller GREENRUN_STACK_SIZE)\n");
}

/* ---- Guards ------------------------------------------------------------- */

/* Make the page at guard fault on access.  0 or -errno. */
static int install_guard(char *guard)
{
    if (guard_markers != 0) {
        if (madvise(guard, page_size(), MADV_GUARD_INSTALL) == 0) {
            guard_markers = 1;
            return 0;
        }
        /* EINVAL: a kernel without guard markers (or a locked mapping,
         * which refuses them: then every call says so). */
        if (errno != EINVAL || guard_markers == 1)
            return -errno;
        guard_markers = 0;
    }
    return mprotect(guard, page_size(), PROT_NONE) == 0 ? 0 : -errno;
}

static void *map_region(size_t size)
{
    void *p =
        mmap(NULL, size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* A transparent huge page would make one touched stack top cost
     * 2 MiB; MAP_STACK implies this only since Linux 6.7. */
    madvise(p, size, MADV_NOHUGEPAGE);
    return p;
}

/* Fill s for the stack whose guard page starts at slot. */
static void describe(struct green__stack *s, char *slot, size_t slot_size)
{
    s->map = slot;
    s->map_size = slot_size;
    s->lo = slot + page_size();
    s->hi = slot + slot_size;
    s->vg_id = under_valgrind() ? VALGRIND_STACK_REGISTER(s->lo, s->hi) : 0;
}

/* ---- Stacks of their own ------------------------------------------------ */

static int map_single(size_t size, struct green__stack *s)
{
    size_t map_size = page_size() + round_to_page(size);
    char *map = map_region(map_size);
    int r;
    if (!map) {
        explain_map_failure();
        return -EAGAIN;
    }
    if ((r = install_guard(map)) < 0) {
        munmap(map, map_size);
        if (r == -ENOMEM)
            explain_map_failure();
        return -EAGAIN;
    }
    describe(s, map, map_size);
    s->slab = NULL;
    return 0;
}

/* ---- Slabs -------------------------------------------------------------- */

/*
 * The hub's slabs form a circular list, h->slabs first and h->slabs->prev
 * last.  Every slab with room comes before every full one, so that the
 * first slab either has room or none has.
 */
static void slab_unlink(struct green__hub *h, struct green__slab *b)
{
    if (b->next == b) {
        h->slabs = NULL;
        return;
    }
    b->prev->next = b->next;
    b->next->prev = b->prev;
    if (h->slabs == b)
        h->slabs = b->next;
}

/* Put b last, or first when front. */
static void slab_insert(struct green__hub *h, struct green__slab *b, int front)
{
    struct green__slab *head = h->slabs;
    if (!head) {
        b->prev = b->next = b;
        h->slabs = b;
        return;
    }
    b->next = head;
    b->prev = head->prev;
    head->prev->next = b;
    head->prev = b;
    if (front)
        h->slabs = b;
}

static int slab_has_room(const struct green__slab *b)
{
    return b->nfree > 0 || b->fresh < b->slots;
}

/* A new slab for slots of slot_size, put first; NULL if the kernel or
 * malloc refuses even a one-slot slab. */
static struct green__slab *slab_create(struct green__hub *h, size_t slot_size)
{
    unsigned slots = SLAB_SLOTS_MIN
                     << (h->slab_count < 10 ? h->slab_count : 10);
    if (slots > SLAB_BYTES_MAX / slot_size)
        slots = SLAB_BYTES_MAX / slot_size;
    if (slots == 0)
        slots = 1;
    for (;; slots /= 2) {
        struct green__slab *b =
            malloc(sizeof *b + slots * sizeof b->free_slots[0]);
        char *base = b ? map_region(slots * slot_size) : NULL;
        if (base) {
            memset(b, 0, sizeof *b);
            b->base = base;
            b->slot_size = slot_size;
            b->slots = slots;
            h->slab_count++;
            slab_insert(h, b, 1);
            return b;
        }
        free(b);
        if (slots == 1)
            return NULL;
    }
}

static void slab_destroy(struct green__hub *h, struct green__slab *b)
{
    slab_unlink(h, b);
    if (b == h->slab_spare)
        h->slab_spare = NULL;
    munmap(b->base, (size_t)b->slots * b->slot_size);
    h->slab_count--;
    free(b);
}

/* Give advice on n ranges at once.  0, or -1 if it was not all taken. */
static int advise_batch(struct iovec *iov, unsigned n, int advice)
{
    /* valgrind does not know process_madvise and says so on stderr. */
    if (RUNNING_ON_VALGRIND)
        return -1;
    /* Through the table: inside the preload, syscall() is a hook. */
    long r = green__real.syscall(SYS_process_madvise, PIDFD_SELF_THREAD, iov, n,
                                 advice, 0);
    return r == (long)(n * page_size()) ? 0 : -1;
}

/*
 * Make the next fresh slots of b ready for a thread: a guard for each, and
 * the top page, where struct green and the first frames go, faulted in.
 * As many slots as were handed out so far, up to PREPARE_MAX, are done in
 * two system calls (process_madvise on this process), which saves a third
 * of what a spawn costs when a million threads start.  A kernel that takes
 * no such batch gets one guard at a time, and the pages fault in as they
 * are touched.  0 or -errno.
 */
static int slab_prepare(struct green__slab *b)
{
    struct iovec iov[PREPARE_MAX];
    size_t page = page_size();
    char *first = b->base + (size_t)b->prepared * b->slot_size;
    unsigned n = b->fresh ? b->fresh : 1;
    if (n > PREPARE_MAX)
        n = PREPARE_MAX;
    if (n > b->slots - b->prepared)
        n = b->slots - b->prepared;
    if (n > 1 && batch_advice != 0 && guard_markers != 0) {
        for (unsigned i = 0; i < n; i++)
            iov[i] = (struct iovec){first + i * b->slot_size, page};
        if (advise_batch(iov, n, MADV_GUARD_INSTALL) == 0) {
            batch_advice = guard_markers = 1;
            for (unsigned i = 0; i < n; i++)
                iov[i].iov_base = first + (i + 1) * b->slot_size - page;
            /* Harmless if refused: the pages then fault in on use. */
            advise_batch(iov, n, MADV_POPULATE_WRITE);
            b->prepared += n;
            return 0;
        }
        /* Guards the call did install before failing are installed again
         * below, which is harmless. */
        batch_advice = 0;
    }
    int r = install_guard(first);
    if (r == 0)
        b->prepared++;
    return r;
}

/* Hand out a slot of b (which has room): a released one, warmest first,
 * else a fresh one, prepared now if it was not yet. */
static int slab_take(struct green__hub *h, struct green__slab *b,
                     struct green__stack *s)
{
    unsigned slot;
    if (b->nfree > 0) {
        slot = b->free_slots[--b->nfree];
        if (slot & SLOT_DIRTY) {
            slot &= ~SLOT_DIRTY;
            h->slab_dirty--;
        }
    } else {
        int r = b->fresh < b->prepared ? 0 : slab_prepare(b);
        if (r < 0) {
            if (r == -ENOMEM)
                explain_map_failure();
            return -EAGAIN;
        }
        slot = b->fresh++;
    }
    if (b->used++ == 0 && b == h->slab_spare)
        h->slab_spare = NULL;
    describe(s, b->base + (size_t)slot * b->slot_size, b->slot_size);
    s->slab = b;
    s->slot = slot;
    /* memcheck marked what lay below the last thread's stack pointer as
     * unaddressable when it left; the next thread's first frame is written
     * from another stack, before it runs. */
    if (under_valgrind())
        VALGRIND_MAKE_MEM_UNDEFINED(s->lo, (size_t)(s->hi - s->lo));
    return 0;
}

static int slab_alloc(struct green__hub *h, size_t size, struct green__stack *s)
{
    size_t slot_size = page_size() + round_to_page(size);
    struct green__slab *b = h->slabs;
    /* Slabs with room come first; one for another slot size (the hub's
     * stack size changed) is passed over. */
    while (b && slab_has_room(b) && b->slot_size != slot_size)
        b = b->next == h->slabs ? NULL : b->next;
    if (!b || !slab_has_room(b)) {
        b = slab_create(h, slot_size);
        if (!b) {
            explain_map_failure();
            return -EAGAIN;
        }
    }
    int r = slab_take(h, b, s);
    if (r == 0 && !slab_has_room(b)) {
        slab_unlink(h, b);
        slab_insert(h, b, 0);
    }
    return r;
}

static unsigned dirty_count(const struct green__slab *b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < b->nfree; i++)
        n += (b->free_slots[i] & SLOT_DIRTY) != 0;
    return n;
}

static void slab_release(struct green__hub *h, struct green__stack *s)
{
    struct green__slab *b = s->slab;
    unsigned slot = s->slot;
    if (h->slab_dirty < DIRTY_MAX) {
        slot |= SLOT_DIRTY;
        h->slab_dirty++;
    } else {
        madvise(s->lo, (size_t)(s->hi - s->lo), MADV_DONTNEED);
    }
    b->free_slots[b->nfree++] = slot;
    b->used--;
    /* Last released into, first to hand out: its slot is the warmest. */
    if (h->slabs != b) {
        slab_unlink(h, b);
        slab_insert(h, b, 1);
    }
    if (b->used > 0)
        return;
    if (h->slab_spare && h->slab_spare != b) {
        struct green__slab *old = h->slab_spare;
        h->slab_dirty -= dirty_count(old);
        slab_destroy(h, old);
    }
    h->slab_spare = b;
}

/* ---- Hot stacks ----------------------------------------------------------
 *
 * A slot released by a thread that just ended is what the next spawn
 * wants: its pages and its guard are there, its top is in the cache.  Up
 * to HOT_MAX of them skip the slab: each keeps its descriptor in its own
 * top bytes, where the next thread's struct green goes, and a spawn takes
 * the last one back with a few loads.  For the slab they are still in use.
 * Not under valgrind, which wants each reuse announced (slab_take).
 */
struct hot_stack {
    struct green__stack s;
    struct hot_stack *next;
};

static struct hot_stack *hot_of(const struct green__stack *s)
{
    return (struct hot_stack *)(s->hi - sizeof(struct hot_stack));
}

static int hot_take(struct green__hub *h, size_t size, struct green__stack *s)
{
    struct hot_stack *hot = h->stack_hot;
    if (!hot || hot->s.map_size != page_size() + round_to_page(size))
        return 0;
    h->stack_hot = hot->next;
    h->stack_hot_count--;
    *s = hot->s;
    return 1;
}

static int hot_keep(struct green__hub *h, const struct green__stack *s)
{
    if (h->stack_hot_count >= HOT_MAX || under_valgrind())
        return 0;
    struct hot_stack *hot = hot_of(s);
    hot->s = *s;
    hot->next = h->stack_hot;
    h->stack_hot = hot;
    h->stack_hot_count++;
    return 1;
}

static void hot_drain(struct green__hub *h)
{
    while (h->stack_hot) {
        struct hot_stack *hot = h->stack_hot;
        struct green__stack s = hot->s;
        h->stack_hot = hot->next;
        slab_release(h, &s);
    }
    h->stack_hot_count = 0;
}

/* ---- The interface ------------------------------------------------------ */

int green__stack_alloc(struct green__hub *h, size_t size, int poolable,
                       struct green__stack *s)
{
    if (poolable)
        return hot_take(h, size, s) ? 0 : slab_alloc(h, size, s);
    return map_single(size, s);
}

void green__stack_given(struct green__stack *s, void *lo, size_t size)
{
    s->map = NULL;
    s->map_size = 0;
    s->slab = NULL;
    s->lo = lo;
    s->hi = (char *)lo + size;
    s->vg_id = under_valgrind() ? VALGRIND_STACK_REGISTER(s->lo, s->hi) : 0;
}

void green__stack_release(struct green__hub *h, struct green__stack *s,
                          int poolable)
{
    (void)poolable; /* the stack knows where it came from */
    if (under_valgrind())
        VALGRIND_STACK_DEREGISTER(s->vg_id);
    if (!s->map)
        return; /* the program's (green__stack_given) */
    if (!s->slab)
        munmap(s->map, s->map_size);
    else if (!hot_keep(h, s))
        slab_release(h, s);
}

/* At the hub's end: unmap every slab no thread uses any more.  One still
 * in use (a thread stopped by fork) stays mapped, its bookkeeping gone. */
void green__stack_pool_drain(struct green__hub *h)
{
    hot_drain(h);
    while (h->slabs) {
        struct green__slab *b = h->slabs;
        if (b->used == 0) {
            slab_destroy(h, b);
            continue;
        }
        slab_unlink(h, b);
        free(b);
    }
    h->slab_spare = NULL;
    h->slab_dirty = 0;
}
