/*
 * http_libev.c - the benchmark's HTTP server as hand-written libev
 * callbacks.
 *
 * Usage: http_libev [--port-file PATH]
 *
 * The same protocol as http_threads.c (every request gets "hello\n" with a
 * Content-Length, keep-alive, pipelined requests answered with one write)
 * on one libev loop with non-blocking sockets, written the way echo_libev.c
 * is.  A readable connection is read into a buffer shared by all
 * connections; only the start of a request head that has not arrived
 * completely is kept per connection.  Since all responses are the same
 * bytes, a connection that owes responses keeps only the number of bytes
 * it still owes, and its watcher switches to EV_WRITE until they are
 * written.
 */
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "serve_libev.h"

struct conn {
    ev_io io;
    char *partial; /* an incomplete request head, or NULL */
    size_t partial_len;
    size_t owed; /* bytes of responses still to write */
};

static char shared_buf[HEAD_MAX];

static void conn_close(struct ev_loop *loop, struct conn *c)
{
    ev_io_stop(loop, &c->io);
    close(c->io.fd);
    free(c->partial);
    free(c);
}

static void watch(struct ev_loop *loop, struct conn *c, int events)
{
    ev_io_stop(loop, &c->io);
    ev_io_set(&c->io, c->io.fd, events);
    ev_io_start(loop, &c->io);
}

/* Write what c owes until done or the socket is full; -1 on an error that
 * ends the connection. */
static int write_owed(struct conn *c)
{
    while (c->owed > 0) {
        size_t off = (RESPONSE_LEN - c->owed % RESPONSE_LEN) % RESPONSE_LEN;
        size_t len = sizeof(responses) - off;
        ssize_t n;

        if (len > c->owed)
            len = c->owed;
        n = write(c->io.fd, responses + off, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0)
            return -1;
        c->owed -= (size_t)n;
    }
    return 0;
}

/* Keep buf[0..len), the start of the next request, in c. */
static int keep_partial(struct conn *c, size_t len)
{
    if (len == 0)
        return 0;
    c->partial = malloc(len);
    if (c->partial == NULL)
        return -1;
    memcpy(c->partial, shared_buf, len);
    c->partial_len = len;
    return 0;
}

static void on_readable(struct ev_loop *loop, struct conn *c)
{
    size_t len = c->partial_len;
    ssize_t n;

    if (c->partial != NULL)
        memcpy(shared_buf, c->partial, len);
    n = read(c->io.fd, shared_buf + len, sizeof(shared_buf) - len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    free(c->partial);
    c->partial = NULL;
    c->partial_len = 0;
    if (n <= 0) {
        conn_close(loop, c);
        return;
    }
    len += (size_t)n;
    c->owed = take_requests(shared_buf, &len) * RESPONSE_LEN;
    if (len == sizeof(shared_buf) || keep_partial(c, len) != 0 ||
        write_owed(c) != 0) {
        conn_close(loop, c);
        return;
    }
    if (c->owed > 0)
        watch(loop, c, EV_WRITE);
}

static void on_writable(struct ev_loop *loop, struct conn *c)
{
    if (write_owed(c) != 0) {
        conn_close(loop, c);
        return;
    }
    if (c->owed == 0)
        watch(loop, c, EV_READ);
}

static void on_conn(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = (struct conn *)w;

    if (c->owed > 0 && (revents & EV_WRITE))
        on_writable(loop, c);
    else if (c->owed == 0 && (revents & EV_READ))
        on_readable(loop, c);
}

int main(int argc, char **argv)
{
    fill_responses();
    return serve_libev(argc, argv, "http_libev", on_conn, sizeof(struct conn));
}
