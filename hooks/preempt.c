/*
 * preempt.c - preemption at safe points (GREENRUN_SLICE_MS).
 *
 * A per-OS-thread POSIX timer sends SIGURG (as Go does: rarely used, and
 * ignored by default) every slice while more than one green thread exists.
 * If no switch happened since the last tick, the running thread has held
 * the OS thread for at least a slice, and it is switched out - but only at
 * a safe point:
 *
 *   - in program code: the interrupted instruction is in the executable or
 *     a library that is not on the list below (libc, the loader, libev,
 *     libstdc++, libgcc_s, greenrun itself take locks of their own), and
 *     no greenrun frame is on the thread's stack (its trap depth is 0);
 *     the switch then happens inside the signal handler, and the kernel
 *     gives every register back, vector registers included, when the
 *     thread resumes and the handler returns;
 *   - otherwise the thread is marked, and it yields at the next safe point
 *     it reaches: leaving its last greenrun frame (trap.c), or the end of
 *     a trapped system call other than those malloc makes inside its
 *     locks (brk, mmap...: trap.c).
 *
 * Program code may still hold a lock of libc's when it is preempted (a
 * qsort comparator, a dl_iterate_phdr callback): another thread wanting
 * that lock waits on a futex, which the syscall trap turns into a park.
 * So preemption is on only where the trap is (private TLS and Syscall
 * User Dispatch).  The timer is armed when a second thread starts or
 * program code resumes, disarmed as soon as a lone thread is about to
 * block in the kernel, whose call a tick would interrupt, and when a tick
 * finds the hub running (waiting for events, most likely).  Every program
 * handler greenrun installs keeps SA_RESTART semantics; SIGURG is kept out of
 * signal masks while preemption is on, and a SIGURG the timer did not send goes
 * to the program's own action.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"
#include "owned.h"
#include "preempt.h"
#include "preload_state.h"
#include "trap.h"
#include "yield.h"

/* After ev.h, whose enum names EV_NONE as elf.h does. */
#include <link.h>

#define NO_TRACE __attribute__((no_instrument_function))
#define MAX_RANGES 16

/* Code that may hold a lock greenrun cannot see: never preempted there.
 * The allocators that replace malloc lock pthread mutexes which the hub's
 * own allocations (libev's) take too, outside any green thread: a thread
 * must not even yield at a safe point while inside one. */
static const struct {
    const char *name;
    int allocator;
} locked_libraries[] = {
    {"libc.so", 0},     {"ld-linux", 0},    {"libgreenrun", 0},
    {"libev.so", 0},    {"libstdc++", 0},   {"libgcc_s", 0},
    {"libasan", 0},     {"libubsan", 0},    {"libdl.so", 0},
    {"libpthread", 0},  {"libjemalloc", 1}, {"libtcmalloc", 1},
    {"libmimalloc", 1},
};

static struct {
    uintptr_t lo, hi;
    const char *name;
    int allocator;
} ranges[MAX_RANGES];
static int range_count;
static int cookie; /* its address tells our ticks from other SIGURGs */

/* The index of name's entry in locked_libraries, or -1. */
static int locked_library(const char *name)
{
    for (size_t i = 0; i < sizeof locked_libraries / sizeof *locked_libraries;
         i++)
        if (strstr(name, locked_libraries[i].name))
            return (int)i;
    return -1;
}

static int add_ranges(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    int lib = info->dlpi_name ? locked_library(info->dlpi_name) : -1;
    if (lib < 0)
        return 0;
    for (int i = 0; i < info->dlpi_phnum && range_count < MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        ranges[range_count].lo = info->dlpi_addr + ph->p_vaddr;
        ranges[range_count].hi = ranges[range_count].lo + ph->p_memsz;
        ranges[range_count].name = info->dlpi_name;
        ranges[range_count].allocator = locked_libraries[lib].allocator;
        range_count++;
    }
    return 0;
}

/* The index in ranges of the locked code pc is in, or -1. */
NO_TRACE static int locked_range(uintptr_t pc)
{
    for (int i = 0; i < range_count; i++)
        if (pc >= ranges[i].lo && pc < ranges[i].hi)
            return i;
    return -1;
}

/* The library whose locks pc may hold, or NULL if pc is program code. */
NO_TRACE static const char *locked_code(uintptr_t pc)
{
    int i = locked_range(pc);
    return i < 0 ? NULL : ranges[i].name;
}

NO_TRACE static int in_allocator(uintptr_t pc)
{
    int i = locked_range(pc);
    return i >= 0 && ranges[i].allocator;
}

/* Words above the stack pointer that may hold the return address into an
 * allocator: a system call's libc wrapper or the vDSO's clock_gettime,
 * called from it, keep their caller's near the top. */
#define RETURN_WORDS 16

/* Whether a thread about to return to returns_to, its stack at sp (NULL:
 * not known), is inside an allocator that replaces malloc.  A word of the
 * stack that only looks like such an address delays the yield to the
 * next safe point, no more. */
NO_TRACE static int inside_allocator(uintptr_t returns_to, const uintptr_t *sp)
{
    if (in_allocator(returns_to))
        return 1;
    for (int i = 0; sp && i < RETURN_WORDS; i++)
        if (in_allocator(sp[i]))
            return 1;
    return 0;
}

NO_TRACE static void set_timer(struct green__hub *h, long ns)
{
    struct itimerspec its = {
        .it_interval = {ns / 1000000000, ns % 1000000000},
        .it_value = {ns / 1000000000, ns % 1000000000},
    };
    long a[6] = {(long)hook__hub(h)->preempt_timer, 0, (long)&its, 0};
    hook__raw_syscall6(SYS_timer_settime, a);
    hook__hub(h)->preempt_armed = ns != 0;
}

void hook__preempt_arm(struct green__hub *h)
{
    if (hook__hub(h)->preempt_on && !hook__hub(h)->preempt_armed && h->live > 1)
        set_timer(h, hook__hub(h)->preempt_slice_ns);
}

void hook__preempt_disarm(struct green__hub *h)
{
    if (hook__hub(h)->preempt_armed)
        set_timer(h, 0);
}

/* Let the others run, if any can; counted if it switched. */
NO_TRACE static void yield(struct green__hub *h)
{
    uint64_t before = h->stats.switches;
    green__yield_if_others(h);
    if (h->stats.switches != before)
        h->stats.preemptions++;
}

/* Switch the interrupted thread out: it is in program code, on its own
 * stack, and greenrun's state is whole. */
NO_TRACE static void preempt(struct green__hub *h, struct green *g)
{
    int saved_errno = errno;
    hook__trap_enter(g);
    hook__hub(h)->preempt_wanted = 0;
    yield(h);
    hook__trap_leave(green__hub, g, 0, NULL);
    errno = saved_errno;
}

NO_TRACE static void on_tick(int sig, siginfo_t *info, void *ctx)
{
    struct green__hub *h = green__hub;
    if (info->si_code != SI_TIMER || info->si_value.sival_ptr != &cookie) {
        hook__owned_pass_on(sig, info, ctx);
        return;
    }
    if (!h || !hook__hub(h)->preempt_on)
        return;
    if (h->live <= 1) {
        hook__preempt_disarm(h);
        return;
    }
    if (h->stats.switches != hook__hub(h)->preempt_switches) {
        hook__hub(h)->preempt_switches = h->stats.switches; /* a fresh slice */
        return;
    }
    struct green *g = h->current;
    if (g == h->hub_thread) {
        /* The hub waits for events or hands them out: nothing needs a
         * slice, and an idle process should not wake 100 times a second.
         * The next return to program code starts the ticks again. */
        hook__preempt_disarm(h);
        return;
    }
    uintptr_t pc = hook__trap_pc(ctx);
    const char *in = g->trap_depth ? "greenrun" : locked_code(pc);
    if (!in && inside_allocator(pc, hook__trap_sp(ctx)))
        in = "a malloc replacement"; /* a call it made: the vDSO's clock */
    if (in) {
        hook__hub(h)->preempt_wanted = 1;
        h->preempt_blocked_pc = (const void *)pc;
        h->stats.preempt_deferred++;
        return;
    }
    preempt(h, g);
}

void hook__preempt_at_safe_point(struct green__hub *h, uintptr_t returns_to,
                                 const uintptr_t *sp)
{
    if (!hook__hub(h)->preempt_wanted || inside_allocator(returns_to, sp))
        return;
    hook__hub(h)->preempt_wanted = 0;
    yield(h);
}

/* A timer that sends SIGURG to this OS thread.  0 or -1. */
static int make_timer(struct green__hub *h)
{
    struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID,
                           .sigev_signo = SIGURG,
                           .sigev_value.sival_ptr = &cookie};
    sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    hook__hub(h)->preempt_armed = 0;
    return timer_create(CLOCK_MONOTONIC, &sev, &hook__hub(h)->preempt_timer);
}

void hook__preempt_fork_child(struct green__hub *h)
{
    /* A child has no timers: make its own, for its own tid. */
    if (hook__hub(h)->preempt_on && make_timer(h) < 0)
        hook__hub(h)->preempt_on = 0;
}

const char *hook__preempt_enable(struct green__hub *h, unsigned slice_ms)
{
    if (!slice_ms)
        return "GREENRUN_SLICE_MS=0";
    if (!hook__hub(h)->trap_on)
        return "it needs the syscall trap (see above)";
    dl_iterate_phdr(add_ranges, NULL);
    if (hook__own_signal(SIGURG, on_tick, SA_RESTART | SA_NODEFER) < 0)
        return "SIGURG could not be taken";
    if (hook__preempt_enable_worker(h, slice_ms) < 0) {
        hook__disown_signal(SIGURG);
        return "no timer could be created";
    }
    return NULL;
}

int hook__preempt_enable_worker(struct green__hub *h, unsigned slice_ms)
{
    if (make_timer(h) < 0)
        return -1;
    hook__hub(h)->preempt_slice_ns = (long)slice_ms * 1000000;
    hook__hub(h)->preempt_on = 1;
    return 0;
}

const char *hook__preempt_blocker(const void *pc, char *buf, size_t size)
{
    Dl_info info;
    const char *lib = locked_code((uintptr_t)pc);
    if (!lib)
        return NULL;
    const char *base = strrchr(lib, '/');
    base = base ? base + 1 : lib;
    if (dladdr(pc, &info) && info.dli_sname)
        snprintf(buf, size, "inside %s: %s", base, info.dli_sname);
    else
        snprintf(buf, size, "inside %s", base);
    return buf;
}
