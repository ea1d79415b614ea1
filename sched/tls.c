/*
 * tls.c - a private thread descriptor and TLS block per green thread.
 *
 * A green thread is a thread: its __thread variables, errno, and everything
 * glibc keeps behind the thread pointer (stdio lock owners, malloc's cache,
 * locale, resolver state, cancellation state, C++ thread_local destructors)
 * must be its own.  So each green thread gets what glibc gives a new
 * pthread: a static TLS block with every loaded module's initial image, a
 * DTV for modules loaded later, and a struct pthread at the thread pointer.
 * The switch then moves the FS base with the stack (hub.c), and errno needs
 * no saving.
 *
 * The layout is glibc's, never ours: _dl_allocate_tls lays out and fills
 * the block exactly as for a new pthread (its size is the running loader's
 * static TLS size), and libthread_db's layout descriptors, which glibc
 * exports for debuggers, give the size of struct pthread and where its tid
 * and list links are.  Only the first 0x80 bytes, which compiled code reads
 * at fixed %fs offsets, are described by hand (tls_x86_64.h).
 *
 * What a descriptor must hold beyond zeros:
 *   - the header: self pointers, the canary and pointer guard of the
 *     process, "multiple threads" (glibc 2.36 decides whether to lock
 *     from __libc_single_threaded instead: hooks/thread.c);
 *   - the OS thread's tid, which glibc uses when handed the descriptor as a
 *     pthread_t (names, CPU clocks) and as an owner id;
 *   - list links pointing at themselves: greenrun's fork runs on the OS
 *     thread's own descriptor (green__tls_before_fork), but should glibc's
 *     bookkeeping after a fork ever meet a green descriptor, unlinking it
 *     is harmless;
 *   - an empty list of held robust mutexes.  glibc keeps it right after the
 *     tid (tid, an unused pid, then robust_prev and robust_head), which is
 *     checked once on the OS thread's own descriptor, where both point at
 *     robust_head while no robust mutex is held;
 *   - an rseq area saying "not registered", so sched_getcpu asks the
 *     kernel (the rseq registration belongs to the OS thread);
 *   - this library's own initial-exec variable green__hub;
 *   - a resolver state (_res) of its own.  glibc keeps a thread's in its
 *     struct pthread, at an offset it does not publish, and points the C
 *     library's TLS variable __resp at it when the thread starts; ours
 *     lives below struct green on the thread's stack, and __resp, found
 *     once as the only slot of the C library's block holding
 *     __res_state(), is pointed at it.
 *
 * Ended threads' blocks are kept in a pool per hub.  glibc frees a thread's
 * malloc cache (tcache) when its pthread exits, through a function it does
 * not export; so the C library's own TLS block is handed on to the next
 * thread, which inherits the cache instead of leaking it: with the block
 * itself when it is reused, or, when a block is freed because the pool is
 * full, through a stash of saved C library blocks that new threads take
 * first.  The program's variables are always fresh.  The carried state
 * that a new thread could see is reset: errno, h_errno and its locale.
 */
#include <locale.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "hub.h"
#include "tls.h"

/* After ev.h: elf.h defines EV_NONE and EV_CURRENT (ELF versions), which
 * libev's enum also names. */
#include <link.h>
#include <sys/auxv.h>

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

/* Blocks kept for reuse per hub: enough for any spawn/join pattern, at
 * about 4 KiB each. */
#define POOL_MAX 1024
/* The C library's TLS block, carried over on reuse (glibc 2.36: 144
 * bytes). */
#define LIBC_BLOCK_MAX 1024
/* glibc's rseq area: "registration failed", so sched_getcpu asks. */
#define RSEQ_CPU_ID_REGISTRATION_FAILED (-2)

/* A C library TLS block saved from a freed thread, for the next one. */
struct libc_state {
    struct libc_state *next;
    char bytes[];
};

static struct green__tls_abi abi;
static ptrdiff_t hub_slot;   /* green__hub, from the thread pointer */
static ptrdiff_t libc_block; /* the C library's TLS block, likewise */
static size_t libc_block_size;
static ptrdiff_t resp_slot; /* __resp, likewise */

/* glibc's struct robust_list_head, in struct pthread after robust_prev. */
struct robust_head {
    void *list;
    long futex_offset;
    void *list_op_pending;
};
static size_t robust_prev; /* offset in struct pthread */
static long robust_futex_offset;

struct block_search {
    const char *inside; /* an address in the block sought */
    const char *start;
    size_t size;
};

static int find_block(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct block_search *s = arg;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        const char *data = info->dlpi_tls_data;
        if (ph->p_type != PT_TLS || !data)
            continue;
        if (s->inside >= data && s->inside < data + ph->p_memsz) {
            s->start = data;
            s->size = ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

/* The offset of the one pointer slot of the C library's block that holds
 * value, or 0 if there is not exactly one. */
static ptrdiff_t find_slot(const char *tp, const void *value)
{
    ptrdiff_t found = 0;
    int matches = 0;
    for (size_t i = 0; i + sizeof value <= libc_block_size; i += sizeof value) {
        const void *v;
        memcpy(&v, tp + libc_block + (ptrdiff_t)i, sizeof v);
        if (v == value) {
            found = libc_block + (ptrdiff_t)i;
            matches++;
        }
    }
    return matches == 1 ? found : 0;
}

size_t green__tls_stack_room(void)
{
    return (sizeof(struct __res_state) + 63) / 64 * 64;
}

/* Find the robust mutex list after the tid, and check it is there. */
static int find_robust_list(const char *tp, uint32_t tid_offset)
{
    size_t prev = tid_offset + 2 * sizeof(pid_t);
    const struct robust_head *head = (const void *)(tp + prev + sizeof(void *));
    void *const *prev_slot = (void *const *)(tp + prev);
    if (head->list != head || *prev_slot != head)
        return 0;
    robust_prev = prev;
    robust_futex_offset = head->futex_offset;
    return 1;
}

const char *green__tls_enable(const struct green__tls_abi *a)
{
    if (!a->allocate || !a->deallocate || !a->call_dtors || !a->pthread_size)
        return "the C library lacks _dl_allocate_tls or libthread_db's "
               "layout symbols";
    char *tp = green__tp_get();
    /* errno lives in the C library's block. */
    struct block_search s = {.inside = (const char *)&errno};
    if (!dl_iterate_phdr(find_block, &s) || s.size > LIBC_BLOCK_MAX)
        return "the C library's TLS block was not found";
    abi = *a;
    hub_slot = (char *)&green__hub - tp;
    libc_block = s.start - tp;
    libc_block_size = s.size;
    resp_slot = find_slot(tp, __res_state());
    if (!resp_slot)
        return "the C library's resolver state pointer was not found";
    if (!find_robust_list(tp, a->tid_offset))
        return "the thread descriptor's robust mutex list was not found";
    /* valgrind runs the program on a CPU of its own, without wrfsbase. */
    green__tp_wrfsbase =
        (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) && !RUNNING_ON_VALGRIND;
    return NULL;
}

bool green__tls_fast_switch(void)
{
    return green__tp_wrfsbase;
}

/* Fill a zeroed descriptor for a thread of hub h. */
static void init_descriptor(struct green__hub *h, char *tcb, void *res)
{
    const char *native = h->native_tp;
    green__tcb_init(tcb, native);
    memcpy(tcb + abi.tid_offset, native + abi.tid_offset, sizeof(pid_t));
    void **links = (void **)(tcb + abi.list_offset);
    links[0] = links[1] = links;
    struct robust_head *robust = (void *)(tcb + robust_prev + sizeof(void *));
    robust->list = robust;
    robust->futex_offset = robust_futex_offset;
    *(void **)(tcb + robust_prev) = robust;
    if (abi.rseq_offset)
        ((int32_t *)(tcb + abi.rseq_offset))[1] =
            RSEQ_CPU_ID_REGISTRATION_FAILED;
    *(struct green__hub **)(tcb + hub_slot) = h;
    memset(res, 0, sizeof(struct __res_state));
    *(void **)(tcb + resp_slot) = res;
}

/* A pooled block for a new thread: fresh images for every module but the
 * C library, whose block (malloc's cache among it) is carried over. */
static void *reuse(void *tcb)
{
    char libc[LIBC_BLOCK_MAX];
    memcpy(libc, (char *)tcb + libc_block, libc_block_size);
    abi.deallocate(tcb, false); /* the DTV and dynamic blocks only */
    memset(tcb, 0, abi.pthread_size);
    if (!abi.allocate(tcb))
        return NULL; /* no DTV: the storage is lost, as its pointer was */
    memcpy((char *)tcb + libc_block, libc, libc_block_size);
    return tcb;
}

/* A new block, with a stashed C library block if there is one. */
static void *fresh(struct green__hub *h, struct green *g)
{
    void *tcb = abi.allocate(NULL);
    struct libc_state *saved = h->libc_stash;
    if (tcb && saved) {
        h->libc_stash = saved->next;
        memcpy((char *)tcb + libc_block, saved->bytes, libc_block_size);
        free(saved);
        g->tls_reused = 1;
    }
    return tcb;
}

int green__tls_create(struct green__hub *h, struct green *g, void *room)
{
    void *tcb = h->tls_pool;
    if (tcb) {
        h->tls_pool = *(void **)tcb;
        h->tls_pool_count--;
        tcb = reuse(tcb);
        g->tls_reused = 1;
    } else {
        tcb = fresh(h, g);
    }
    if (!tcb)
        return -EAGAIN;
    init_descriptor(h, tcb, room);
    g->tls = tcb;
    /* glibc would have set it when creating a pthread: its malloc locks. */
    ((struct green__tcb_head *)h->native_tp)->multiple_threads = 1;
    return 0;
}

/* Called by green__start on the new thread, on its own TLS.  The C
 * library's TLS image leaves the ctype table pointers (isalpha, toupper)
 * NULL: glibc sets them as a thread starts (__ctype_init), and so does
 * installing the global locale, which a reused block also needs. */
void green__tls_fresh(struct green *g)
{
    if (!green__tls_own(g))
        return;
    uselocale(LC_GLOBAL_LOCALE);
    if (g->tls_reused)
        h_errno = 0;
}

void green__tls_exit(struct green *g)
{
    if (green__tls_own(g))
        abi.call_dtors();
}

void green__tls_rehome(struct green *g, struct green__hub *to)
{
    char *tcb = g->tls;
    if (!green__tls_own(g)) {
        g->tls = to->native_tp; /* shared: the OS thread's it runs on */
        return;
    }
    memcpy(tcb + abi.tid_offset, (char *)to->native_tp + abi.tid_offset,
           sizeof(pid_t));
    *(struct green__hub **)(tcb + hub_slot) = to;
    ((struct green__tcb_head *)to->native_tp)->multiple_threads = 1;
}

void green__tls_release(struct green__hub *h, struct green *g)
{
    void *tcb = g->tls;
    if (!green__tls_own(g))
        return;
    g->tls = h->native_tp;
    if (h->tls_pool_count < POOL_MAX) {
        *(void **)tcb = h->tls_pool;
        h->tls_pool = tcb;
        h->tls_pool_count++;
        return;
    }
    struct libc_state *saved = malloc(sizeof *saved + libc_block_size);
    if (saved) { /* else its malloc cache is lost, as memory is short */
        memcpy(saved->bytes, (char *)tcb + libc_block, libc_block_size);
        saved->next = h->libc_stash;
        h->libc_stash = saved;
    }
    abi.deallocate(tcb, true);
}

void green__tls_pool_drain(struct green__hub *h)
{
    while (h->tls_pool) {
        void *tcb = h->tls_pool;
        h->tls_pool = *(void **)tcb;
        /* The header's first word held the pool link: the DTV is intact. */
        abi.deallocate(tcb, true);
    }
    h->tls_pool_count = 0;
    while (h->libc_stash) {
        struct libc_state *saved = h->libc_stash;
        h->libc_stash = saved->next;
        free(saved);
    }
}

void *green__tls_before_fork(struct green__hub *h)
{
    void *tp = green__tp_get();
    if (tp != h->native_tp)
        green__tp_set(h->native_tp);
    return tp;
}

void green__tls_after_fork(struct green__hub *h, void *tp, int child)
{
    int saved_errno = errno;
    if (tp == h->native_tp)
        return;
    /* In the child the OS thread has a new tid; the caller keeps its
     * descriptor, which must say so. */
    if (child)
        memcpy((char *)tp + abi.tid_offset,
               (char *)h->native_tp + abi.tid_offset, sizeof(pid_t));
    green__tp_set(tp);
    errno = saved_errno;
}
