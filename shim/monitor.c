/*
 * monitor.c - report green threads that hold the OS thread too long.
 *
 * Green threads are cooperative: one that computes, or blocks in a call
 * greenrun does not intercept, stops all the others.  With
 * GREENRUN_MONITOR_MS set, a native watchdog thread samples the hub's
 * switch counter a few times per period.  When the counter has not moved
 * for longer than the threshold while a green thread (not the hub, waiting
 * in its loop) was current, and other green threads exist to be starved,
 * it prints one line naming the thread, for how long it has held the OS
 * thread, and the last hooked call it made; when the thread lets go, a
 * second line gives the total.  The monitor only reads: it never switches
 * or signals anything.  It reads the hub and the running thread through
 * sched/observe.c, which never races the hub's plain stores and never
 * touches a thread's memory directly: the thread may end and its stack
 * be unmapped at any moment.
 *
 * On a busy machine the whole process may simply not get a CPU for a
 * while, which is no green thread's doing.  So a hold is reported only if
 * the OS thread is blocked in the kernel (an unhooked blocking call) or
 * has spent at least half of the time computing; a thread that is runnable
 * but not running is given more time.
 *
 * The watchdog is an OS thread the program does not know about, and the
 * program may fork at any moment, even before the watchdog has finished
 * starting.  A lock it holds at that moment stays held in the child for
 * ever, and its start-up and its reports take allocator locks: glibc's
 * malloc prepares for fork, but a replacement allocator may not (the one
 * of AddressSanitizer in GCC 12 does not, and its children hung in their
 * first malloc).  So fork, through pthread_atfork, waits until the
 * watchdog is running and asleep between samples, and keeps it there until
 * the new process exists.  The child starts a watchdog of its own.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "observe.h"
#include "preempt.h"
#include "preload_state.h"
#include "real.h"
#include "shim.h"

struct episode {
    uint64_t switches;    /* the counter when it last moved */
    int64_t since_ms;     /* when it last moved */
    int64_t cpu_since_ms; /* the OS thread's CPU time then */
    int reported;         /* the holder was reported */
    uint64_t holder_id;   /* ... as this one (0: could not be read) */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    green__real.clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct watched {
    struct green__hub *hub;
    clockid_t cpu_clock; /* of the hub's OS thread */
    pid_t tid;
};

/* Held by the watchdog while it samples, and by fork around the fork. */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
/* 1 from pthread_create until the watchdog's own code runs. */
static int starting;

static int64_t cpu_ms(clockid_t clock)
{
    struct timespec ts;
    if (green__real.clock_gettime(clock, &ts) < 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the OS thread is runnable (state R) rather than blocked. */
static int runnable(pid_t tid)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = green__real.read(fd, stat, sizeof stat - 1);
    green__real.close(fd);
    if (n <= 0)
        return 0;
    stat[n] = '\0';
    const char *end = strrchr(stat, ')'); /* the name may hold spaces */
    return end && end[1] == ' ' && end[2] == 'R';
}

/* Held by a green thread, not just starved of CPU by the machine. */
static int held_by_program(const struct watched *w, const struct episode *e,
                           int64_t held)
{
    if (!runnable(w->tid))
        return 1;
    return (cpu_ms(w->cpu_clock) - e->cpu_since_ms) * 2 >= held;
}

const char *green__monitor_call(const void *pc)
{
    Dl_info info;
    if (pc && dladdr(pc, &info) && info.dli_sname)
        return info.dli_sname;
    return "none yet";
}

void green__monitor_name(char *buf, size_t size,
                         const struct green__observed *o)
{
    if (!o->id)
        snprintf(buf, size, "a green thread");
    else
        snprintf(buf, size, "green thread %llu%s%s%s",
                 (unsigned long long)o->id, o->name[0] ? " (" : "", o->name,
                 o->name[0] ? ")" : "");
}

static void report_hold(struct green__hub *h, struct green__observed *o,
                        struct episode *e, int64_t held)
{
    char line[384], who[64], why[160];
    /* The hub switched since it was observed (or the thread's memory is
     * already gone, which only a switch allows): the hold is over. */
    int r = green__observe_thread(h, o);
    if (r == -EAGAIN || r == -EFAULT)
        return;
    /* With time slices, a hold this long means no tick found a safe
     * point: say where the last one found the thread. */
    const char *blocker =
        hook__hub(h)->preempt_on
            ? hook__preempt_blocker(o->blocked_pc, why, sizeof why)
            : NULL;
    green__monitor_name(who, sizeof who, o);
    snprintf(line, sizeof line,
             "greenrun: monitor: %s has held the OS thread for %lld ms "
             "(last hooked call: %s)%s%s\n",
             who, (long long)held, green__monitor_call(o->last_call),
             blocker ? ", not preemptible there: " : "",
             blocker ? blocker : "");
    green__say(line);
    __atomic_fetch_add(&h->stats.monitor_events, 1, __ATOMIC_RELAXED);
    e->reported = 1;
    e->holder_id = o->id;
}

static void report_release(struct episode *e, int64_t held)
{
    char line[160];
    if (e->holder_id)
        snprintf(line, sizeof line,
                 "greenrun: monitor: green thread %llu let the OS thread go "
                 "after %lld ms\n",
                 (unsigned long long)e->holder_id, (long long)held);
    else
        snprintf(line, sizeof line,
                 "greenrun: monitor: the green thread let the OS thread go "
                 "after %lld ms\n",
                 (long long)held);
    green__say(line);
    e->reported = 0;
}

static void sample(const struct watched *w, struct episode *e, int64_t limit)
{
    struct green__observed o;
    green__observe_hub(w->hub, &o);
    int64_t now = now_ms();
    if (o.switches != e->switches) {
        if (e->reported)
            report_release(e, now - e->since_ms);
        e->switches = o.switches;
        e->since_ms = now;
        e->cpu_since_ms = cpu_ms(w->cpu_clock);
        return;
    }
    green__unheeded_check(w->hub, &o, now, limit, w->tid);
    if (e->reported || !o.thread || o.live < 2)
        return;
    if (now - e->since_ms > limit && held_by_program(w, e, now - e->since_ms))
        report_hold(w->hub, &o, e, now - e->since_ms);
}

static void *watch(void *arg)
{
    struct watched *w = arg;
    int64_t limit = green__config.monitor_ms;
    int64_t step_ns = limit * 1000000 / 4;
    struct timespec step = {step_ns / 1000000000, step_ns % 1000000000};
    struct episode e = {.since_ms = now_ms()};
    __atomic_store_n(&starting, 0, __ATOMIC_RELEASE);
    for (;;) {
        green__real.nanosleep(&step, NULL);
        green__real.pthread_mutex_lock(&busy);
        sample(w, &e, limit);
        green__real.pthread_mutex_unlock(&busy);
    }
    return NULL;
}

/* Before fork: the watchdog has started, and is asleep until after it. */
static void quiet_before_fork(void)
{
    struct timespec pause = {0, 100000};
    while (__atomic_load_n(&starting, __ATOMIC_ACQUIRE))
        green__real.nanosleep(&pause, NULL);
    green__real.pthread_mutex_lock(&busy);
}

static void resume_in_parent(void)
{
    green__real.pthread_mutex_unlock(&busy);
}

/* The child has no watchdog (fork copied only the caller); its own is
 * started by green__shim_fork_child. */
static void reset_in_child(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    busy = fresh;
}

/* Called on the hub's OS thread. */
void green__monitor_start(struct green__hub *h)
{
    static struct watched w;
    static int registered;
    pthread_t t;
    pthread_attr_t attr;
    sigset_t mask;
    w.hub = h;
    w.tid = (pid_t)syscall(SYS_gettid);
    if (green__real.pthread_getcpuclockid(green__real.pthread_self(),
                                          &w.cpu_clock))
        w.cpu_clock = CLOCK_THREAD_CPUTIME_ID;
    /* Registered once: a forked child inherits the handlers. */
    if (!registered++)
        pthread_atfork(quiet_before_fork, resume_in_parent, reset_in_child);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    /* The program's signals go to its own thread, where the hub learns
     * that a handler ran (hooks/signal.c); only faults stay deliverable. */
    sigfillset(&mask);
    sigdelset(&mask, SIGSEGV);
    sigdelset(&mask, SIGBUS);
    sigdelset(&mask, SIGFPE);
    sigdelset(&mask, SIGILL);
    pthread_attr_setsigmask_np(&attr, &mask);
    green__unheeded_start();
    __atomic_store_n(&starting, 1, __ATOMIC_RELEASE);
    if (green__real.pthread_create(&t, &attr, watch, &w) != 0) {
        __atomic_store_n(&starting, 0, __ATOMIC_RELEASE);
        green__say("greenrun: cannot start the monitor thread\n");
    }
    pthread_attr_destroy(&attr);
}
