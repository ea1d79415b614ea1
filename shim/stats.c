/*
 * stats.c - the GREENRUN_STATS report, printed once at exit.
 *
 * The counters live in the hub (sched/internal.h) and are plain per-hub
 * increments; this file only formats them.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "shim.h"

static void emit(const char *text)
{
    const char *dest = green__config.stats;
    if (!strcmp(dest, "1")) {
        green__say(text);
        return;
    }
    int fd = open(dest, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = green__real.write(fd, text, len);
        if (n <= 0)
            break;
        text += n;
        len -= (size_t)n;
    }
    green__real.close(fd);
}

void green__stats_report_once(void)
{
    static int reported;
    struct green__hub *h = green__hub;
    char text[640];
    if (!h || !green__config.stats || reported++)
        return;
    const struct green__stats *s = &h->stats;
    snprintf(text, sizeof text,
             "greenrun: stats: pid %d: %" PRIu64 " green threads (peak %" PRIu64
             " alive), %" PRIu64 " switches, %" PRIu64 " parks (%" PRIu64
             " on fds, %" PRIu64 " with a timeout), %" PRIu64
             " calls on regular files passed through (may block), %" PRIu64
             " monitor events, %" PRIu64 " calls offloaded to the pool\n",
             (int)getpid(), s->spawned, s->peak_live, s->switches, s->parks,
             s->fd_waits, s->timed_waits, s->file_calls, s->monitor_events,
             s->offloaded);
    emit(text);
}
