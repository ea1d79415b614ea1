/*
 * init.c - the preload library's constructor.
 *
 * Before the program's main runs: resolve the real functions, read the
 * settings, create this OS thread's hub and adopt the main thread as green
 * thread 1, so that blocking calls in main yield like any other thread's.
 * Creating the hub opens no descriptor (the libev loop comes on first
 * wait), so a program that never blocks sees the process it would see
 * natively; every child a program starts inherits LD_PRELOAD, and this must
 * stay cheap.
 */
#include <stdlib.h>
#include <sys/prctl.h>

#include "internal.h"
#include "shim.h"

/* The hub of the main OS thread.  Also keeps it reachable for leak
 * checkers, which do not look into thread-local storage. */
static struct green__hub *main_hub;

void green__shim_fork_child(struct green__hub *h)
{
    if (green__config.monitor_ms)
        green__monitor_start(h);
}

__attribute__((constructor)) static void greenrun_init(void)
{
    green__real_ready();
    green__config_load();
    struct green__hub *h = green__hub_create(green__config.stack_size);
    if (!h) {
        green__say("greenrun: cannot create the hub; running natively\n");
        return;
    }
    h->main_thread = green__adopt(h, 1);
    if (!h->main_thread) {
        green__say("greenrun: cannot adopt the main thread; running "
                   "natively\n");
        green__hub_destroy(h);
        return;
    }
    main_hub = h;
    green__debug_setup(h);
    green__shim_tls_setup(h);
    green__shim_trap_setup(h);
    green__shim_preempt_setup(h);
    /* The main thread's name is the process name; threads inherit it. */
    char name[16] = "";
    if (prctl(PR_GET_NAME, name) == 0)
        green_set_name(h->main_thread, name);
    h->stats.spawned = h->stats.peak_live = 1;
    if (green__config.stats) {
        atexit(green__stats_report_once);
        green__stats_watch_signals();
    }
    if (green__config.monitor_ms)
        green__monitor_start(h);
}
