/*
 * owned.c - signals greenrun takes for itself: SIGSYS for the syscall trap
 * (trap.c), SIGURG for time slices (preempt.c).
 *
 * While greenrun owns one, its handler is installed with greenrun's own
 * restorer (the trap lets a handler's return through only from greenrun's
 * text), and the program's action is kept here instead: sigaction shows
 * and sets that one (signal.c), and a signal greenrun did not send runs
 * it, as it would natively.
 */
#include <sys/syscall.h>

#include "hook.h"
#include "owned.h"
#include "trap.h"

#define MAX_OWNED 2

static struct {
    int sig;
    struct sigaction program;
} owned[MAX_OWNED];
static volatile sig_atomic_t owned_count;

static struct sigaction *program_action(int sig)
{
    for (int i = 0; i < owned_count; i++)
        if (owned[i].sig == sig)
            return &owned[i].program;
    return NULL;
}

int hook__own_signal(int sig, void (*handler)(int, siginfo_t *, void *),
                     int flags)
{
    struct sigaction act = {.sa_flags = SA_SIGINFO | flags};
    if (owned_count == MAX_OWNED)
        return -1;
    act.sa_sigaction = handler;
    sigemptyset(&act.sa_mask);
    owned[owned_count].sig = sig;
    if (hook__raw_sigaction(sig, &act, &owned[owned_count].program) < 0)
        return -1;
    owned_count++;
    return 0;
}

void hook__disown_signal(int sig)
{
    struct sigaction *program = program_action(sig);
    if (program && owned[owned_count - 1].sig == sig) {
        hook__raw_sigaction(sig, program, NULL);
        owned_count--;
    }
}

void hook__unblock_owned(sigset_t *set)
{
    for (int i = 0; i < owned_count; i++)
        sigdelset(set, owned[i].sig);
}

uint64_t hook__owned_bits(void)
{
    uint64_t bits = 0;
    for (int i = 0; i < owned_count; i++)
        bits |= 1ULL << (owned[i].sig - 1);
    return bits;
}

int hook__owns_signal(int sig)
{
    return program_action(sig) != NULL;
}

int hook__owned_sigaction(int sig, const struct sigaction *act,
                          struct sigaction *old)
{
    struct sigaction *program = program_action(sig);
    if (old)
        *old = *program;
    if (act)
        *program = *act;
    return 0;
}

void hook__owned_pass_on(int sig, siginfo_t *info, void *ctx)
{
    struct sigaction act = *program_action(sig);
    if (act.sa_handler == SIG_IGN ||
        (act.sa_handler == SIG_DFL && sig == SIGURG))
        return; /* ignored, by the program or by default */
    if (act.sa_handler == SIG_DFL) {
        /* The default action (SIGSYS: a core dump), from the kernel: put
         * it back and send the signal again. */
        long none[6] = {0};
        hook__raw_sigaction(sig, &act, NULL);
        long a[6] = {hook__raw_syscall6(SYS_getpid, none),
                     hook__raw_syscall6(SYS_gettid, none), sig};
        hook__raw_syscall6(SYS_tgkill, a);
        return;
    }
    if (act.sa_flags & SA_SIGINFO)
        act.sa_sigaction(sig, info, ctx);
    else
        act.sa_handler(sig);
}
