/*
 * tsd.c - thread-specific data: pthread_key_create, key_delete,
 * getspecific, setspecific.
 *
 * glibc keeps values per OS thread, and all green threads share one, so the
 * values of green threads live with them (sched/specific.c).  The adopted
 * main thread is the OS thread's own and keeps using glibc's values, and so
 * do keys created before the constructor ran: libraries set up then keep
 * per-OS-thread state in them (the sanitizers keep their thread record in
 * one), which every green thread of the OS thread shares, as it shares
 * __thread variables.  Keys come
 * from glibc, so native threads keep using its values; the destructor of
 * each key is remembered here and run when a green thread ends, for up to
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds while destructors keep setting
 * values, as POSIX describes.
 */
#include <limits.h>

#include "deliver.h"
#include "hook.h"
#include "kept.h"

static void (*destructors[GREEN__KEYS_MAX])(void *);
static unsigned char deleted[GREEN__KEYS_MAX];       /* until created again */
static unsigned char per_os_thread[GREEN__KEYS_MAX]; /* created early */

/* One round over the keys; nonzero if a destructor ran. */
static int destroy_round(struct green *g)
{
    int called = 0;
    for (unsigned k = 0; k < GREEN__KEYS_MAX; k++) {
        void *value = green__specific_get(g, k);
        if (!value || !destructors[k])
            continue;
        green__specific_set(g, k, NULL);
        destructors[k](value);
        called = 1;
    }
    return called;
}

static void run_destructors(struct green *g)
{
    for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++)
        if (!g->specific || !destroy_round(g))
            break;
}

/* Installed once a key is created, a green thread holds one of glibc's
 * locks (kept.c) or a thread is created (signals kept for it go).  glibc's
 * order: key destructors as the thread leaves, then, as the kernel sees it
 * exit, its robust mutexes. */
void hook__thread_ends(struct green *g)
{
    run_destructors(g);
    hook__kept_thread_ends(g);
    hook__signals_forget(g);
}

HOOK int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
    int r = real()->pthread_key_create(key, destructor);
    if (r == 0 && *key < GREEN__KEYS_MAX) {
        destructors[*key] = destructor;
        deleted[*key] = 0;
        per_os_thread[*key] = green__hub == NULL;
        green__thread_exit_hook = hook__thread_ends;
    }
    return r;
}

/* A key number may be handed out again: its old values must not show. */
HOOK int pthread_key_delete(pthread_key_t key)
{
    int r = real()->pthread_key_delete(key);
    if (r == 0 && key < GREEN__KEYS_MAX) {
        destructors[key] = NULL;
        deleted[key] = 1;
        if (green__hub)
            green__specific_forget(green__hub, key);
    }
    return r;
}

/* The green thread whose value of key we keep, or NULL where glibc keeps
 * it. */
static struct green *keeper(pthread_key_t key)
{
    struct green *self = green__current();
    if (!self || self == self->hub->main_thread)
        return NULL;
    return key < GREEN__KEYS_MAX && per_os_thread[key] ? NULL : self;
}

HOOK void *pthread_getspecific(pthread_key_t key)
{
    struct green *self = keeper(key);
    if (!self)
        return real()->pthread_getspecific(key);
    return green__specific_get(self, key);
}

HOOK int pthread_setspecific(pthread_key_t key, const void *value)
{
    struct green *self = keeper(key);
    if (!self)
        return real()->pthread_setspecific(key, value);
    if (key < GREEN__KEYS_MAX && deleted[key])
        return EINVAL;
    return green__api_result(green__specific_set(self, key, (void *)value));
}
