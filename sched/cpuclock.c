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
 * A green thread's clockid: glibc puts a thread's tid into its CPU clockid
 * as (~tid << 3) | 6 (a per-thread clock, of the scheduler's kind).  Green
 * thread N gets (~N << 3) | 7: per thread, of a kind the kernel does not
 * have.  So no tid's clock is ever mistaken for it, and where greenrun
 * does not answer for it (timer_create, clock_nanosleep) the kernel
 * refuses it with EINVAL.
 */
#include "internal.h"

#define NS_PER_SECOND 1000000000ull
/* Bits of a thread's number kept in its clockid (which must stay
 * negative, as CPU clockids are). */
#define CLOCK_ID_MASK ((1u << 28) - 1)

int green__cpu_clocks_on;

static uint64_t os_thread_cpu_ns(void)
{
    struct timespec ts;
    if (green__real.clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * NS_PER_SECOND + (uint64_t)ts.tv_nsec;
}

/* The OS thread's CPU time since h's running thread was switched in, now
 * being the OS thread's clock (0 if counting has not started on h's OS
 * thread yet, or the clock went back: a forked child's). */
static uint64_t since_mark(struct green__hub *h, uint64_t now)
{
    uint64_t mark = h->cpu_mark_ns;
    return mark && now > mark ? now - mark : 0;
}

void green__cpu_clocks_start(struct green__hub *h)
{
    if (green__cpu_clocks_wanted())
        return;
    if (h) {
        uint64_t now = os_thread_cpu_ns();
        if (h->main_thread)
            h->main_thread->cpu_ns = now - since_mark(h, now);
        h->cpu_mark_ns = now;
    }
    __atomic_store_n(&green__cpu_clocks_on, 1, __ATOMIC_RELAXED);
}

void green__cpu_account(struct green__hub *h, struct green *self)
{
    uint64_t now = os_thread_cpu_ns();
    self->cpu_ns += since_mark(h, now);
    h->cpu_mark_ns = now;
}

uint64_t green__cpu_time(struct green__hub *h, const struct green *g)
{
    if (g != h->current)
        return g->cpu_ns;
    return g->cpu_ns + since_mark(h, os_thread_cpu_ns());
}

void green__cpu_fork_child(struct green__hub *h)
{
    /* The child's OS thread is new: its clock starts again near 0. */
    if (!green__cpu_clocks_wanted())
        return;
    h->current->cpu_ns = 0;
    h->cpu_mark_ns = os_thread_cpu_ns();
}

clockid_t green__cpu_clock_of(const struct green *g)
{
    uint32_t n = (uint32_t)g->id & CLOCK_ID_MASK;
    return (clockid_t)(~n << 3 | GREEN__CPU_CLOCK_KIND);
}

static int named_by(const struct green *g, uint32_t n)
{
    return ((uint32_t)g->id & CLOCK_ID_MASK) == n && g->state != GREEN__DONE;
}

struct green *green__cpu_clock_owner(struct green__hub *h, clockid_t clock)
{
    uint32_t n = ~(uint32_t)clock >> 3 & CLOCK_ID_MASK;
    /* The usual case: a thread reading its own clock. */
    if (h->current != h->hub_thread && named_by(h->current, n))
        return h->current;
    for (struct green *g = h->all; g; g = g->all_next)
        if (g != h->hub_thread && g->id && named_by(g, n))
            return g;
    return NULL;
}
