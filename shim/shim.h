/* shim.h - process-level state of the preload library. */
#ifndef GREEN_SHIM_H
#define GREEN_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "real.h"

struct green__hub;

/* Set once green__real is filled. */
extern int green__real_resolved;
void green__real_resolve(void);

/* "greenrun: cannot find the real NAME in the C library", written with
 * raw system calls (the hooks of write and _exit may need the table),
 * then exit status 127. */
__attribute__((noreturn)) void green__real_missing(const char *name);

/* The function greenrun's hook of name wraps (the table's entry), or
 * NULL if greenrun does not hook name. */
void *green__real_hooked(const char *name);

/* The table of real functions, resolved on first use. */
static inline struct green__real_fns *green__real_ready(void)
{
    if (__builtin_expect(
            !__atomic_load_n(&green__real_resolved, __ATOMIC_ACQUIRE), 0))
        green__real_resolve();
    return &green__real;
}

/* GREENRUN_* settings, read and checked once by the constructor. */
struct green__config {
    size_t stack_size;
    const char *stats;   /* NULL: off; "1": stderr; else a path */
    unsigned monitor_ms; /* 0: off */
    int debug;
    int file_pool;     /* GREENRUN_FILE_POOL: regular-file calls on the pool */
    int tls_shared;    /* GREENRUN_TLS=shared: green threads share the OS
                          thread's TLS */
    int syscall_trap;  /* GREENRUN_SYSCALL_TRAP (default 1) */
    unsigned slice_ms; /* GREENRUN_SLICE_MS; 0: cooperative */
    unsigned workers;  /* GREENRUN_WORKERS: OS threads running green ones */
};
extern struct green__config green__config;

/* Read the environment; on a bad value print one line and exit(2). */
void green__config_load(void);

/* Give hub h's new threads private TLS unless GREENRUN_TLS=shared or this
 * process cannot have it (said once under GREENRUN_DEBUG). */
void green__shim_tls_setup(struct green__hub *h);
/* Park green threads in blocking system calls made below the hooks too,
 * unless GREENRUN_SYSCALL_TRAP=0 or it cannot be (said under --debug). */
void green__shim_trap_setup(struct green__hub *h);
/* Preempt green threads at safe points every GREENRUN_SLICE_MS, if the
 * trap is on (said under --debug). */
void green__shim_preempt_setup(struct green__hub *h);

/* Say under GREENRUN_DEBUG how greenrun runs; arm the dumps of every green
 * thread of hub h (on SIGRTMAX-2, on SIGQUIT, at exit under
 * GREENRUN_DEBUG): debug.c. */
void green__debug_setup(struct green__hub *h);
/* Under GREENRUN_DEBUG, one line "greenrun: FEATURE: STATE (WHY)"; why may
 * be NULL. */
void green__debug_say(const char *feature, const char *state, const char *why);

/* Before the program's second thread starts: start the other
 * GREENRUN_WORKERS - 1 workers, each set up as the main hub h is. */
void green__shim_start_workers(struct green__hub *h);

/* Start the GREENRUN_MONITOR_MS watchdog thread for hub h. */
void green__monitor_start(struct green__hub *h);
struct green__observed;
/* "green thread 3 (spinner)", or "a green thread" if o's thread could not
 * be read; the name of the hooked function at pc, or "none yet". */
void green__monitor_name(char *buf, size_t size,
                         const struct green__observed *o);
const char *green__monitor_call(const void *pc);

/* Termination signals the program cannot act on (unheeded.c): start
 * noting them, and check at each of the monitor's samples of hub h (o:
 * what it saw, now: CLOCK_MONOTONIC ms, limit: its threshold, tid: the OS
 * thread's). */
void green__unheeded_start(void);
void green__unheeded_check(struct green__hub *h, struct green__observed *o,
                           int64_t now, int64_t limit, pid_t tid);

/* In a forked child: start again what fork did not copy (the monitor). */
void green__shim_fork_child(struct green__hub *h);

/* Print the GREENRUN_STATS report if asked for and not yet printed: at
 * exit (atexit), or at _exit (hooks/process.c). */
void green__stats_report_once(void);
/* Print that report before SIGHUP, SIGINT, SIGTERM or SIGPIPE ends the
 * program by its default action. */
void green__stats_watch_signals(void);

#endif
