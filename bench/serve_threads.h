/* serve_threads.h - the accept loop of a thread-per-connection server. */
#ifndef GREEN_BENCH_SERVE_THREADS_H
#define GREEN_BENCH_SERVE_THREADS_H

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "server.h"

/* Write all of buf, as a blocking write to a socket does.  0 or -1. */
static inline int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Serve forever: a detached thread with a 64 KiB stack runs
 * connection((void *)fd) for each accepted connection. */
static inline int serve_threads(int argc, char **argv, const char *name,
                                void *(*connection)(void *))
{
    pthread_attr_t attr;
    int lfd = start_server(argc, argv, 0);

    if (pthread_attr_init(&attr) != 0 ||
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
        pthread_attr_setstacksize(&attr, SERVER_STACK_SIZE) != 0)
        die("pthread_attr");
    for (;;) {
        pthread_t tid;
        int fd = accept(lfd, NULL, NULL), rc;

        if (fd < 0) {
            if (!transient(errno))
                die("accept");
            perror("accept");
            usleep(10000); /* out of descriptors: let some close */
            continue;
        }
        no_delay(fd);
        rc = pthread_create(&tid, &attr, connection, (void *)(intptr_t)fd);
        if (rc != 0) {
            fprintf(stderr, "%s: pthread_create: %s\n", name, strerror(rc));
            close(fd);
        }
    }
    return 1; /* not reached */
}

#endif
