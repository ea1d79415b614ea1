/*
 * overflow.c - name the green thread whose stack overflowed.
 *
 * A green thread that runs off the low end of its stack touches the guard
 * page and takes SIGSEGV.  The handler runs on an alternate signal stack
 * (the faulting stack is unusable), checks whether the fault address lies in
 * the current green thread's guard page, and if so prints one line naming
 * the thread and its stack size, then aborts.  Faults elsewhere go to the
 * handler that was installed before ours, or kill the process as usual.
 *
 * The two halves have different owners.  The SIGSEGV disposition belongs
 * to the process: the first hub installs the handler and the last one to
 * go puts the previous one back.  The alternate stack belongs to one OS
 * thread, as sigaltstack() itself does: every hub gives its own OS thread
 * a stack and, when it goes, gives that thread back the stack it had
 * before.  A stack left registered on a thread after its hub is gone would
 * be freed memory the kernel may still push a signal frame onto, and
 * AddressSanitizer unmaps whatever alternate stack a thread has when the
 * thread exits, so it would unmap part of the heap.
 *
 * What a thread's stack replaced is kept in a header at the base of the
 * allocation, and the headers are listed, so that no thread-local variable
 * is needed (green threads may run with thread-local storage of their own)
 * and a stack the program registered itself is never taken for ours.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "real.h"

#define ALT_STACK_SIZE (64 * 1024)

/* The start of every alternate stack this file hands to the kernel. */
struct alt_header {
    struct alt_header *next; /* in alt_stacks */
    stack_t previous;        /* the OS thread's alternate stack before ours */
} __attribute__((aligned(16)));

/* Guards the handler's install count and the list of our stacks. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous_action;
static int hubs_with_handler;
static struct alt_header *alt_stacks; /* registered on some OS thread */

static int in_guard_page(const struct green *g, const char *addr)
{
    return g && g->stack.map && addr >= (char *)g->stack.map &&
           addr < g->stack.lo;
}

static void report_overflow(const struct green *g)
{
    char id[24], kib[24];
    green__say("greenrun: green thread ");
    green__say(green__format_decimal(id + sizeof id, (unsigned long)g->id));
    if (g->name[0]) {
        green__say(" (");
        green__say(g->name);
        green__say(")");
    }
    green__say(" overflowed its ");
    green__say(green__format_decimal(kib + sizeof kib,
                                     (unsigned long)(g->usable_size / 1024)));
    green__say(" KiB stack (set GREENRUN_STACK_SIZE)\n");
}

static void reset_to_default(int sig)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    green__real.sigaction(sig, &dfl, NULL);
}

static void pass_on(int sig, siginfo_t *info, void *ctx)
{
    if (previous_action.sa_flags & SA_SIGINFO) {
        previous_action.sa_sigaction(sig, info, ctx);
        return;
    }
    if (previous_action.sa_handler != SIG_DFL &&
        previous_action.sa_handler != SIG_IGN) {
        previous_action.sa_handler(sig);
        return;
    }
    /* Default action: return and let the fault repeat without us. */
    reset_to_default(sig);
}

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
    struct green__hub *h = green__hub;
    struct green *g = h ? h->current : NULL;
    if (in_guard_page(g, info->si_addr)) {
        report_overflow(g);
        reset_to_default(SIGABRT);
        abort();
    }
    pass_on(sig, info, ctx);
}

/* Give the calling OS thread an alternate stack of ours. */
static int altstack_push(void)
{
    struct alt_header *a = malloc(sizeof *a + ALT_STACK_SIZE);
    stack_t ss = {.ss_sp = a + 1, .ss_size = ALT_STACK_SIZE};
    if (!a)
        return -ENOMEM;
    if (sigaltstack(&ss, &a->previous) < 0) {
        free(a);
        return -ENOMEM;
    }
    green__real.pthread_mutex_lock(&lock);
    a->next = alt_stacks;
    alt_stacks = a;
    green__real.pthread_mutex_unlock(&lock);
    return 0;
}

/* Take the header of the stack at sp off the list; NULL if not ours. */
static struct alt_header *unlist(const void *sp)
{
    struct alt_header **p, *a = NULL;
    green__real.pthread_mutex_lock(&lock);
    for (p = &alt_stacks; *p; p = &(*p)->next) {
        if (*p + 1 == sp) {
            a = *p;
            *p = a->next;
            break;
        }
    }
    green__real.pthread_mutex_unlock(&lock);
    return a;
}

/*
 * Give the calling OS thread back the stack it had before ours.  If the
 * program has put in one of its own meanwhile, that one stays, and ours,
 * no longer known to the kernel, stays listed: 64 KiB, once per hub.
 */
static void altstack_pop(void)
{
    stack_t cur;
    struct alt_header *a;
    if (sigaltstack(NULL, &cur) < 0 || (cur.ss_flags & SS_DISABLE))
        return;
    a = unlist(cur.ss_sp);
    if (!a)
        return;
    sigaltstack(&a->previous, NULL);
    free(a);
}

static int handler_install(void)
{
    struct sigaction action;
    int r = 0;
    green__real.pthread_mutex_lock(&lock);
    if (hubs_with_handler == 0) {
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_segv;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        if (green__real.sigaction(SIGSEGV, &action, &previous_action) < 0)
            r = -ENOMEM;
    }
    if (r == 0)
        hubs_with_handler++;
    green__real.pthread_mutex_unlock(&lock);
    return r;
}

static void handler_uninstall(void)
{
    green__real.pthread_mutex_lock(&lock);
    if (--hubs_with_handler == 0)
        green__real.sigaction(SIGSEGV, &previous_action, NULL);
    green__real.pthread_mutex_unlock(&lock);
}

/* Called by each hub, on its own OS thread, when it starts. */
int green__overflow_install(void)
{
    int r = altstack_push();
    if (r < 0)
        return r;
    r = handler_install();
    if (r < 0)
        altstack_pop();
    return r;
}

/* Called by each hub, on its own OS thread, when it ends. */
void green__overflow_uninstall(void)
{
    handler_uninstall();
    altstack_pop();
}
