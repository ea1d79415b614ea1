/*
 * main.c - green_main: turn the calling OS thread into a hub for a while.
 *
 * The caller's own context is adopted (uncounted, id 0) and parked until the
 * number of live green threads drops to zero, so green_main returns only
 * when every green thread, detached ones included, has ended.
 */
#include "hub.h"
#include "world.h"

GREEN_EXPORT int green_main(void *(*fn)(void *), void *arg, void **result)
{
    return green_main_workers(1, fn, arg, result);
}

/* green_main_workers in the core's convention: 0 or -errno. */
static int run_main(unsigned workers, void *(*fn)(void *), void *arg,
                    void **result)
{
    struct green__hub *h;
    struct green *origin, *first;
    int r;
    if (green__hub)
        return -EBUSY;
    if (workers < 1 || workers > GREEN__WORKERS_MAX)
        return -EINVAL;
    struct green__world *w = green__world_new();
    h = w ? green__hub_create(GREEN__STACK_DEFAULT, w) : NULL;
    if (!h) {
        green__world_free(w);
        return -EAGAIN;
    }
    green__world_add(h);
    origin = green__adopt(h, 0);
    if (!origin) {
        r = -ENOMEM;
        goto out_hub;
    }
    /* The first thread is placed before the workers start, on this hub:
     * it must not run before it is marked first. */
    r = green__spawn(h, &first, fn, arg, NULL);
    if (r)
        goto out_origin;
    first->is_first = 1;
    if (workers > 1 && green__workers_start(workers, NULL) != 0) {
        /* fn has not run: let it, on the workers that did start (the
         * caller hears of the failure, as of a failed spawn). */
        green__say("greenrun: green_main_workers: not every worker could "
                   "start\n");
    }
    green__lock();
    w->all_done = origin;
    green__park(h);
    w->all_done = NULL;
    green__unlock();
    if (result)
        *result = w->first_result;
    green__workers_stop(w);
out_origin:
    green__unadopt(h, origin);
out_hub:
    green__hub_destroy(h);
    green__world_free(w);
    return r;
}

GREEN_EXPORT int green_main_workers(unsigned workers, void *(*fn)(void *),
                                    void *arg, void **result)
{
    return green__api_result(run_main(workers, fn, arg, result));
}
