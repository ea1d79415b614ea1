/*
 * main.c - green_main: turn the calling OS thread into a hub for a while.
 *
 * The caller's own context is adopted (uncounted, id 0) and parked until the
 * number of live green threads drops to zero, so green_main returns only
 * when every green thread, detached ones included, has ended.
 */
#include "internal.h"

GREEN_EXPORT int green_main(void *(*fn)(void *), void *arg, void **result)
{
    struct green__hub *h;
    struct green *origin, *first;
    int r;
    if (green__hub)
        return EBUSY;
    h = green__hub_create(GREEN__STACK_DEFAULT);
    if (!h)
        return EAGAIN;
    origin = green__adopt(h, 0);
    if (!origin) {
        r = ENOMEM;
        goto out_hub;
    }
    r = -green__spawn(h, &first, fn, arg, NULL);
    if (r)
        goto out_origin;
    first->is_first = 1;
    h->all_done = origin;
    green__park(h);
    h->all_done = NULL;
    if (result)
        *result = h->first_result;
out_origin:
    green__unadopt(h, origin);
out_hub:
    green__hub_destroy(h);
    return r;
}
