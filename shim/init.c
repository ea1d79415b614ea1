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
#include <string.h>
#include <sys/prctl.h>

#include "deliver.h"
#include "hub.h"
#include "owned.h"
#include "preempt.h"
#include "preload_state.h"
#include "real.h"
#include "shim.h"
#include "trap.h"
#include "world.h"

/* After ev.h, whose enum names EV_NONE as elf.h does. */
#include <link.h>

/* The hub of the main OS thread.  Also keeps it reachable for leak
 * checkers, which do not look into thread-local storage. */
static struct green__hub *main_hub;

/* On each new worker's OS thread: what greenrun_init did for the main
 * hub, for this one, without saying it again under --debug. */
static void setup_worker(struct green__hub *h)
{
    /* Natively the kernel gives a process-directed signal to the main
     * thread first: so it does here, to the main OS thread, whose hub
     * hands EINTR to the right thread of any worker.  Not the signals a
     * fault raises on this thread, nor those greenrun owns here. */
    static const int synchronous[] = {SIGSEGV, SIGBUS,  SIGFPE,
                                      SIGILL,  SIGTRAP, SIGABRT};
    sigset_t async;
    sigfillset(&async);
    for (size_t i = 0; i < sizeof synchronous / sizeof *synchronous; i++)
        sigdelset(&async, synchronous[i]);
    hook__unblock_owned(&async);
    green__real.pthread_sigmask(SIG_BLOCK, &async, NULL);
    h->private_tls = main_hub->private_tls;
    /* A worker's OS thread blocks them whatever its green threads block:
     * their signals are kept for them (hooks/deliver.c). */
    h->sigmask_floor = h->os_sigmask = hook__mask_word(&async);
    hook__hub(h)->signals_on = hook__hub(main_hub)->signals_on;
    if (hook__hub(main_hub)->trap_on && hook__trap_enable_worker(h) == 0 &&
        hook__hub(main_hub)->preempt_on)
        hook__preempt_enable_worker(h, green__config.slice_ms);
    if (green__config.monitor_ms)
        green__monitor_start(h);
}

/* Whether a malloc replacement that locks pthread mutexes (jemalloc,
 * tcmalloc, mimalloc) is loaded: the scheduler lock of several workers is
 * held around allocations (libev's timer heap, fd tables), and a green
 * mutex taken inside one would wait for that lock for ever.  Known by the
 * library's name: the address of malloc tells nothing in an executable
 * whose PLT entry stands for it. */
static int replaced_malloc(struct dl_phdr_info *info, size_t size, void *arg)
{
    static const char *const names[] = {"libjemalloc", "libtcmalloc",
                                        "libmimalloc"};
    (void)size;
    (void)arg;
    for (size_t i = 0; info->dlpi_name && i < sizeof names / sizeof *names; i++)
        if (strstr(info->dlpi_name, names[i]))
            return 1;
    return 0;
}

void green__shim_start_workers(struct green__hub *h)
{
    static int started;
    if (started || green__config.workers < 2 || h != main_hub)
        return;
    started = 1;
    if (dl_iterate_phdr(replaced_malloc, NULL)) {
        green__say("greenrun: GREENRUN_WORKERS ignored: this program's "
                   "malloc is not the C library's (jemalloc, tcmalloc...), "
                   "and it takes locks greenrun's workers cannot share; "
                   "running on one worker\n");
        return;
    }
    /* Signals are kept for green threads of any worker, which count
     * greenrun's frames from the start (hooks/trap.c). */
    hook__trap_follow_frames(h);
    int r = green__workers_start(green__config.workers, setup_worker);
    if (r < 0) {
        green__say("greenrun: could not start every GREENRUN_WORKERS OS "
                   "thread (");
        green__say(strerror(-r));
        green__say("); green threads run on those that started\n");
    }
}

void green__shim_fork_child(struct green__hub *h)
{
    if (green__config.monitor_ms)
        green__monitor_start(h);
}

__attribute__((constructor)) static void greenrun_init(void)
{
    green__real_ready();
    green__config_load();
    struct green__hub *h =
        green__hub_create(green__config.stack_size, &green__process_world);
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
    green__world_add(h);
    green__debug_setup(h);
    green__shim_tls_setup(h);
    green__shim_trap_setup(h);
    green__shim_preempt_setup(h);
    hook__signals_init(h); /* after the signals greenrun owns are known */
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
