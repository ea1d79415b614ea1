/*
 * queue.c - the intrusive FIFO a green thread waits in.
 *
 * Every wait queue (a mutex's waiters, an fd's readers...) links its green
 * threads through their own q_prev/q_next fields, so queueing never
 * allocates, and a thread woken by something else (a timeout, a close) can
 * take itself out in O(1).
 */
#include "hub.h"

void green__queue_push(struct green__queue *q, struct green *g)
{
    green__assert(g->q == NULL);
    g->q = q;
    g->q_next = NULL;
    g->q_prev = q->tail;
    if (q->tail)
        q->tail->q_next = g;
    else
        q->head = g;
    q->tail = g;
}

void green__queue_push_front(struct green__queue *q, struct green *g)
{
    green__assert(g->q == NULL);
    g->q = q;
    g->q_prev = NULL;
    g->q_next = q->head;
    if (q->head)
        q->head->q_prev = g;
    else
        q->tail = g;
    q->head = g;
}

void green__queue_remove(struct green *g)
{
    struct green__queue *q = g->q;
    if (!q)
        return;
    if (g->q_prev)
        g->q_prev->q_next = g->q_next;
    else
        q->head = g->q_next;
    if (g->q_next)
        g->q_next->q_prev = g->q_prev;
    else
        q->tail = g->q_prev;
    g->q = NULL;
    g->q_prev = g->q_next = NULL;
}

struct green *green__queue_pop(struct green__queue *q)
{
    struct green *g = q->head;
    if (g)
        green__queue_remove(g);
    return g;
}
