/*
 * c11.c - C11 threads (<threads.h>).
 *
 * glibc implements thrd_*, mtx_*, cnd_*, tss_* and call_once by calling
 * its pthread functions directly, past the PLT, so they must be hooked
 * under their own names.  Each is the pthread call it stands for, routed
 * to our hooks, with C11's result codes.
 */
#include <stdint.h>
#include <threads.h>

#include "hook.h"

/* glibc's C11 objects are its pthread objects under other names: the casts
 * below hand them to the pthread hooks as they are. */
_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t),
               "mtx_t must be a pthread_mutex_t");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t),
               "cnd_t must be a pthread_cond_t");
_Static_assert(sizeof(((once_flag *)0)->__data) == sizeof(pthread_once_t),
               "once_flag must hold a pthread_once_t");

static int c11_result(int err)
{
    switch (err) {
    case 0:
        return thrd_success;
    case EBUSY:
        return thrd_busy;
    case ETIMEDOUT:
        return thrd_timedout;
    case ENOMEM:
    case EAGAIN:
        return thrd_nomem;
    default:
        return thrd_error;
    }
}

/* A thrd_start_t returns int where a pthread start routine returns void *;
 * glibc makes the same call and narrows the result back in thrd_join. */
HOOK int thrd_create(thrd_t *t, thrd_start_t fn, void *arg)
{
    void *(*start)(void *) = (void *(*)(void *))(void (*)(void))fn;
    return c11_result(pthread_create(t, NULL, start, arg));
}

HOOK int thrd_join(thrd_t t, int *result)
{
    void *value;
    int r = pthread_join(t, &value);
    if (r == 0 && result)
        *result = (int)(intptr_t)value;
    return c11_result(r);
}

HOOK int thrd_detach(thrd_t t)
{
    return c11_result(pthread_detach(t));
}

HOOK thrd_t thrd_current(void)
{
    return pthread_self();
}

HOOK int thrd_equal(thrd_t a, thrd_t b)
{
    return a == b;
}

HOOK int thrd_sleep(const struct timespec *duration, struct timespec *rest)
{
    if (nanosleep(duration, rest) == 0)
        return 0;
    return errno == EINTR ? -1 : -2;
}

HOOK void thrd_yield(void)
{
    sched_yield();
}

HOOK void thrd_exit(int result)
{
    pthread_exit((void *)(intptr_t)result);
}

HOOK int mtx_init(mtx_t *m, int type)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, type & mtx_recursive
                                         ? PTHREAD_MUTEX_RECURSIVE
                                         : PTHREAD_MUTEX_NORMAL);
    int r = pthread_mutex_init((pthread_mutex_t *)m, &attr);
    pthread_mutexattr_destroy(&attr);
    return c11_result(r);
}

HOOK int mtx_lock(mtx_t *m)
{
    return c11_result(pthread_mutex_lock((pthread_mutex_t *)m));
}

HOOK int mtx_trylock(mtx_t *m)
{
    return c11_result(pthread_mutex_trylock((pthread_mutex_t *)m));
}

HOOK int mtx_timedlock(mtx_t *restrict m,
                       const struct timespec *restrict deadline)
{
    return c11_result(pthread_mutex_timedlock((pthread_mutex_t *)m, deadline));
}

HOOK int mtx_unlock(mtx_t *m)
{
    return c11_result(pthread_mutex_unlock((pthread_mutex_t *)m));
}

HOOK void mtx_destroy(mtx_t *m)
{
    pthread_mutex_destroy((pthread_mutex_t *)m);
}

HOOK int cnd_init(cnd_t *c)
{
    return c11_result(pthread_cond_init((pthread_cond_t *)c, NULL));
}

HOOK int cnd_signal(cnd_t *c)
{
    return c11_result(pthread_cond_signal((pthread_cond_t *)c));
}

HOOK int cnd_broadcast(cnd_t *c)
{
    return c11_result(pthread_cond_broadcast((pthread_cond_t *)c));
}

HOOK int cnd_wait(cnd_t *c, mtx_t *m)
{
    return c11_result(
        pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

HOOK int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m,
                       const struct timespec *restrict deadline)
{
    return c11_result(pthread_cond_timedwait((pthread_cond_t *)c,
                                             (pthread_mutex_t *)m, deadline));
}

HOOK void cnd_destroy(cnd_t *c)
{
    pthread_cond_destroy((pthread_cond_t *)c);
}

HOOK int tss_create(tss_t *key, tss_dtor_t destructor)
{
    return c11_result(pthread_key_create(key, destructor));
}

HOOK void tss_delete(tss_t key)
{
    pthread_key_delete(key);
}

HOOK void *tss_get(tss_t key)
{
    return pthread_getspecific(key);
}

HOOK int tss_set(tss_t key, void *value)
{
    return c11_result(pthread_setspecific(key, value));
}

HOOK void call_once(once_flag *flag, void (*fn)(void))
{
    pthread_once((pthread_once_t *)&flag->__data, fn);
}
