/*
 * echo_libev.c - the benchmark's echo server as hand-written libev
 * callbacks: the baseline that green threads try to come close to.
 *
 * Usage: echo_libev [--port-file PATH]
 *
 * One OS thread, one libev loop, non-blocking sockets.  The listener's
 * watcher accepts every pending connection and starts an EV_READ watcher
 * for it.  A readable connection is read once into a buffer shared by all
 * connections and what was read is written straight back.  If the socket
 * cannot take all of it, the rest is copied into a buffer of the
 * connection's own, and the watcher switches to EV_WRITE until it has been
 * written (no reading meanwhile: the peer is not keeping up, so stop taking
 * more from it).  Memory per connection is thus the watcher and a few words
 * unless a write is pending, as in a careful hand-written server.  Port
 * announcement and options are the same as echo_threads'.
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

#include "serve_libev.h"

#define BUF_SIZE 16384

struct conn {
    ev_io io;
    char *pending; /* bytes still to write, or NULL */
    size_t pending_len;
    size_t pending_off;
};

static char shared_buf[BUF_SIZE];

static void conn_close(struct ev_loop *loop, struct conn *c)
{
    ev_io_stop(loop, &c->io);
    close(c->io.fd);
    free(c->pending);
    free(c);
}

static void watch(struct ev_loop *loop, struct conn *c, int events)
{
    ev_io_stop(loop, &c->io);
    ev_io_set(&c->io, c->io.fd, events);
    ev_io_start(loop, &c->io);
}

/* Write buf[0..len) as far as the socket takes it; the bytes written, or
 * -1 on an error that ends the connection. */
static ssize_t write_some(int fd, const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static void on_writable(struct ev_loop *loop, struct conn *c)
{
    size_t left = c->pending_len - c->pending_off;
    ssize_t n = write_some(c->io.fd, c->pending + c->pending_off, left);

    if (n < 0) {
        conn_close(loop, c);
        return;
    }
    c->pending_off += (size_t)n;
    if (c->pending_off < c->pending_len)
        return;
    free(c->pending);
    c->pending = NULL;
    watch(loop, c, EV_READ);
}

static void on_readable(struct ev_loop *loop, struct conn *c)
{
    ssize_t n = read(c->io.fd, shared_buf, sizeof(shared_buf)), w;

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0 || (w = write_some(c->io.fd, shared_buf, (size_t)n)) < 0) {
        conn_close(loop, c);
        return;
    }
    if (w == n)
        return;
    c->pending_len = (size_t)(n - w);
    c->pending_off = 0;
    c->pending = malloc(c->pending_len);
    if (c->pending == NULL) {
        conn_close(loop, c);
        return;
    }
    memcpy(c->pending, shared_buf + w, c->pending_len);
    watch(loop, c, EV_WRITE);
}

static void on_conn(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = (struct conn *)w;

    if (c->pending != NULL && (revents & EV_WRITE))
        on_writable(loop, c);
    else if (c->pending == NULL && (revents & EV_READ))
        on_readable(loop, c);
}

int main(int argc, char **argv)
{
    return serve_libev(argc, argv, "echo_libev", on_conn, sizeof(struct conn));
}
