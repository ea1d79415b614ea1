/* serve_libev.h - the accept side of a single-threaded libev server. */
#ifndef GREEN_BENCH_SERVE_LIBEV_H
#define GREEN_BENCH_SERVE_LIBEV_H

#include <ev.h>

#include "server.h"

#define ACCEPTS_PER_EVENT 64

/* Each connection is a struct of conn_size bytes that starts with its
 * ev_io, zeroed, watching EV_READ with on_conn. */
struct libev_server {
    ev_io io;
    const char *name;
    void (*on_conn)(struct ev_loop *loop, ev_io *w, int revents);
    size_t conn_size;
};

static inline void libev_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    struct libev_server *s = (struct libev_server *)w;

    (void)revents;
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK);
        ev_io *c;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                perror("accept4");
            return;
        }
        no_delay(fd);
        c = calloc(1, s->conn_size);
        if (c == NULL) {
            close(fd);
            continue;
        }
        ev_io_init(c, s->on_conn, fd, EV_READ);
        ev_io_start(loop, c);
    }
}

/* Serve forever on libev's default loop. */
static inline int serve_libev(int argc, char **argv, const char *name,
                              void (*on_conn)(struct ev_loop *, ev_io *, int),
                              size_t conn_size)
{
    struct libev_server s = {
        .name = name, .on_conn = on_conn, .conn_size = conn_size};
    struct ev_loop *loop;
    int lfd = start_server(argc, argv, SOCK_NONBLOCK);

    loop = ev_default_loop(EVFLAG_AUTO);
    if (loop == NULL) {
        fprintf(stderr, "%s: cannot create the libev loop\n", name);
        return 1;
    }
    ev_io_init(&s.io, libev_on_accept, lfd, EV_READ);
    ev_io_start(loop, &s.io);
    ev_run(loop, 0);
    return 1;
}

#endif
