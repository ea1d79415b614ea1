/*
 * raw_x86_64.h - system calls made without libc, on x86-64.
 *
 * For messages that must get out while the table of real functions is not
 * filled: write() and _exit() are greenrun's own hooks, and syscall() is
 * one too, so each of them would come back for the table being filled.
 */
#ifndef GREEN_RAW_X86_64_H
#define GREEN_RAW_X86_64_H

#include <stddef.h>
#include <sys/syscall.h>

static inline long green__raw_syscall3(long number, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "0"(number), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

/* One write(2); a message to stderr has nowhere to report its own loss. */
static inline void green__raw_write(int fd, const void *buf, size_t len)
{
    green__raw_syscall3(SYS_write, fd, (long)buf, (long)len);
}

static inline __attribute__((noreturn)) void green__raw_exit(int status)
{
    for (;;)
        green__raw_syscall3(SYS_exit_group, status, 0, 0);
}

#endif
