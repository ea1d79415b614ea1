/*
 * yield.c - yield to other green threads after a long run of calls that
 * did not park (see yield.h).
 *
 * The count is per OS thread, not per green thread: it is only compared
 * every GREEN__FAIR_CALLS calls, and a run counts only if no switch
 * happened since it began, so a thread yields after between one and two
 * times GREEN__FAIR_CALLS calls of its own in a row.
 *
 * Parked threads may have their fd ready or their timer due without the
 * hub knowing: it polls only when the run queue empties or after a long
 * run of direct switches, and threads that never park can keep the queue
 * full between them (they yield to each other), starving the parked ones.
 * So the loop is polled from here first, without waiting: its callbacks
 * only move threads to the run queue, never switch, and the hub itself
 * runs the loop only between switches, so the loop is never entered
 * twice.  The caller then goes to the back of the queue, behind what the
 * poll woke; if nobody is runnable it goes on without any switch.
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
    if (h->live > 1 && h->loop)
        ev_run(h->loop, EVRUN_NOWAIT);
    if (h->runq_head) {
        green__yield(h);
        /* Others counted their calls meanwhile: start afresh. */
        s->calls = 0;
    }
    s->switches = h->stats.switches;
    errno = saved_errno;
}
