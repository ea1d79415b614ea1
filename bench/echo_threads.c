/*
 * echo_threads.c - the benchmark's thread-per-connection echo server.
 *
 * Usage: echo_threads [--port-file PATH]
 *
 * An ordinary blocking pthread program that knows nothing of greenrun:
 * scripts/bench-echo runs this same binary natively and under
 * scripts/greenrun.  It listens on 127.0.0.1 at an ephemeral port, prints
 * "listening on PORT" and, with --port-file, writes "PORT\n" to PATH.tmp
 * and renames it to PATH, so a script polling for PATH never reads half a
 * number.  main accepts in a loop and gives each connection a detached
 * thread with a 64 KiB stack, which copies read() to write() until end of
 * file or an error.  It runs until killed.
 *
 * echo_green.c and echo_libev.c are the same server written against the
 * explicit API and as libev callbacks; keep the three alike.
 *
 * With ECHO_HOG_SECONDS=S in the environment, one more thread waits 1.5 s
 * (while the load generator connects and warms up) and then computes for S
 * seconds without a single system call: what time slices are for
 * (scripts/bench-preempt).
 *
 * With ECHO_WORK_ROUNDS=R, each connection hashes every message it read R
 * times (FNV-1a over the bytes) before echoing it: a server whose work per
 * message is CPU, what several workers are for (scripts/bench-workers).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve_threads.h"

#define BUF_SIZE 16384

static unsigned work_rounds; /* ECHO_WORK_ROUNDS */
static volatile uint64_t work_sink;

/* R rounds of FNV-1a over the message, kept from being optimised away. */
static void work(const char *buf, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned r = 0; r < work_rounds; r++)
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
    work_sink = h;
}

static void *connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0 && work_rounds)
            work(buf, (size_t)n);
        if (n <= 0 || write_all(fd, buf, (size_t)n) != 0)
            break;
    }
    close(fd);
    return NULL;
}

static void *hog(void *arg)
{
    double seconds = *(double *)arg;
    struct timespec start, now;
    volatile unsigned long spins = 0;
    usleep(1500000);
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 100000; i++)
            spins++;
        clock_gettime(CLOCK_MONOTONIC, &now); /* the vDSO: no system call */
    } while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 <
             seconds);
    return NULL;
}

int main(int argc, char **argv)
{
    static double hog_seconds;
    const char *hog_env = getenv("ECHO_HOG_SECONDS");
    const char *work_env = getenv("ECHO_WORK_ROUNDS");
    pthread_t t;
    if (work_env)
        work_rounds = (unsigned)strtoul(work_env, NULL, 10);
    if (hog_env && (hog_seconds = atof(hog_env)) > 0 &&
        pthread_create(&t, NULL, hog, &hog_seconds) != 0)
        die("pthread_create");
    return serve_threads(argc, argv, "echo_threads", connection);
}
