/*
 * stats.c - the GREENRUN_STATS report, printed once at exit.
 *
 * The counters live in the hub (sched/hub.h) and are plain per-hub
 * increments; this file only formats them: the process's total, and with
 * several workers (GREENRUN_WORKERS) each one's share at the end of the
 * same line, so that the report stays one line per process.
 *
 * "At exit" includes the end a signal's default action brings: a program
 * stopped with ^C or kill runs no atexit handler, and its report would be
 * lost.  So for the signals that end programs in ordinary use, if the
 * program starts with their default action, a last word is left with
 * hooks/signal.c: the report, then the default action as before (the exit
 * status still says which signal).  That is why the report is built
 * without stdio or allocation: it may be written from a signal handler.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "last_words.h"
#include "line.h"
#include "real.h"
#include "shim.h"
#include "world.h"

/* The hub of the OS thread the program started on: a signal may be
 * handled on another one (the monitor's), which has none. */
static struct green__hub *process_hub;

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

/* A number, then the text that follows it. */
static void add_count(struct green__line *l, uint64_t value, const char *after)
{
    green__line_dec(l, (unsigned long)value);
    green__line_add(l, after);
}

static void format(struct green__line *l, const struct green__stats *s)
{
    green__line_add(l, "greenrun: stats: pid ");
    add_count(l, (uint64_t)getpid(), ": ");
    add_count(l, s->spawned, " green threads (peak ");
    add_count(l, s->peak_live, " alive), ");
    add_count(l, s->switches, " switches, ");
    add_count(l, s->parks, " parks (");
    add_count(l, s->fd_waits, " on fds, ");
    add_count(l, s->timed_waits, " with a timeout), ");
    add_count(l, s->file_calls,
              " calls on regular files passed through (may block), ");
    add_count(l, s->monitor_events, " monitor events, ");
    add_count(l, s->preemptions, " preemptions (");
    add_count(l, s->preempt_deferred, " ticks deferred), ");
    add_count(l, s->offloaded, " calls offloaded to the pool");
}

/* "; per worker (threads, switches, parks, preemptions): [a, b, c, d]..." */
static void format_workers(struct green__line *l, const struct green__world *w)
{
    green__line_add(l, "; per worker (threads, switches, parks, "
                       "preemptions):");
    for (unsigned i = 0; i < w->hub_count; i++) {
        const struct green__stats *s = &w->hubs[i]->stats;
        green__line_add(l, " [");
        add_count(l, s->spawned, ", ");
        add_count(l, s->switches, ", ");
        add_count(l, s->parks, ", ");
        add_count(l, s->preemptions, "]");
    }
}

static void add_stats(struct green__stats *sum, const struct green__stats *s)
{
    sum->spawned += s->spawned;
    sum->switches += s->switches;
    sum->parks += s->parks;
    sum->fd_waits += s->fd_waits;
    sum->timed_waits += s->timed_waits;
    sum->file_calls += s->file_calls;
    sum->monitor_events += s->monitor_events;
    sum->offloaded += s->offloaded;
    sum->preemptions += s->preemptions;
    sum->preempt_deferred += s->preempt_deferred;
}

void green__stats_report_once(void)
{
    static int reported;
    struct green__hub *h = green__hub ? green__hub : process_hub;
    struct green__line l = {.len = 0};
    if (!h || !green__config.stats ||
        __atomic_exchange_n(&reported, 1, __ATOMIC_SEQ_CST))
        return;
    struct green__world *w = h->world;
    struct green__stats total = h->stats;
    if (w->hub_count > 1) {
        total = (struct green__stats){.peak_live = w->peak_live};
        for (unsigned i = 0; i < w->hub_count; i++)
            add_stats(&total, &w->hubs[i]->stats);
    }
    format(&l, &total);
    if (w->hub_count > 1)
        format_workers(&l, w);
    green__line_add(&l, "\n");
    emit(l.text);
}

/* Leave the last words with hooks/signal.c; called by the constructor
 * (init.c) once the settings are read and the hub is made. */
void green__stats_watch_signals(void)
{
    static const int fatal[] = {SIGHUP, SIGINT, SIGTERM, SIGPIPE};
    if (!green__config.stats || !green__hub)
        return;
    process_hub = green__hub;
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        hook__last_words(fatal[i], green__stats_report_once);
}
