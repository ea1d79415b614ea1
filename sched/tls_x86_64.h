/*
 * tls_x86_64.h - the thread pointer and glibc's thread-control-block header
 * on x86-64.
 *
 * The thread pointer is the FS base.  glibc keeps a struct pthread there
 * whose first bytes (tcbhead_t) are read by compiled code at fixed offsets:
 * the stack-protector canary at %fs:0x28 is part of the psABI, the pointer
 * guard at %fs:0x30 is glibc's ABI with itself (setjmp, atexit).
 */
#ifndef GREEN_TLS_X86_64_H
#define GREEN_TLS_X86_64_H

#include <stddef.h>
#include <stdint.h>

struct green__tcb_head {
    void *tcb;  /* the thread pointer itself: %fs:0 */
    void *dtv;  /* the dynamic thread vector, set by the loader */
    void *self; /* THREAD_SELF: the struct pthread */
    int multiple_threads;
    int gscope_flag;
    uintptr_t sysinfo;
    uintptr_t stack_guard;
    uintptr_t pointer_guard;
    unsigned long vgetcpu_cache[2];
    unsigned feature_1; /* CET */
    int unused1;
    void *private_tm[4];
    void *private_ss;
    unsigned long long ssp_base;
};
_Static_assert(offsetof(struct green__tcb_head, stack_guard) == 0x28,
               "the psABI reads the stack canary at %fs:0x28");
_Static_assert(offsetof(struct green__tcb_head, pointer_guard) == 0x30,
               "glibc reads the pointer guard at %fs:0x30");
_Static_assert(sizeof(struct green__tcb_head) == 0x80,
               "glibc's tcbhead_t is 0x80 bytes up to its padding");

/* Use wrfsbase (set once by green__tls_enable); else arch_prctl. */
extern int green__tp_wrfsbase;

static inline void *green__tp_get(void)
{
    void *tp;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    return tp;
}

void green__tp_set_syscall(void *tp);

/* The compiler must not move TLS accesses across this: "memory". */
static inline void green__tp_set(void *tp)
{
    if (__builtin_expect(green__tp_wrfsbase, 1))
        __asm__ volatile("wrfsbase %0" : : "r"(tp) : "memory");
    else
        green__tp_set_syscall(tp);
}

#endif
