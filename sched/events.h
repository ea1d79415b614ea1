/*
 * events.h - waiting for whatever readiness the kernel reports
 * (sched/fd.c).
 *
 * poll, select and epoll_wait must return exactly what the kernel would,
 * so the kernel is always the one asked: a probe makes the call with a zero
 * timeout, and the wait between two probes only has to wake up when the
 * answer may have changed.  The wait is on the poll(2) bits the caller is
 * interested in, all of them, not just the two libev knows.
 */
#ifndef GREEN_EVENTS_H
#define GREEN_EVENTS_H

#include <poll.h>

#include "hub.h"

/* Ask the kernel once, without waiting: > 0 (ready), 0 (nothing of
 * interest yet) or -errno. */
typedef int (*green__probe_fn)(void *ctx);

/* Call probe until it answers something other than 0 or timeout_ns has
 * passed (< 0: never), parking in between until one of the descriptors
 * has one of the poll(2) events asked for in want[i].events, or POLLERR or
 * POLLHUP; entries with a negative fd are ignored.  Returns the probe's
 * last answer, -EINTR (a signal handler ran) or -ECANCELED. */
int green__poll_until(struct green__hub *h, const struct pollfd *want, size_t n,
                      int64_t timeout_ns, green__probe_fn probe, void *ctx);

#endif
