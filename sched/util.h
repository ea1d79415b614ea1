/*
 * util.h - what every file of the core (sched/) shares: the export mark,
 * invariants, signal-safe messages and the error convention.
 *
 * The core knows nothing of LD_PRELOAD or of libc's errno conventions: its
 * functions return >= 0 or -errno, and the API's pthread-style functions
 * (and the hooks) turn a result into a positive code in one place,
 * green__api_result.  errno is touched only to save and restore it per
 * green thread on every switch.
 *
 * The core's headers, one per module: util.h, real.h (the table of real
 * libc functions), thread.h (green threads, their stacks and queues),
 * hub.h (the hub of an OS thread: run queue, parking, timeouts), world.h
 * (the hubs of a process and the scheduler lock), fd.h, sync.h,
 * offload.h, cpuclock.h, observe.h, events.h, tls.h, yield.h and
 * sanitize.h.
 */
#ifndef GREEN_UTIL_H
#define GREEN_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "green.h"

#define GREEN_EXPORT __attribute__((visibility("default")))

/* The one place where a core result (0 or -errno) becomes what the API's
 * pthread-style functions return (0 or a positive errno, green.h). */
static inline int green__api_result(int r)
{
    return -r;
}

#define green__container_of(ptr, type, member)                                 \
    ((type *)((char *)(ptr)-offsetof(type, member)))

/* Checked in every build, NDEBUG or not: a broken invariant is a bug. */
#define green__assert(cond)                                                    \
    ((cond) ? (void)0 : green__assert_fail(#cond, __FILE__, __LINE__))
void green__assert_fail(const char *expr, const char *file, int line)
    __attribute__((noreturn));

/* Write a message to stderr without stdio or allocation (signal-safe). */
void green__say(const char *msg);
/* Write value in decimal, ending just before end; returns its start.
 * Signal-safe, for green__say. */
char *green__format_decimal(char *end, unsigned long value);

#endif
