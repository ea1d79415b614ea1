/*
 * cpuclock.c - each green thread's own CPU time, behind
 * CLOCK_THREAD_CPUTIME_ID and pthread_getcpuclockid.
 *
 * The kernel keeps CPU time per OS thread, so every green thread of an OS
 * thread would read the same clock.  Reading that clock costs a system call
 * (about 250 ns here; the switch itself costs a few tens), so nothing is
 * counted until a program first asks for a thread's CPU clock.  From then
 * on every switch reads the OS thread's clock and charges the time since
 * the last switch to the thread switched out.  A thread's CPU time is what
 * it was charged, plus, while it runs, the time since it was switched in.
 *
 * CPU time used before counting began is the main thread's: natively,
 * that is where a program that had not yet started threads ran.  Other
 * threads count from then on; the usual use, the difference between two
 * readings, is exact once the first has been made.
 *
 * With several hubs (GREENRUN_WORKERS) each charges its own threads, from
 * its own OS thread's clock; a thread's clock may be read from any hub.
 * Those reads take the scheduler lock, which keeps the thread from being
 * released meanwhile, and read what the thread's hub writes without
 * stopping its switches: the value can lag by the instant between the
 * two words a switch updates, never by more.
 *
 * A green thread's clockid: glibc puts a thread's tid into its CPU clockid
 * as (~tid << 3) | 6 (a per-thread clock, of the scheduler's kind).  Green
 * thread N gets (~N << 3) | 7: per thread, of a kind the kernel does not
 * have.  So no tid's clock is ever mistaken for it, and where greenrun
 * does not answer for it (timer_create, clock_nanosleep) the kernel
 * refuses it with EINVAL.
 */
#include "cpuclock.h"
#include "real.h"
#include "world.h"

#define NS_PER_SECOND 1000000000ull
/* Bits of a thread's number kept in its clockid (which must stay
 * negative, as CPU clockids are). */
#define CLOCK_ID_MASK ((1u << 28) - 1)
/* The kernel's clockid for the CPU time of thread tid, as glibc's
 * pthread_getcpuclockid makes it: per thread (4), scheduler time (2). */
#define KERNEL_THREAD_CLOCK(tid) ((clockid_t)(~(unsigned)(tid) << 3 | 6))

int green__cpu_clocks_on;

static uint64_t cpu_ns_of(clockid_t clock)
{
    struct timespec ts;
    if (green__real.clock_gettime(clock, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * NS_PER_SECOND + (uint64_t)ts.tv_nsec;
}

/* The CPU time of h's OS thread, read from any OS thread. */
static uint64_t hub_cpu_ns(const struct green__hub *h)
{
    if (h == green__hub)
        return cpu_ns_of(CLOCK_THREAD_CPUTIME_ID);
    return cpu_ns_of(KERNEL_THREAD_CLOCK(h->tid));
}

/* The CPU time h's OS thread used since h's running thread was switched
 * in, now being that OS thread's clock (0 if counting has not started on
 * h yet, or the clock went back: a forked child's). */
static uint64_t since_mark(const struct green__hub *h, uint64_t now)
{
    uint64_t mark = __atomic_load_n(&h->cpu_mark_ns, __ATOMIC_RELAXED);
    return mark && now > mark ? now - mark : 0;
}

/* Written by g's hub only; read from any hub. */
static void charge(struct green *g, uint64_t ns)
{
    __atomic_store_n(&g->cpu_ns, g->cpu_ns + ns, __ATOMIC_RELAXED);
}

static void set_mark(struct green__hub *h, uint64_t now)
{
    __atomic_store_n(&h->cpu_mark_ns, now, __ATOMIC_RELAXED);
}

void green__cpu_clocks_start(struct green__hub *h)
{
    if (green__cpu_clocks_wanted())
        return;
    if (h) {
        uint64_t now = hub_cpu_ns(h);
        if (h->main_thread)
            charge(h->main_thread, now - since_mark(h, now));
        set_mark(h, now);
    }
    __atomic_store_n(&green__cpu_clocks_on, 1, __ATOMIC_RELAXED);
}

void green__cpu_account(struct green__hub *h, struct green *self)
{
    uint64_t now = hub_cpu_ns(h);
    charge(self, since_mark(h, now));
    set_mark(h, now);
}

uint64_t green__cpu_time(const struct green *g)
{
    const struct green__hub *h = g->hub;
    uint64_t ns = __atomic_load_n(&g->cpu_ns, __ATOMIC_RELAXED);
    if (__atomic_load_n(&h->current, __ATOMIC_RELAXED) != g)
        return ns;
    return ns + since_mark(h, hub_cpu_ns(h));
}

void green__cpu_fork_child(struct green__hub *h)
{
    /* The child's OS thread is new: its clock starts again near 0. */
    if (!green__cpu_clocks_wanted())
        return;
    __atomic_store_n(&h->current->cpu_ns, 0, __ATOMIC_RELAXED);
    set_mark(h, hub_cpu_ns(h));
}

clockid_t green__cpu_clock_of(const struct green *g)
{
    uint32_t n = (uint32_t)g->id & CLOCK_ID_MASK;
    return (clockid_t)(~n << 3 | GREEN__CPU_CLOCK_KIND);
}

static int named_by(const struct green *g, uint32_t n)
{
    return g->id && ((uint32_t)g->id & CLOCK_ID_MASK) == n &&
           g->state != GREEN__DONE;
}

/* The live thread of h named by n, or NULL.  Called locked. */
static struct green *owner_on(struct green__hub *h, uint32_t n)
{
    for (struct green *g = h->all; g; g = g->all_next)
        if (g != h->hub_thread && named_by(g, n))
            return g;
    return NULL;
}

int green__cpu_clock_read(struct green__hub *h, clockid_t clock, uint64_t *ns)
{
    uint32_t n = ~(uint32_t)clock >> 3 & CLOCK_ID_MASK;
    struct green *g = h->current;
    /* The usual case: a thread reading its own clock. */
    if (g != h->hub_thread && named_by(g, n)) {
        *ns = green__cpu_time(g);
        return 0;
    }
    struct green__world *w = h->world;
    green__lock();
    for (unsigned i = 0; i < w->hub_count && !(g = owner_on(w->hubs[i], n));
         i++)
        ;
    if (g)
        *ns = green__cpu_time(g);
    green__unlock();
    return g ? 0 : -EINVAL;
}
