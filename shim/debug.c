/*
 * debug.c - what greenrun tells about itself: the GREENRUN_DEBUG lines,
 * and the dump of every green thread.
 *
 * A program that hangs under greenrun hangs in green threads that the
 * kernel, ps and a plain gdb backtrace do not see: they are stacks that
 * nothing runs.  So greenrun prints them itself, as the Go runtime does on
 * SIGQUIT: each green thread with its id, name, state (running, runnable,
 * what it is parked on, how long its timeout has to go) and a backtrace
 * taken from its saved stack pointer.
 *
 * When: on signal SIGRTMAX-2, after which the program goes on; on SIGQUIT
 * when the program leaves it at its default action, which then ends the
 * process as before (the dump is the last word, as for the stats report);
 * and at exit under GREENRUN_DEBUG.  SIGRTMAX-2 is a signal programs do not
 * take in practice: the real-time signals have no meaning of their own,
 * glibc keeps the lowest two for itself, and the programs and libraries
 * that use some (POSIX timers, systemd) count up from SIGRTMIN, while tools
 * that take one from the top take SIGRTMAX itself (valgrind).  SIGUSR1 and
 * SIGUSR2 belong to programs, SIGPWR and SIGXCPU to the Boehm collector.
 * The handler is installed with SA_RESTART, so that the signal interrupts
 * no more than any signal with a handler does.  A program that installs
 * its own handler for it wins; one that starts with it ignored keeps it
 * ignored.
 *
 * The dump runs in a signal handler, so it uses neither stdio nor malloc:
 * each line is built on the stack and written with green__say.  Names come
 * from dladdr1, which takes the loader's lock: it is recursive, and the
 * interrupted green thread is its only possible holder on this OS thread,
 * unless a green thread parked inside dlopen (a library constructor that
 * blocks), which would hang the dump.
 *
 * A switched-out green thread's stack starts with the frame green__switch
 * left (sched/switch_x86_64.S): rbp at +48, the return address at +56.
 * From there the frame pointers lead up the stack: greenrun is built with
 * -fno-omit-frame-pointer, Debian's libraries mostly are not, so frames of
 * code without them may be missing.  Each step must stay inside the
 * thread's stack and go up, so a wrong pointer ends the walk rather than
 * the process.  The main thread runs on the process's stack, which reaches
 * up to __libc_stack_end.  The gdb extension (scripts/greenrun-gdb.py) gives
 * exact backtraces, with every frame and line numbers.
 */
/* Before <link.h>: its <elf.h> defines EV_NONE and EV_CURRENT, which
 * would break <ev.h>'s own. */
#include "hub.h"
#include "real.h"
#include "world.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "last_words.h"
#include "line.h"
#include "shim.h"

/* Set by the loader: the top of the main thread's stack at start. */
extern void *__libc_stack_end;

#define MAX_FRAMES 48
/* A corrupt list must not make the dump endless. */
#define MAX_THREADS 1000000

/* The hub of the OS thread the program started on, and what the signal
 * handlers need to know without calling anything. */
static struct green__hub *dump_hub;
static int dump_signal;
static void *own_base; /* where libgreenrun.so is loaded */
static char exe_path[256];

static void put(struct green__line *l)
{
    green__line_add(l, "\n");
    green__say(l->text);
    l->len = 0;
    l->text[0] = '\0';
}

/* ---- Names of code addresses ----------------------------------------------
 */

/* The exported function containing pc, or NULL.  dladdr alone names the
 * nearest exported symbol below pc, which for greenrun's hidden functions
 * (and a program's static ones) is some unrelated function: the symbol's
 * size tells. */
static const char *function_at(uintptr_t pc, Dl_info *info)
{
    const ElfW(Sym) *sym = NULL;
    if (!dladdr1((void *)pc, info, (void **)&sym, RTLD_DL_SYMENT))
        return NULL;
    if (!info->dli_sname || !sym ||
        pc - (uintptr_t)info->dli_saddr >= sym->st_size)
        return NULL;
    return info->dli_sname;
}

/* The offset addr2line wants: from the load address for a position-
 * independent object, the address itself for a fixed one (ET_EXEC). */
static uintptr_t file_offset(uintptr_t pc, const Dl_info *info)
{
    const ElfW(Ehdr) *ehdr = info->dli_fbase;
    return ehdr->e_type == ET_EXEC ? pc : pc - (uintptr_t)info->dli_fbase;
}

/* dladdr names the main program as it was started (argv[0]): the path
 * of its file serves addr2line better. */
static const char *object_name(const Dl_info *info)
{
    if (!info->dli_fname || !info->dli_fname[0] ||
        !strcmp(info->dli_fname, program_invocation_name))
        return exe_path[0] ? exe_path : "the program";
    return info->dli_fname;
}

/* "name+0x12 (object)" or "object+0x1234"; ret says pc is a return
 * address, which belongs to the call before it. */
static void add_code(struct green__line *l, uintptr_t pc, int ret)
{
    Dl_info info;
    uintptr_t at = ret ? pc - 1 : pc;
    const char *name = function_at(at, &info);
    if (name) {
        green__line_add(l, name);
        green__line_add(l, "+");
        green__line_hex(l, pc - (uintptr_t)info.dli_saddr);
        green__line_add(l, " (");
        green__line_add(l, object_name(&info));
        green__line_add(l, ")");
    } else if (info.dli_fbase) {
        green__line_add(l, object_name(&info));
        green__line_add(l, "+");
        green__line_hex(l, file_offset(pc, &info));
    } else {
        green__line_add(l, "?");
    }
}

/* ---- Backtraces ------------------------------------------------------------
 */

/* A thread's frames, innermost first; ret[i] says pc[i] is a return
 * address, which belongs to the call before it. */
struct frames {
    uintptr_t pc[MAX_FRAMES];
    unsigned char ret[MAX_FRAMES];
    int n;
};

struct walk {
    uintptr_t pc, fp; /* the frame being looked at, and its frame pointer */
    uintptr_t lo, hi; /* the stack: frames must stay inside it */
};

static int in_greenrun(uintptr_t pc)
{
    Dl_info info;
    return dladdr((void *)pc, &info) && info.dli_fbase == own_base;
}

/* Greenrun's own frames without an exported name: the scheduler's, the
 * dump's, a thread's start.  Those are left out at both ends, so that a
 * backtrace starts at the call the program made. */
static int internal(uintptr_t pc, int ret)
{
    Dl_info info;
    return in_greenrun(pc - ret) && !function_at(pc - ret, &info);
}

static void add_frame(struct frames *f, uintptr_t pc, int ret)
{
    if (f->n == 0 && internal(pc, ret))
        return;
    if (f->n < MAX_FRAMES) {
        f->pc[f->n] = pc;
        f->ret[f->n++] = (unsigned char)ret;
    }
}

static void walk_frames(struct walk w, int ret, struct frames *f)
{
    f->n = 0;
    for (int i = 0; i < MAX_FRAMES * 2 && w.pc && f->n < MAX_FRAMES; i++) {
        add_frame(f, w.pc, ret);
        ret = 1;
        if (w.fp < w.lo || w.fp > w.hi - 16 || (w.fp & 7))
            break;
        const uintptr_t *frame = (const uintptr_t *)w.fp;
        w.pc = frame[1];
        w.lo = w.fp + 16;
        w.fp = frame[0];
    }
    while (f->n > 0 && internal(f->pc[f->n - 1], f->ret[f->n - 1]))
        f->n--;
}

/* The stack a thread's frames are on.  The main thread was adopted with
 * none of its own: from its stack pointer to the top of the process's. */
static void stack_bounds(const struct green *g, uintptr_t sp, struct walk *w)
{
    if (g->stack.hi) {
        w->lo = (uintptr_t)g->stack.lo;
        w->hi = (uintptr_t)g->stack.hi;
    } else {
        w->lo = sp;
        w->hi = (uintptr_t)__libc_stack_end;
    }
}

/* A switched-out thread: the frame green__switch left at its sp. */
static void frames_saved(const struct green *g, struct frames *f)
{
    struct walk w;
    uintptr_t sp = (uintptr_t)g->sp;
    f->n = 0;
    stack_bounds(g, sp, &w);
    if (!sp || sp < w.lo || sp > w.hi - 64)
        return;
    w.fp = ((const uintptr_t *)sp)[6];
    w.pc = ((const uintptr_t *)sp)[7];
    walk_frames(w, 1, f);
}

/* The running thread: from the signal's context, or from here. */
static void __attribute__((noinline))
frames_running(const struct green *g, const ucontext_t *uc, struct frames *f)
{
    struct walk w;
    if (uc) {
        w.pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
        w.fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
        stack_bounds(g, (uintptr_t)uc->uc_mcontext.gregs[REG_RSP], &w);
        walk_frames(w, 0, f);
        return;
    }
    w.fp = (uintptr_t)__builtin_frame_address(0);
    w.pc = (uintptr_t)__builtin_return_address(0);
    stack_bounds(g, w.fp, &w);
    w.fp = *(const uintptr_t *)w.fp;
    walk_frames(w, 1, f);
}

static void print_frames(const struct frames *f)
{
    struct green__line l = {.len = 0};
    for (int i = 0; i < f->n; i++) {
        green__line_add(&l, "    #");
        green__line_dec(&l, (unsigned long)i);
        green__line_add(&l, " ");
        green__line_hex(&l, f->pc[i]);
        green__line_add(&l, " in ");
        add_code(&l, f->pc[i], f->ret[i]);
        put(&l);
    }
}

/* The call of greenrun's the thread is in: the innermost named frame in
 * greenrun (a hook tail-calling the core leaves none). */
static const char *hooked_call(const struct frames *f)
{
    Dl_info info;
    for (int i = 0; i < f->n; i++) {
        uintptr_t at = f->pc[i] - f->ret[i];
        if (!in_greenrun(at))
            return NULL;
        const char *name = function_at(at, &info);
        if (name)
            return name;
    }
    return NULL;
}

/* ---- States -----------------------------------------------------------------
 */

static int64_t clock_ms(clockid_t clock)
{
    struct timespec ts;
    green__real.clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before a parked thread's timeout, or -1 if none.  The
 * loop's clock advances only when it polls, so its view of the remaining
 * time is corrected by how long ago that was (ev_now is its wall clock). */
static int64_t timeout_left_ms(const struct green__hub *h, struct green *g)
{
    double left;
    if (ev_is_active(&g->timer)) {
        left = ev_timer_remaining(h->loop, &g->timer) -
               ((double)clock_ms(CLOCK_REALTIME) / 1000 - ev_now(h->loop));
    } else if (ev_is_active(&g->periodic)) {
        left = ev_periodic_at(&g->periodic) -
               (double)clock_ms(CLOCK_REALTIME) / 1000;
    } else {
        return -1;
    }
    return left > 0 ? (int64_t)(left * 1000) : 0;
}

/* The thread of any hub of h's world that is g (is_joiner 0) or that g
 * joins (is_joiner 1), or NULL. */
static const struct green *find_thread(const struct green__hub *h,
                                       const struct green *g, int is_joiner)
{
    const struct green__world *w = h->world;
    unsigned hubs = w->hub_count > 1 ? w->hub_count : 1;
    for (unsigned i = 0; i < hubs; i++) {
        const struct green *t = w->hub_count > 1 ? w->hubs[i]->all : h->all;
        for (int n = 0; t && n < MAX_THREADS; t = t->all_next, n++)
            if ((is_joiner ? t->joiner : t) == g)
                return t;
    }
    return NULL;
}

static const struct green *thread_of(const struct green__hub *h,
                                     const struct green *g)
{
    return find_thread(h, g, 0);
}

static const struct green *joined_by(const struct green__hub *h,
                                     const struct green *g)
{
    return find_thread(h, g, 1);
}

/* A pointer-sized word at p, which may lie in another object's bytes. */
__attribute__((no_sanitize_address)) static uintptr_t
read_word(const unsigned char *p)
{
    uintptr_t w = 0;
    for (size_t i = 0; i < sizeof w; i++)
        w |= (uintptr_t)p[i] << (8 * i);
    return w;
}

/* The owner of the mutex whose waiters queue q is, if it is one.  A
 * mutex's waiters end its green_mutex_t (sched/mutex.c), and its owner is
 * a thread of this hub: another queue whose bytes before it happen to hold
 * the address of one of them is all but impossible. */
static const struct green *mutex_owner(const struct green__hub *h,
                                       const struct green__queue *q)
{
    /* The mutex's owner is its first word.  Before another kind of queue
     * that word belongs to something else: read it as the bytes it is
     * (AddressSanitizer would call reading a neighbour an overflow). */
    const unsigned char *first =
        (const unsigned char *)q - (sizeof(green_mutex_t) - sizeof *q);
    return thread_of(h, (const struct green *)read_word(first));
}

static void add_thread(struct green__line *l, const struct green *g)
{
    green__line_add(l, "green thread ");
    green__line_dec(l, (unsigned long)g->id);
    if (g->name[0]) {
        green__line_add(l, " \"");
        green__line_add(l, g->name);
        green__line_add(l, "\"");
    }
}

/* What a parked thread waits for, from what it armed and where it is
 * queued. */
static void add_wait(struct green__line *l, const struct green__hub *h,
                     struct green *g)
{
    const struct green *other = joined_by(h, g);
    int64_t left = h->loop ? timeout_left_ms(h, g) : -1;
    if (ev_is_active(&g->io)) {
        int ev = g->io.events & (EV_READ | EV_WRITE);
        green__line_add(l, "parked on fd ");
        green__line_dec(l, (unsigned long)g->io.fd);
        green__line_add(l, ev == EV_READ    ? " for read"
                           : ev == EV_WRITE ? " for write"
                                            : " for read and write");
    } else if (other) {
        green__line_add(l, "parked joining ");
        add_thread(l, other);
    } else if (g->wait_addr) {
        green__line_add(l, "parked on futex ");
        green__line_hex(l, (uintptr_t)g->wait_addr);
    } else if (g->q == &h->world->once_waiters) {
        green__line_add(l, "parked until a once routine ends");
    } else if (g->q && (other = mutex_owner(h, g->q))) {
        green__line_add(l, "parked locking mutex ");
        green__line_hex(l, (uintptr_t)g->q -
                               (sizeof(green_mutex_t) - sizeof *g->q));
        green__line_add(l, " held by ");
        add_thread(l, other);
    } else if (g->q) {
        green__line_add(l, "parked in wait queue ");
        green__line_hex(l, (uintptr_t)g->q);
    } else if (left >= 0) {
        green__line_add(l, "sleeping");
    } else {
        green__line_add(l, "parked");
    }
    if (left >= 0) {
        char ms[4] = {(char)('0' + left / 100 % 10),
                      (char)('0' + left / 10 % 10), (char)('0' + left % 10),
                      '\0'};
        green__line_add(l, ", ");
        green__line_dec(l, (unsigned long)(left / 1000));
        green__line_add(l, ".");
        green__line_add(l, ms);
        green__line_add(l, " s left");
    }
}

static void add_state(struct green__line *l, const struct green__hub *h,
                      struct green *g, const struct frames *f)
{
    const char *call = hooked_call(f);
    if (g == h->current)
        green__line_add(l, "running");
    else if (g->state == GREEN__RUNNABLE)
        green__line_add(l, "runnable");
    else if (g->state == GREEN__DONE)
        green__line_add(l, g->detached ? "ended" : "ended, not yet joined");
    else
        add_wait(l, h, g);
    if (call) {
        green__line_add(l, ", in ");
        green__line_add(l, call);
    }
    if (g->cancel_pending)
        green__line_add(l, ", cancellation pending");
}

/* ---- The dump
 * ---------------------------------------------------------------- */

static void dump_thread(struct green__hub *h, struct green *g,
                        const ucontext_t *uc)
{
    struct green__line l = {.len = 0};
    struct frames f = {.n = 0};
    if (g == h->current) {
        /* Another worker's running thread moves under our feet: its
         * state, but no backtrace. */
        if (h == green__hub)
            frames_running(g, uc, &f);
    } else if (g->state != GREEN__DONE) {
        frames_saved(g, &f);
    }
    add_thread(&l, g);
    green__line_add(&l, ": ");
    add_state(&l, h, g, &f);
    put(&l);
    print_frames(&f);
}

/* The threads of hub h to dump (at most MAX_THREADS), and its oldest.  A
 * worker's own context (id 0, parked for good) is none of the program's. */
static unsigned long hub_threads(const struct green__hub *h,
                                 struct green **oldest)
{
    unsigned long n = 0;
    *oldest = NULL;
    for (struct green *g = h->all; g && n < MAX_THREADS; g = g->all_next) {
        *oldest = g;
        n += g->id != 0;
    }
    return n;
}

/* Every hub's threads, oldest first, as the ids go: a hub's list has the
 * newest at its head.  With several workers, each hub's under a line of
 * its own. */
static void dump(struct green__hub *here, const char *why, const ucontext_t *uc)
{
    struct green__line l = {.len = 0};
    struct green__world *w = here->world;
    unsigned hubs = w->hub_count > 1 ? w->hub_count : 1;
    struct green__hub *only[1] = {here};
    struct green__hub **list = w->hub_count > 1 ? w->hubs : only;
    unsigned long total = 0, waiting = 0;
    struct green *g;
    for (unsigned i = 0; i < hubs; i++) {
        total += hub_threads(list[i], &g);
        waiting += list[i]->current == list[i]->hub_thread;
    }
    green__line_add(&l, "greenrun: dump of pid ");
    green__line_dec(&l, (unsigned long)getpid());
    green__line_add(&l, " ");
    green__line_add(&l, why);
    green__line_add(&l, ": ");
    green__line_dec(&l, total);
    green__line_add(&l, total == 1 ? " green thread" : " green threads");
    if (waiting == hubs)
        green__line_add(&l, hubs == 1 ? "; the hub is waiting for events"
                                      : "; the hubs are waiting for events");
    put(&l);
    for (unsigned i = 0; i < hubs; i++) {
        struct green__hub *h = list[i];
        unsigned long n = hub_threads(h, &g);
        if (hubs > 1) {
            green__line_add(&l, "greenrun: worker ");
            green__line_dec(&l, i);
            green__line_add(&l, h->current == h->hub_thread
                                    ? ": waiting for events"
                                    : ": running");
            put(&l);
        }
        for (; g && n > 0; g = g->all_prev) {
            if (g->id == 0)
                continue;
            dump_thread(h, g, uc);
            n--;
        }
    }
    green__line_add(&l,
                    "greenrun: end of dump (for every frame and line: gdb -p ");
    green__line_dec(&l, (unsigned long)getpid());
    green__line_add(
        &l, " -x \"$(greenrun --gdb-script)\" -ex 'green-thread all bt')");
    put(&l);
}

static void on_dump_signal(int sig, siginfo_t *info, void *ctx)
{
    int saved_errno = errno;
    struct green__hub *h = green__hub;
    (void)info;
    if (!h && dump_hub && gettid() != getpid()) {
        /* Another OS thread (a helper) took it: the main one, whose hub
         * this is, must dump it, not race with it. */
        tgkill(getpid(), getpid(), sig);
    } else if (h) {
        dump(h, "on SIGRTMAX-2", ctx);
    }
    errno = saved_errno;
}

static void dump_on_quit(void)
{
    struct green__hub *h = green__hub ? green__hub : dump_hub;
    if (h)
        dump(h, "on SIGQUIT", NULL);
}

static void dump_at_exit(void)
{
    struct green__hub *h = green__hub;
    if (h)
        dump(h, "at exit", NULL);
}

/* ---- Setup and the --debug lines
 * --------------------------------------------- */

void green__debug_say(const char *feature, const char *state, const char *why)
{
    if (!green__config.debug)
        return;
    green__say("greenrun: ");
    green__say(feature);
    green__say(": ");
    green__say(state);
    if (why) {
        green__say(" (");
        green__say(why);
        green__say(")");
    }
    green__say("\n");
}

static void say_mode(void)
{
    struct green__line l = {.len = 0};
    green__line_add(&l, "preloaded into pid ");
    green__line_dec(&l, (unsigned long)getpid());
    green__line_add(&l, " (");
    green__line_add(&l, exe_path[0] ? exe_path : "?");
    if (green__config.workers > 1) {
        green__line_add(&l, "), green threads on ");
        green__line_dec(&l, green__config.workers);
        green__line_add(&l, " OS threads (from the second thread on), "
                            "stacks of ");
    } else {
        green__line_add(&l, "), green threads on one OS thread, stacks of ");
    }
    green__line_dec(&l, (unsigned long)green__config.stack_size / 1024);
    green__line_add(&l, " KiB, monitor ");
    if (green__config.monitor_ms) {
        green__line_add(&l, "every ");
        green__line_dec(&l, green__config.monitor_ms);
        green__line_add(&l, " ms");
    } else {
        green__line_add(&l, "off");
    }
    green__line_add(&l, green__config.stats ? ", stats on" : ", stats off");
    green__line_add(&l, green__config.file_pool ? ", file pool on"
                                                : ", file pool off");
    green__debug_say("mode", l.text, NULL);
}

static void say_loop(void)
{
    struct green__line l = {.len = 0};
    int epoll = (ev_recommended_backends() & EVBACKEND_EPOLL) != 0;
    green__line_add(&l, "libev ");
    green__line_dec(&l, (unsigned long)ev_version_major());
    green__line_add(&l, ".");
    green__line_dec(&l, (unsigned long)ev_version_minor());
    green__line_add(&l, epoll ? " with epoll" : " without epoll");
    green__debug_say("event loop", l.text,
                     epoll ? NULL : "this libev or kernel offers no epoll");
}

static void install_dump_signal(void)
{
    struct sigaction found, act = {.sa_sigaction = on_dump_signal,
                                   .sa_flags = SA_SIGINFO | SA_RESTART};
    dump_signal = SIGRTMAX - 2;
    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, SIGQUIT);
    if (green__real.sigaction(dump_signal, NULL, &found) < 0) {
        green__debug_say("thread dump on SIGRTMAX-2", "off",
                         "sigaction failed");
        return;
    }
    if (found.sa_handler != SIG_DFL) {
        green__debug_say("thread dump on SIGRTMAX-2", "off",
                         "the program started with it ignored");
        return;
    }
    if (green__real.sigaction(dump_signal, &act, NULL) < 0)
        green__debug_say("thread dump on SIGRTMAX-2", "off",
                         "sigaction failed");
    else
        green__debug_say("thread dump on SIGRTMAX-2", "on",
                         "kill -s RTMAX-2 PID");
}

static void arm_quit(void)
{
    struct sigaction found;
    if (green__real.sigaction(SIGQUIT, NULL, &found) == 0 &&
        found.sa_handler == SIG_DFL) {
        hook__last_words(SIGQUIT, dump_on_quit);
        green__debug_say("thread dump on SIGQUIT", "on",
                         "then its default action");
    } else {
        green__debug_say("thread dump on SIGQUIT", "off",
                         "the program started with it ignored or handled");
    }
}

void green__debug_setup(struct green__hub *h)
{
    Dl_info info;
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = '\0';
    if (dladdr((void *)green__debug_setup, &info))
        own_base = info.dli_fbase;
    dump_hub = h;
    say_mode();
    say_loop();
    install_dump_signal();
    arm_quit();
    if (green__config.debug) {
        atexit(dump_at_exit);
        green__debug_say("thread dump at exit", "on", NULL);
    }
}
