/*
 * unheeded.c - say so when a program cannot act on SIGTERM, SIGINT or
 * SIGHUP because one green thread holds the OS thread.
 *
 * A program that handles a termination signal usually sets a flag in the
 * handler and leaves the rest to one of its threads.  Natively that thread
 * runs whatever the others do.  Under greenrun it runs only when the
 * thread holding the OS thread lets go, and one stuck in a system call
 * greenrun could not park (a lock on a file, a read of a regular file on a
 * dead disk, anything below the hooks the syscall trap does not know)
 * never does: the program seems to ignore the signal.  The user's next
 * step is kill -KILL, and this says so.
 *
 * The handler's wrapper (hooks/signal.c) notes each such signal: which,
 * when, and the hub's switch counter at that moment.  The monitor
 * (monitor.c) then checks at each sample: if the counter has not moved
 * since, for longer than the monitor's threshold, while a green thread is
 * running and others exist, it prints one line naming the thread and what
 * it is doing: the system call it waits in, from /proc, or computing.
 * Once per signal: another kill -TERM gets a line of its own.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "last_words.h"
#include "observe.h"
#include "real.h"
#include "shim.h"

/* The last termination signal a program handler took.  Written by the
 * handler's note, read by the monitor thread. */
static struct {
    unsigned seq; /* bumped last, by each note */
    int sig;
    int64_t at_ms;
    uint64_t switches;  /* the hub's counter then ... */
    int switches_known; /* ... if the note ran on the hub's OS thread */
} noted;

/* What the monitor makes of the last note it took. */
static struct {
    unsigned seq;
    int sig;
    int64_t at_ms;
    uint64_t switches;
    int open; /* the program has not had a chance to act on it yet */
} pending;

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    green__real.clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In a signal handler, on whichever thread took the signal. */
static void note(int sig)
{
    struct green__hub *h = green__hub;
    if (sig != SIGTERM && sig != SIGINT && sig != SIGHUP)
        return;
    __atomic_store_n(&noted.sig, sig, __ATOMIC_RELAXED);
    __atomic_store_n(&noted.at_ms, monotonic_ms(), __ATOMIC_RELAXED);
    __atomic_store_n(&noted.switches_known, h != NULL, __ATOMIC_RELAXED);
    if (h)
        __atomic_store_n(&noted.switches,
                         __atomic_load_n(&h->stats.switches, __ATOMIC_RELAXED),
                         __ATOMIC_RELAXED);
    __atomic_fetch_add(&noted.seq, 1, __ATOMIC_RELEASE);
}

void green__unheeded_start(void)
{
    hook__note_handlers(note);
}

/* Take a new note: what arrived, and the switch count to watch.  A note
 * made off the hub's OS thread could not read the counter: the first
 * sample after it stands in. */
static void take_note(unsigned seq, const struct green__observed *o)
{
    pending.seq = seq;
    pending.sig = __atomic_load_n(&noted.sig, __ATOMIC_RELAXED);
    pending.at_ms = __atomic_load_n(&noted.at_ms, __ATOMIC_RELAXED);
    pending.switches = __atomic_load_n(&noted.switches_known, __ATOMIC_RELAXED)
                           ? __atomic_load_n(&noted.switches, __ATOMIC_RELAXED)
                           : o->switches;
    pending.open = 1;
}

static const char *signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGHUP";
}

/* The system calls a thread may wait in, by number. */
static const struct {
    long nr;
    const char *name;
} waits[] = {
    {SYS_read, "read"},
    {SYS_write, "write"},
    {SYS_readv, "readv"},
    {SYS_writev, "writev"},
    {SYS_pread64, "pread"},
    {SYS_pwrite64, "pwrite"},
    {SYS_recvfrom, "recvfrom"},
    {SYS_sendto, "sendto"},
    {SYS_recvmsg, "recvmsg"},
    {SYS_sendmsg, "sendmsg"},
    {SYS_sendfile, "sendfile"},
    {SYS_splice, "splice"},
    {SYS_accept, "accept"},
    {SYS_accept4, "accept4"},
    {SYS_connect, "connect"},
    {SYS_poll, "poll"},
    {SYS_ppoll, "ppoll"},
    {SYS_select, "select"},
    {SYS_pselect6, "pselect"},
    {SYS_epoll_wait, "epoll_wait"},
    {SYS_epoll_pwait, "epoll_pwait"},
    {SYS_nanosleep, "nanosleep"},
    {SYS_clock_nanosleep, "clock_nanosleep"},
    {SYS_futex, "futex"},
    {SYS_wait4, "wait4"},
    {SYS_waitid, "waitid"},
    {SYS_flock, "flock"},
    {SYS_fcntl, "fcntl"},
    {SYS_fsync, "fsync"},
    {SYS_fdatasync, "fdatasync"},
    {SYS_open, "open"},
    {SYS_openat, "openat"},
    {SYS_ioctl, "ioctl"},
    {SYS_io_getevents, "io_getevents"},
    {SYS_io_uring_enter, "io_uring_enter"},
    {SYS_msgrcv, "msgrcv"},
    {SYS_msgsnd, "msgsnd"},
    {SYS_semop, "semop"},
    {SYS_semtimedop, "semtimedop"},
    {SYS_pause, "pause"},
    {SYS_rt_sigsuspend, "sigsuspend"},
    {SYS_rt_sigtimedwait, "sigtimedwait"},
};

/* The system call the OS thread tid waits in (/proc's syscall file: its
 * number first, or "running"), or -1 if it runs.  A time slice's signal
 * may be running in the thread just then: look again, briefly. */
static long waiting_in(pid_t tid)
{
    char path[64], text[64];
    struct timespec pause = {0, 1000000};
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    for (int tries = 0; tries < 3; tries++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        ssize_t n = green__real.read(fd, text, sizeof text - 1);
        green__real.close(fd);
        if (n <= 0)
            return -1;
        text[n] = '\0';
        if (text[0] >= '0' && text[0] <= '9')
            return strtol(text, NULL, 10);
        green__real.nanosleep(&pause, NULL);
    }
    return -1;
}

/* ", inside flock(); the program cannot act on it until that call
 * returns", or the like for a thread that computes. */
static void describe_hold(char *buf, size_t size, pid_t tid,
                          const char *last_call)
{
    long nr = waiting_in(tid);
    const char *name = NULL;
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++)
        if (waits[i].nr == nr)
            name = waits[i].name;
    if (name)
        snprintf(buf, size,
                 "inside %s(); the program cannot act on it until that "
                 "call returns",
                 name);
    else if (nr >= 0)
        snprintf(buf, size,
                 "inside system call %ld; the program cannot act on it "
                 "until that call returns",
                 nr);
    else
        snprintf(buf, size,
                 "computing (last hooked call: %s); the program cannot act "
                 "on it until that thread calls a function greenrun hooks",
                 last_call);
}

static void report(struct green__hub *h, struct green__observed *o, int64_t now,
                   pid_t tid)
{
    char who[64], how[192], line[512];
    int r = green__observe_thread(h, o);
    if (r == -EAGAIN || r == -EFAULT)
        return; /* it let go after all */
    green__monitor_name(who, sizeof who, o);
    describe_hold(how, sizeof how, tid, green__monitor_call(o->last_call));
    int64_t ago = now - pending.at_ms;
    snprintf(line, sizeof line,
             "greenrun: %s arrived %lld.%lld s ago but %s has held the OS "
             "thread since, %s (kill -KILL %d ends it)\n",
             signal_name(pending.sig), (long long)(ago / 1000),
             (long long)(ago % 1000 / 100), who, how, (int)getpid());
    green__say(line);
}

void green__unheeded_check(struct green__hub *h, struct green__observed *o,
                           int64_t now, int64_t limit, pid_t tid)
{
    unsigned seq = __atomic_load_n(&noted.seq, __ATOMIC_ACQUIRE);
    if (seq != pending.seq)
        take_note(seq, o);
    if (!pending.open)
        return;
    /* The hub ran since: the program could act.  A thread alone blocks as
     * natively, where nobody else could act either. */
    if (o->switches != pending.switches) {
        pending.open = 0;
        return;
    }
    if (now - pending.at_ms <= limit || !o->thread || o->live < 2)
        return;
    report(h, o, now, tid);
    pending.open = 0;
}
