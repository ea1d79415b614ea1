/*
 * trap_x86_64.c - what the syscall trap needs of x86-64: the registers of
 * a trapped call in a signal frame, raw system calls, and a signal
 * restorer that lives in greenrun's own text.
 */
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "hook.h"
#include "trap.h"

/* The system call instruction (0f 05) that a trap rewinds over. */
#define SYSCALL_INSN_SIZE 2

/* The kernel's struct sigaction for rt_sigaction on x86-64. */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

#define KERNEL_SA_RESTORER 0x04000000

/* Returns from a handler with rt_sigreturn, from greenrun's text.  glibc's
 * own restorer is in libc's text, which dispatch traps while the program
 * runs: a handler's return would trap in turn. */
void green__trap_restorer(void);
__asm__(".pushsection .text\n"
        ".type green__trap_restorer, @function\n"
        "green__trap_restorer:\n"
        "    mov $15, %eax\n" /* SYS_rt_sigreturn */
        "    syscall\n"
        "    hlt\n"
        ".size green__trap_restorer, . - green__trap_restorer\n"
        ".popsection\n");

uintptr_t hook__trap_pc(const void *ctx)
{
    return (uintptr_t)((const ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
}

const uintptr_t *hook__trap_sp(const void *ctx)
{
    return (const uintptr_t *)((const ucontext_t *)ctx)
        ->uc_mcontext.gregs[REG_RSP];
}

void hook__trap_args(const void *ctx, long args[6])
{
    const greg_t *r = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    args[0] = r[REG_RDI];
    args[1] = r[REG_RSI];
    args[2] = r[REG_RDX];
    args[3] = r[REG_R10];
    args[4] = r[REG_R8];
    args[5] = r[REG_R9];
}

void hook__trap_set_result(void *ctx, long r)
{
    ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = r;
}

void hook__trap_rewind(void *ctx)
{
    ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] -= SYSCALL_INSN_SIZE;
}

unsigned long *hook__trap_saved_mask(void *ctx)
{
    /* The kernel saves the 64-bit mask it knows in the first word. */
    return (unsigned long *)&((ucontext_t *)ctx)->uc_sigmask;
}

long hook__raw_syscall6(long number, const long a[6])
{
    long r;
    register long r10 __asm__("r10") = a[3];
    register long r8 __asm__("r8") = a[4];
    register long r9 __asm__("r9") = a[5];
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "0"(number), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10),
                       "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

long hook__raw_sigaction(int sig, const struct sigaction *act,
                         struct sigaction *old)
{
    struct kernel_sigaction k, kold;
    if (act) {
        k.handler = (void *)act->sa_handler;
        k.flags = (unsigned long)act->sa_flags | KERNEL_SA_RESTORER;
        k.restorer = green__trap_restorer;
        memcpy(&k.mask, &act->sa_mask, sizeof k.mask);
    }
    long a[6] = {sig, act ? (long)&k : 0, old ? (long)&kold : 0, sizeof k.mask};
    long r = hook__raw_syscall6(SYS_rt_sigaction, a);
    if (r == 0 && old) {
        memset(old, 0, sizeof *old);
        old->sa_handler = (__sighandler_t)kold.handler;
        old->sa_flags = (int)kold.flags; /* SA_RESTORER too, as glibc */
        memcpy(&old->sa_mask, &kold.mask, sizeof kold.mask);
    }
    return r;
}

_Static_assert(SYS_rt_sigreturn == 15, "the restorer's system call number");
