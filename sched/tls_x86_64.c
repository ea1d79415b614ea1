/*
 * tls_x86_64.c - setting the FS base without wrfsbase, and a new thread's
 * control-block header on x86-64.
 */
#include <asm/prctl.h>
#include <string.h>
#include <sys/syscall.h>

#include "thread.h"
#include "tls.h"

int green__tp_wrfsbase;

/* A raw system call: syscall() and errno may belong to a hook or to the
 * thread being left. */
void green__tp_set_syscall(void *tp)
{
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "0"((long)SYS_arch_prctl), "D"((long)ARCH_SET_FS),
                       "S"(tp)
                     : "rcx", "r11", "memory");
    green__assert(r == 0);
}

/* Give a zeroed control block the header glibc would give a new thread of
 * the process whose thread pointer is model: the same canary, pointer guard,
 * CET and vsyscall settings, pointers to itself, and "more than one thread"
 * (green threads are threads, and glibc skips malloc's locks otherwise). */
void green__tcb_init(void *tcb, const void *model)
{
    struct green__tcb_head *head = tcb;
    const struct green__tcb_head *from = model;
    void *dtv = head->dtv;
    *head = *from;
    head->tcb = tcb;
    head->self = tcb;
    head->dtv = dtv;
    head->multiple_threads = 1;
    head->gscope_flag = 0;
}
