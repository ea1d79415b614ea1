/*
 * parked.c - N threads parked at once, through the pthread API only, so
 * that the same binary runs under greenrun in either TLS mode (the micro
 * section of scripts/run-bench runs it there).
 *
 * Usage: parked N
 *
 * Creates N threads with default attributes, each of which blocks in
 * pthread_cond_wait, waits until all are parked, then releases and joins
 * them.  Prints one line:
 *
 *   PARKED SPAWN_MS KIB_PER_THREAD MAPPINGS_ADDED ERRNO
 *
 * SPAWN_MS is the time from the first pthread_create until every thread
 * is parked; KIB_PER_THREAD is peak resident memory (VmHWM) plus page
 * tables (VmPTE while parked), above the baseline, per parked thread;
 * MAPPINGS_ADDED counts lines of /proc/self/maps; ERRNO is what stopped
 * pthread_create early, or 0.  Exits 0 even then: the numbers say how far
 * it got.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static pthread_cond_t all_parked = PTHREAD_COND_INITIALIZER;
static long parked, wanted;
static int released;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A "VmXXX:   123 kB" line of /proc/self/status, in KiB, or 0. */
static long status_kib(const char *key)
{
    char line[256];
    long v = 0;
    size_t len = strlen(key);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, len) == 0) {
            v = strtol(line + len, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static long count_mappings(void)
{
    long lines = 0;
    int c;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    while ((c = getc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    return lines;
}

/* Writing 5 to clear_refs resets VmHWM to the current RSS. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static void *park(void *arg)
{
    pthread_mutex_lock(&lock);
    if (++parked == wanted)
        pthread_cond_signal(&all_parked);
    while (!released)
        pthread_cond_wait(&go, &lock);
    pthread_mutex_unlock(&lock);
    return arg;
}

int main(int argc, char **argv)
{
    long n = argc == 2 ? atol(argv[1]) : 0, made;
    int err = 0;
    if (n < 1) {
        fprintf(stderr, "usage: parked N\n");
        return 2;
    }
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return 1;
    long maps0 = count_mappings(), pte0 = status_kib("VmPTE:");
    reset_peak_rss();
    long rss0 = status_kib("VmHWM:");
    double t0 = now_ms();
    wanted = n;
    for (made = 0; made < n; made++)
        if ((err = pthread_create(&t[made], NULL, park, NULL)) != 0)
            break;
    pthread_mutex_lock(&lock);
    wanted = made;
    while (parked < made)
        pthread_cond_wait(&all_parked, &lock);
    pthread_mutex_unlock(&lock);
    double spawn_ms = now_ms() - t0;
    long pte = status_kib("VmPTE:"), maps = count_mappings();
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&lock);
    for (long i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    long rss = status_kib("VmHWM:");
    double kib = made ? (double)(rss - rss0 + pte - pte0) / made : 0;
    printf("%ld %.0f %.2f %ld %d\n", made, spawn_ms, kib, maps - maps0, err);
    free(t);
    return 0;
}
