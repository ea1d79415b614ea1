/*
 * thread_costs.c - what a thread costs, measured through the pthread API
 * only, so that the same binary runs natively and under greenrun in either
 * TLS mode (scripts/bench-threads compares them):
 *
 *   switch N   two threads alternate with sched_yield, N times each:
 *              nanoseconds per switch
 *   spawn N    pthread_create + pthread_join of an empty thread, N times:
 *              nanoseconds per pair
 *   parked N   N threads at once, each blocked in pthread_cond_wait:
 *              KiB per thread of resident memory plus page tables
 *   syscall N  getppid N times while another thread is alive: a system
 *              call no hook sees, in nanoseconds (what the syscall trap
 *              costs where it applies)
 *
 * Linked with libstdc++ (never called) so that its TLS counts, as in a
 * C++ program.  Prints one number.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long yields;

static void *yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < yields; i++)
        sched_yield();
    return NULL;
}

static double bench_switch(long n)
{
    pthread_t a, b;
    yields = n;
    double t0 = now_ns();
    pthread_create(&a, NULL, yielder, NULL);
    pthread_create(&b, NULL, yielder, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return (now_ns() - t0) / (2.0 * n);
}

static void *empty(void *arg)
{
    return arg;
}

static double bench_spawn(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, empty, NULL) != 0) {
            fprintf(stderr, "pthread_create failed after %ld\n", i);
            exit(1);
        }
        pthread_join(t, NULL);
    }
    return (now_ns() - t0) / n;
}

/* Resident memory plus page tables, in KiB. */
static long footprint_kib(void)
{
    char line[256];
    long rss = 0, pte = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        exit(1);
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &rss);
        sscanf(line, "VmPTE: %ld", &pte);
    }
    fclose(f);
    return rss + pte;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static pthread_cond_t parked_cond = PTHREAD_COND_INITIALIZER;
static long parked, released;

static void *park(void *arg)
{
    pthread_mutex_lock(&lock);
    parked++;
    pthread_cond_signal(&parked_cond);
    while (!released)
        pthread_cond_wait(&go, &lock);
    pthread_mutex_unlock(&lock);
    return arg;
}

static double bench_parked(long n)
{
    pthread_attr_t attr;
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!t)
        exit(1);
    /* Natively glibc would reserve 8 MiB stacks; keep the native row
     * comparable with greenrun's default. */
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    long before = footprint_kib();
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, park, NULL) != 0) {
            fprintf(stderr, "pthread_create failed after %ld\n", i);
            exit(1);
        }
    pthread_mutex_lock(&lock);
    while (parked < n)
        pthread_cond_wait(&parked_cond, &lock);
    pthread_mutex_unlock(&lock);
    long after = footprint_kib();
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&lock);
    for (long i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
    return (double)(after - before) / n;
}

static void *wait_for_release(void *arg)
{
    pthread_mutex_lock(&lock);
    while (!released)
        pthread_cond_wait(&go, &lock);
    pthread_mutex_unlock(&lock);
    return arg;
}

static double bench_syscall(long n)
{
    pthread_t t;
    pthread_create(&t, NULL, wait_for_release, NULL);
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        getppid();
    double per_call = (now_ns() - t0) / n;
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return per_call;
}

int main(int argc, char **argv)
{
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (argc != 3 || n < 1) {
        fprintf(stderr, "usage: thread_costs switch|spawn|parked|syscall N\n");
        return 2;
    }
    double v;
    if (!strcmp(argv[1], "switch"))
        v = bench_switch(n);
    else if (!strcmp(argv[1], "spawn"))
        v = bench_spawn(n);
    else if (!strcmp(argv[1], "parked"))
        v = bench_parked(n);
    else if (!strcmp(argv[1], "syscall"))
        v = bench_syscall(n);
    else
        return 2;
    printf("%.2f\n", v);
    return 0;
}
