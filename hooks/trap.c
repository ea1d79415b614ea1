/*
 * trap.c - the syscall-level layer: a blocking system call that reaches the
 * kernel without passing a hook (stdio's reads and writes inside glibc,
 * liburing's io_uring_enter, a raw syscall instruction) parks its green
 * thread too.
 *
 * Linux's Syscall User Dispatch (prctl PR_SET_SYSCALL_USER_DISPATCH) makes
 * every system call of this OS thread that does not come from greenrun's
 * own text raise SIGSYS instead of running, while a selector byte (one per
 * hub, hook__hub(h)->trap_selector) says BLOCK.  The selector says BLOCK only
 * while program code runs and more than one green thread exists:
 *
 *   - every function of hooks/ is compiled with -finstrument-functions;
 *     entering the first greenrun frame sets ALLOW, leaving the last one
 *     sets BLOCK again (the depth is kept per green thread, since a thread
 *     parks inside a hook and another resumes inside its own);
 *   - a new thread's function is entered and left through
 *     green__program_hook; the hub and the native helper threads always
 *     run with ALLOW (dispatch is per OS thread and not inherited);
 *   - a lone thread never traps, so single-threaded programs and the child
 *     processes that inherit LD_PRELOAD pay nothing.
 *
 * The SIGSYS handler then either parks the thread by calling the hook of
 * the same name (read, write, poll, accept...: all the semantics are
 * already there), runs the call itself from greenrun's text (everything
 * that cannot block), or, for the calls that must run where they were made
 * (clone, vfork, execve, rt_sigreturn, exit, sigaltstack, sigsuspend),
 * sets ALLOW and rewinds to the syscall instruction, so that it runs again
 * on return: the selector then stays ALLOW until the thread next leaves a
 * hook.  rt_sigprocmask and rt_sigaction are emulated on the signal frame:
 * the handler's return restores the saved mask, and SIGSYS must never be
 * blocked (the kernel kills a process whose dispatch signal is blocked).
 *
 * Parking inside the handler is safe because the handler is installed with
 * SA_NODEFER (another thread's trap is delivered while this one is parked)
 * and without SA_ONSTACK (the alternate stack belongs to the OS thread),
 * and because each green thread has its own thread descriptor, so a stdio
 * lock taken by a thread parked inside fprintf is held by that thread
 * only: another thread that wants it waits on a futex, which traps and
 * parks too.  That is why the layer needs GREENRUN_TLS=private.
 */
#include <dlfcn.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "deliver.h"
#include "fd.h"
#include "hook.h"
#include "owned.h"
#include "preempt.h"
#include "preload_state.h"
#include "sync.h"
#include "trap.h"
#include "world.h"

/* After ev.h, whose enum names EV_NONE as elf.h does. */
#include <link.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#ifndef PR_SYS_DISPATCH_ON
#define PR_SYS_DISPATCH_ON 1
#endif
#ifndef SYSCALL_DISPATCH_FILTER_ALLOW
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2 /* si_code of a dispatched SIGSYS */
#endif
#ifndef IORING_ENTER_GETEVENTS
#define IORING_ENTER_GETEVENTS 1
#endif

/* A trapped futex wait parks for at most this long, then returns as a
 * spurious wake-up (which every futex user must handle): a native thread
 * or another process may be the waker, and its FUTEX_WAKE reaches the
 * kernel, not the hub. */
#define FUTEX_SLICE_NS 1000000

/* greenrun's own text: the calls made from there never trap. */
static uintptr_t text_start, text_size;

/* ---- The selector ------------------------------------------------------- */

#define NO_TRACE __attribute__((no_instrument_function))

NO_TRACE static void program_runs(struct green__hub *h)
{
    if (hook__hub(h)->trap_on)
        hook__hub(h)->trap_selector = hook__others_may_run(h)
                                          ? SYSCALL_DISPATCH_FILTER_BLOCK
                                          : SYSCALL_DISPATCH_FILTER_ALLOW;
    /* The time slices stop while the hub waits (preempt.c). */
    if (hook__hub(h)->preempt_on && !hook__hub(h)->preempt_armed)
        hook__preempt_arm(h);
}

/* Is g a thread whose program code the selector (or preemption, which
 * needs the same depth) follows? */
NO_TRACE static struct green *traced(struct green__hub **hub)
{
    struct green__hub *h = green__hub;
    if (!h ||
        !(hook__hub(h)->trap_on | hook__hub(h)->preempt_on |
          hook__hub(h)->signals_on) ||
        h->current == h->hub_thread)
        return NULL;
    *hub = h;
    return h->current;
}

/* Leaving the last greenrun frame is a safe point: run the handlers of
 * signals that arrived inside greenrun (deliver.c), and yield if a time
 * slice ran out where the thread could not be preempted - unless safe is
 * 0: the yield then waits for the next safe point.  The depth is still 1
 * meanwhile, so their own system calls are let through. */
NO_TRACE static void leave_last_frame(struct green__hub *h, struct green *g,
                                      uintptr_t returns_to, const uintptr_t *sp,
                                      int safe)
{
    if (g->sig_flags & GREEN__SIG_DUE)
        hook__take_signals(g);
    if (safe && hook__hub(h)->preempt_wanted) {
        hook__preempt_at_safe_point(h, returns_to, sp);
        h = green__hub;
    }
    g->trap_depth = 0;
    program_runs(h);
}

NO_TRACE void hook__trap_enter(struct green *g)
{
    struct green__hub *h = g->hub;
    if (g->trap_depth++ == 0 && hook__hub(h)->trap_on)
        hook__hub(h)->trap_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

NO_TRACE void hook__trap_return(struct green *g, unsigned depth)
{
    g->trap_depth = depth;
    if (depth && hook__hub(g->hub)->trap_on)
        hook__hub(g->hub)->trap_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

NO_TRACE static void leave(struct green__hub *h, struct green *g,
                           uintptr_t returns_to, const uintptr_t *sp, int safe)
{
    if (g->trap_depth == 1)
        leave_last_frame(h, g, returns_to, sp, safe);
    else if (g->trap_depth)
        g->trap_depth--;
}

NO_TRACE void hook__trap_leave(struct green__hub *h, struct green *g,
                               uintptr_t returns_to, const uintptr_t *sp)
{
    leave(h, g, returns_to, sp, 1);
}

/* Entered and left around every function of hooks/ (-finstrument-
 * functions): hidden, so that a program's own profiling hooks are not
 * disturbed and ours cost a direct call. */
NO_TRACE __attribute__((visibility("hidden"))) void
__cyg_profile_func_enter(void *fn, void *site)
{
    struct green__hub *h;
    struct green *g = traced(&h);
    (void)fn;
    (void)site;
    if (g && g->trap_depth++ == 0 && hook__hub(h)->trap_on)
        hook__hub(h)->trap_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

NO_TRACE __attribute__((visibility("hidden"))) void
__cyg_profile_func_exit(void *fn, void *site)
{
    struct green__hub *h;
    struct green *g = traced(&h);
    (void)fn;
    if (g)
        hook__trap_leave(h, g, (uintptr_t)site, NULL);
}

NO_TRACE static void on_program(struct green *g, int entering)
{
    struct green__hub *h = g->hub;
    if (!(hook__hub(h)->trap_on | hook__hub(h)->preempt_on |
          hook__hub(h)->signals_on))
        return;
    g->trap_depth = 1;
    if (!entering) {
        if (hook__hub(h)->trap_on)
            hook__hub(h)->trap_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
        return;
    }
    /* Signals sent to it before it ran (deliver.c). */
    if (g->sig_flags & GREEN__SIG_DUE)
        hook__take_signals(g);
    g->trap_depth = 0;
    program_runs(h);
}

void hook__trap_follow_frames(struct green__hub *h)
{
    struct green__world *w = h->world;
    if (hook__hub(h)->signals_on)
        return;
    green__program_hook = on_program;
    /* Every worker's: a signal may be kept for a thread of any hub.  With
     * several, this is done before they start (shim/init.c). */
    for (unsigned i = 0; i < w->hub_count; i++)
        hook__hub(w->hubs[i])->signals_on = 1;
    hook__hub(h)->signals_on = 1;
}

/* ---- What a trapped call does ------------------------------------------ */

/* A hook's result as a system call's: the value, or -errno. */
NO_TRACE static long as_syscall(long r)
{
    return r < 0 ? -errno : r;
}

static long futex_wait(struct green__hub *h, const long a[6])
{
    unsigned *addr = (unsigned *)a[0];
    int op = (int)a[1];
    const struct timespec *ts = (const struct timespec *)a[3];
    int64_t slice = FUTEX_SLICE_NS;
    int r;
    if ((op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET && ts) {
        clockid_t clock =
            op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
        struct timespec now;
        real()->clock_gettime(clock, &now);
        int64_t left =
            hook__ns(ts->tv_sec - now.tv_sec, ts->tv_nsec - now.tv_nsec);
        if (left <= 0)
            return -ETIMEDOUT;
        if (left < slice)
            slice = left;
    } else if (ts) {
        int64_t left = hook__ns(ts->tv_sec, ts->tv_nsec);
        if (left < slice)
            slice = left;
    }
    r = green__addr_wait(h, addr, (unsigned)a[2], CLOCK_MONOTONIC, NULL, slice);
    if (r == -ETIMEDOUT && slice == FUTEX_SLICE_NS)
        return 0; /* a spurious wake-up: the caller looks again */
    return r;
}

static long futex(struct green__hub *h, const long a[6])
{
    int cmd = (int)a[1] & FUTEX_CMD_MASK;
    if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)
        return futex_wait(h, a);
    if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET) {
        long n = a[2], woken = green__addr_wake(h, (unsigned *)a[0], (int)n);
        if (woken < n) {
            long rest[6] = {a[0], a[1], n - woken, a[3], a[4], a[5]};
            long more = hook__raw_syscall6(SYS_futex, rest);
            woken += more > 0 ? more : 0;
        }
        return woken;
    }
    return hook__raw_syscall6(SYS_futex, a);
}

/* io_uring_enter waiting for completions: submit without waiting, park
 * until the ring's descriptor is readable (its completion queue is not
 * empty), then collect. */
static long uring_enter(struct green__hub *h, const long a[6])
{
    long submit[6] = {a[0], a[1], 0, a[3] & ~IORING_ENTER_GETEVENTS,
                      a[4], a[5]};
    long submitted = 0, r;
    if (!(a[3] & IORING_ENTER_GETEVENTS) || a[2] == 0)
        return hook__raw_syscall6(SYS_io_uring_enter, a);
    if (a[1] > 0 &&
        (submitted = hook__raw_syscall6(SYS_io_uring_enter, submit)) < 0)
        return submitted;
    r = green__wait_fd(h, (int)a[0], GREEN_READ, -1);
    if (r < 0 && r != -ENOMEM)
        return r;
    long collect[6] = {a[0], 0, a[2], a[3], a[4], a[5]};
    r = hook__raw_syscall6(SYS_io_uring_enter, collect);
    return r < 0 ? r : submitted;
}

/* rt_sigprocmask, applied to the mask the handler's return restores. */
static long sigprocmask_on_frame(void *ctx, const long a[6])
{
    struct green__hub *h = green__hub;
    unsigned long *frame = hook__trap_saved_mask(ctx), set;
    unsigned long floor = h->sigmask_floor;
    /* The thread's own mask: a worker's OS thread blocks its floor too. */
    unsigned long old = hook__thread_view(h, h->current, *frame);
    unsigned long view = old, *mask = &view;
    if (a[3] != sizeof(unsigned long))
        return -EINVAL;
    if (a[1]) {
        memcpy(&set, (const void *)a[1], sizeof set);
        switch (a[0]) {
        case SIG_BLOCK:
            *mask |= set;
            break;
        case SIG_UNBLOCK:
            *mask &= ~set;
            break;
        case SIG_SETMASK:
            *mask = set;
            break;
        default:
            return -EINVAL;
        }
        *mask &= ~(1UL << (SIGSYS - 1));
        hook__note_sigmask(h->current, *mask);
        *frame = *mask | floor;
    }
    if (a[2])
        memcpy((void *)a[2], &old, sizeof old);
    return 0;
}

static long sigaction_raw(const long a[6])
{
    struct sigaction act, old;
    const void *kact = (const void *)a[1];
    if ((int)a[0] == SIGSYS || a[3] != sizeof(unsigned long))
        return hook__raw_syscall6(SYS_rt_sigaction, a);
    /* The kernel's layout: handler, flags, restorer, mask. */
    if (kact) {
        memset(&act, 0, sizeof act);
        memcpy(&act.sa_handler, kact, sizeof(void *));
        unsigned long flags, mask;
        memcpy(&flags, (const char *)kact + sizeof(void *), sizeof flags);
        memcpy(&mask, (const char *)kact + 3 * sizeof(void *), sizeof mask);
        act.sa_flags = (int)flags;
        memcpy(&act.sa_mask, &mask, sizeof mask);
        hook__unblock_owned(&act.sa_mask);
    }
    long r =
        hook__raw_sigaction((int)a[0], kact ? &act : NULL, a[2] ? &old : NULL);
    if (r == 0 && a[2]) {
        void *kold = (void *)a[2];
        unsigned long flags = (unsigned long)old.sa_flags, mask;
        memcpy(&mask, &old.sa_mask, sizeof mask);
        memset(kold, 0, 4 * sizeof(void *));
        memcpy(kold, &old.sa_handler, sizeof(void *));
        memcpy((char *)kold + sizeof(void *), &flags, sizeof flags);
        memcpy((char *)kold + 3 * sizeof(void *), &mask, sizeof mask);
    }
    return r;
}

/* The calls that can block, each through its hook, and those that free a
 * descriptor number, through theirs (the fd cache must hear of them: fd.c).
 * 1 and *result (the value or -errno) if nr is one of them. */
int hook__green_syscall(struct green__hub *h, long nr, const long a[6],
                        long *result)
{
    long r;
    switch (nr) {
    case SYS_read:
        r = read((int)a[0], (void *)a[1], (size_t)a[2]);
        break;
    case SYS_write:
        r = write((int)a[0], (const void *)a[1], (size_t)a[2]);
        break;
    case SYS_readv:
        r = readv((int)a[0], (const struct iovec *)a[1], (int)a[2]);
        break;
    case SYS_writev:
        r = writev((int)a[0], (const struct iovec *)a[1], (int)a[2]);
        break;
    case SYS_pread64:
        r = pread((int)a[0], (void *)a[1], (size_t)a[2], (off_t)a[3]);
        break;
    case SYS_pwrite64:
        r = pwrite((int)a[0], (const void *)a[1], (size_t)a[2], (off_t)a[3]);
        break;
    case SYS_recvfrom:
        r = recvfrom((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3],
                     (struct sockaddr *)a[4], (socklen_t *)a[5]);
        break;
    case SYS_sendto:
        r = sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
                   (const struct sockaddr *)a[4], (socklen_t)a[5]);
        break;
    case SYS_recvmsg:
        r = recvmsg((int)a[0], (struct msghdr *)a[1], (int)a[2]);
        break;
    case SYS_sendmsg:
        r = sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
        break;
    case SYS_accept:
        r = accept((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
        break;
    case SYS_accept4:
        r = accept4((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2],
                    (int)a[3]);
        break;
    case SYS_connect:
        r = connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
        break;
    case SYS_poll:
        r = poll((struct pollfd *)a[0], (nfds_t)a[1], (int)a[2]);
        break;
    case SYS_ppoll:
        r = ppoll((struct pollfd *)a[0], (nfds_t)a[1],
                  (const struct timespec *)a[2], (const sigset_t *)a[3]);
        break;
    case SYS_select:
        r = select((int)a[0], (fd_set *)a[1], (fd_set *)a[2], (fd_set *)a[3],
                   (struct timeval *)a[4]);
        break;
    case SYS_epoll_wait:
        r = epoll_wait((int)a[0], (struct epoll_event *)a[1], (int)a[2],
                       (int)a[3]);
        break;
    case SYS_epoll_pwait:
        r = epoll_pwait((int)a[0], (struct epoll_event *)a[1], (int)a[2],
                        (int)a[3], (const sigset_t *)a[4]);
        break;
    case SYS_epoll_pwait2:
        r = epoll_pwait2((int)a[0], (struct epoll_event *)a[1], (int)a[2],
                         (const struct timespec *)a[3], (const sigset_t *)a[4]);
        break;
    case SYS_pselect6: {
        /* The sixth argument is {mask, its size}, or NULL. */
        const sigset_t *const *mask = (const sigset_t *const *)a[5];
        r = pselect((int)a[0], (fd_set *)a[1], (fd_set *)a[2], (fd_set *)a[3],
                    (const struct timespec *)a[4], mask ? *mask : NULL);
        break;
    }
    case SYS_nanosleep:
        r = nanosleep((const struct timespec *)a[0], (struct timespec *)a[1]);
        break;
    case SYS_clock_nanosleep:
        /* Returns the error number itself, as the system call does. */
        *result = -clock_nanosleep((clockid_t)a[0], (int)a[1],
                                   (const struct timespec *)a[2],
                                   (struct timespec *)a[3]);
        return 1;
    case SYS_wait4:
        if (a[3])
            return 0; /* rusage wanted: let the kernel answer */
        r = waitpid((pid_t)a[0], (int *)a[1], (int)a[2]);
        break;
    case SYS_waitid:
        if (a[4])
            return 0;
        r = waitid((idtype_t)a[0], (id_t)a[1], (siginfo_t *)a[2], (int)a[3]);
        break;
    case SYS_close:
        r = close((int)a[0]);
        break;
    case SYS_close_range:
        r = close_range((unsigned)a[0], (unsigned)a[1], (int)a[2]);
        break;
    case SYS_dup2:
        r = dup2((int)a[0], (int)a[1]);
        break;
    case SYS_dup3:
        r = dup3((int)a[0], (int)a[1], (int)a[2]);
        break;
    case SYS_futex:
        *result = futex(h, a);
        return 1;
    case SYS_io_uring_enter:
        *result = uring_enter(h, a);
        return 1;
    default:
        return 0;
    }
    *result = as_syscall(r);
    return 1;
}

/* The calls glibc's malloc makes to take memory from the kernel and give
 * it back: sbrk's brk, mmap and munmap, mprotect and madvise of its heaps,
 * mremap.  It makes them holding an arena's lock, so their end is no safe
 * point to yield at: fork (which takes every arena's lock), greenrun's own
 * allocations and libev's (when a yield runs the loop) would then wait in
 * the kernel, for ever, for a thread that cannot run.  And where glibc
 * believed the process single-threaded it took no lock at all, and the
 * next thread found the heap half changed (rsyslogd aborted with "break
 * adjusted to free malloc space"). */
NO_TRACE static int malloc_makes(long nr)
{
    switch (nr) {
    case SYS_brk:
    case SYS_mmap:
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_madvise:
    case SYS_mremap:
        return 1;
    default:
        return 0;
    }
}

/* The calls that must run where they were made, or whose effect a signal
 * handler's return would undo. */
static int must_rerun(long nr)
{
    switch (nr) {
    case SYS_rt_sigreturn:
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
    case SYS_execve:
    case SYS_execveat:
    case SYS_exit:
    case SYS_exit_group:
    case SYS_sigaltstack:
    case SYS_rt_sigsuspend:
    case SYS_pause:
    case SYS_rt_sigtimedwait:
        return 1;
    default:
        return 0;
    }
}

NO_TRACE static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
    struct green__hub *h = green__hub;
    struct green *g;
    long a[6], r;
    if (info->si_code != SYS_USER_DISPATCH || !h || !hook__hub(h)->trap_on) {
        hook__owned_pass_on(sig, info, ctx);
        return;
    }
    hook__hub(h)->trap_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
    g = h->current;
    long nr = info->si_syscall;
    if (must_rerun(nr)) {
        /* Stays ALLOW until the thread next leaves a hook. */
        hook__trap_rewind(ctx);
        return;
    }
    hook__trap_args(ctx, a);
    if (g->trap_depth || g == h->hub_thread) {
        /* From greenrun's own frames, which must never park here: the
         * selector should have let the call through. */
        hook__trap_set_result(ctx, hook__raw_syscall6(nr, a));
        return;
    }
    g->trap_depth++;
    int saved_errno = errno;
    if (nr == SYS_rt_sigprocmask)
        r = sigprocmask_on_frame(ctx, a);
    else if (nr == SYS_rt_sigaction)
        r = sigaction_raw(a);
    else if (!hook__green_syscall(h, nr, a, &r))
        r = hook__raw_syscall6(nr, a);
    hook__trap_set_result(ctx, r);
    errno = saved_errno;
    /* The thread may have parked: the hub is its own again. */
    leave(green__hub, g, hook__trap_pc(ctx), hook__trap_sp(ctx),
          !malloc_makes(nr));
}

/* ---- Turning it on ------------------------------------------------------ */

NO_TRACE static int find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
    uintptr_t self = (uintptr_t)arg;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && self >= start &&
            self < start + ph->p_memsz) {
            text_start = start;
            text_size = ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

int hook__own_text_find(void)
{
    if (!text_size)
        dl_iterate_phdr(find_text, (void *)(uintptr_t)hook__own_text_find);
    return text_size != 0;
}

int hook__in_own_text(uintptr_t pc)
{
    return pc - text_start < text_size;
}

static int dispatch_on(struct green__hub *h)
{
    return prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, text_start,
                 text_size, &hook__hub(h)->trap_selector);
}

const char *hook__trap_enable(struct green__hub *h)
{
    if (!h->private_tls)
        return "green threads share TLS (stdio locks could not tell them "
               "apart)";
    if (RUNNING_ON_VALGRIND)
        return "valgrind does not emulate Syscall User Dispatch";
    if (!hook__own_text_find())
        return "greenrun's own text was not found";
    if (hook__own_signal(SIGSYS, on_sigsys, SA_NODEFER) < 0)
        return "SIGSYS could not be taken";
    if (hook__trap_enable_worker(h) < 0) {
        hook__disown_signal(SIGSYS);
        return "the kernel lacks Syscall User Dispatch (Linux 5.11+)";
    }
    green__program_hook = on_program;
    return NULL;
}

int hook__trap_enable_worker(struct green__hub *h)
{
    hook__hub(h)->trap_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
    if (dispatch_on(h) < 0)
        return -1;
    hook__hub(h)->trap_on = 1;
    return 0;
}

void hook__trap_fork_child(struct green__hub *h)
{
    if (hook__hub(h)->trap_on && dispatch_on(h) < 0)
        hook__hub(h)->trap_on = 0;
}

int hook__install_action(int sig, const struct sigaction *act,
                         struct sigaction *old)
{
    struct sigaction mine;
    if (!hook__owns_signal(SIGSYS))
        return real()->sigaction(sig, act, old);
    if (act) {
        mine = *act;
        hook__unblock_owned(&mine.sa_mask);
    }
    long r = hook__raw_sigaction(sig, act ? &mine : NULL, old);
    return r < 0 ? (int)hook__fail((int)r) : 0;
}
