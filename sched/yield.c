/*
 * yield.c - yield to other green threads after a long run of calls that
 * did not park (see yield.h).
 *
 * The count is per OS thread, not per green thread: it is only compared
 * every GREEN__FAIR_CALLS calls, and a run counts only if no switch
 * happened since it began, so a thread yields after between one and two
 * times GREEN__FAIR_CALLS calls of its own in a row.
 *
 * Whether another thread could run is decided without the hub when
 * possible: one in the run queue is known.  Otherwise the others are
 * parked, and one of them may have its fd ready or its timer due without
 * the hub knowing, since it has not polled while this thread ran.  Then
 * the loop is polled from here, without waiting: its callbacks only move
 * threads to the run queue, never switch, and the hub itself runs the
 * loop only between switches, so the loop is never entered twice.  If
 * nobody became runnable, the caller goes on without any switch.
 */
#include "yield.h"

__thread struct green__streak green__streak
    __attribute__((tls_model("initial-exec")));

void green__yield_if_others(struct green__hub *h)
{
    struct green__streak *s = &green__streak;
    int saved_errno = errno;
    s->calls = 0;
    if (s->switches != h->stats.switches) {
        /* Someone parked since the run began: not one thread's run. */
        s->switches = h->stats.switches;
        return;
    }
    if (!h->runq_head && h->live > 1 && h->loop)
        ev_run(h->loop, EVRUN_NOWAIT);
    if (h->runq_head) {
        green__runq_push(h, h->current);
        green__schedule(h);
        /* Others counted their calls meanwhile: start afresh. */
        s->calls = 0;
    }
    s->switches = h->stats.switches;
    errno = saved_errno;
}
