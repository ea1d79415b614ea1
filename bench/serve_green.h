/* serve_green.h - the accept loop of a green-thread-per-connection server
 * written against the explicit API. */
#ifndef GREEN_BENCH_SERVE_GREEN_H
#define GREEN_BENCH_SERVE_GREEN_H

#include <stdint.h>

#include "green.h"
#include "server.h"

struct green_server {
    int lfd;
    const char *name;
    void *(*connection)(void *);
};

static inline void *green_accept_loop(void *arg)
{
    const struct green_server *s = arg;
    green_attr_t attr = {.stack_size = SERVER_STACK_SIZE, .detached = 1};

    for (;;) {
        green_t *t;
        int fd = green_accept(s->lfd, NULL, NULL, GREEN_FOREVER), rc;

        if (fd < 0) {
            if (!transient(errno))
                die("green_accept");
            perror("green_accept");
            green_sleep(10000000); /* out of descriptors: let some close */
            continue;
        }
        no_delay(fd);
        rc = green_spawn(&t, s->connection, (void *)(intptr_t)fd, &attr);
        if (rc != 0) {
            fprintf(stderr, "%s: green_spawn: %s\n", s->name, strerror(rc));
            green_close(fd);
        }
    }
    return NULL;
}

/* Serve forever: a detached green thread with a 64 KiB stack runs
 * connection((void *)fd) for each accepted connection. */
static inline int serve_green(int argc, char **argv, const char *name,
                              void *(*connection)(void *))
{
    struct green_server s = {start_server(argc, argv, 0), name, connection};
    int rc = green_main(green_accept_loop, &s, NULL);
    fprintf(stderr, "%s: green_main: %s\n", name, strerror(rc));
    return 1;
}

#endif
