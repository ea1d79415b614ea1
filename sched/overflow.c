/*
 * overflow.c - name the green thread whose stack overflowed.
 *
 * A green thread that runs off the low end of its stack touches the guard
 * page and takes SIGSEGV.  The handler runs on an alternate signal stack
 * (the faulting stack is unusable), checks whether the fault address lies in
 * the current green thread's guard page, and if so prints one line naming
 * the thread and its stack size, then aborts.  Faults elsewhere go to the
 * handler that was installed before ours, or kill the process as usual.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define ALT_STACK_SIZE (64 * 1024)

static struct sigaction previous_action;
static stack_t previous_alt_stack;
static void *alt_stack;
static int installed;

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

int green__overflow_install(void)
{
    struct sigaction action;
    stack_t ss;
    if (installed++)
        return 0;
    alt_stack = malloc(ALT_STACK_SIZE);
    if (!alt_stack)
        goto err;
    ss.ss_sp = alt_stack;
    ss.ss_size = ALT_STACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, &previous_alt_stack) < 0)
        goto err_free;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (green__real.sigaction(SIGSEGV, &action, &previous_action) < 0)
        goto err_altstack;
    return 0;

err_altstack:
    sigaltstack(&previous_alt_stack, NULL);
err_free:
    free(alt_stack);
err:
    installed = 0;
    return -ENOMEM;
}

void green__overflow_uninstall(void)
{
    if (--installed > 0)
        return;
    green__real.sigaction(SIGSEGV, &previous_action, NULL);
    sigaltstack(&previous_alt_stack, NULL);
    free(alt_stack);
    alt_stack = NULL;
}
