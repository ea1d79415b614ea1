/*
 * echo_green.c - the benchmark's echo server on the explicit API.
 *
 * Usage: echo_green [--port-file PATH]
 *
 * echo_threads.c line for line, with green.h in place of pthreads and the
 * blocking calls: the first green thread accepts in a loop and gives each
 * connection a detached green thread with a 64 KiB stack, which copies
 * green_read() to green_write_all() until end of file or an error.  Port
 * announcement and options are the same as echo_threads'.  It runs until
 * killed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "green.h"

#include "server.h"

#define STACK_SIZE (64 * 1024)
#define BUF_SIZE 16384

static void *connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = green_read(fd, buf, sizeof(buf), GREEN_FOREVER);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || green_write_all(fd, buf, (size_t)n) < 0)
            break;
    }
    green_close(fd);
    return NULL;
}

/* Failures that belong to one connection, not to the listener. */
static int transient(int err)
{
    return err == EINTR || err == ECONNABORTED || err == EPROTO ||
           err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void *serve(void *arg)
{
    int lfd = *(int *)arg, one = 1;
    green_attr_t attr = {.stack_size = STACK_SIZE, .detached = 1};

    for (;;) {
        green_t *t;
        int fd = green_accept(lfd, NULL, NULL, GREEN_FOREVER), rc;

        if (fd < 0) {
            if (!transient(errno))
                die("green_accept");
            perror("green_accept");
            green_sleep(10000000); /* out of descriptors: let some close */
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        rc = green_spawn(&t, connection, (void *)(intptr_t)fd, &attr);
        if (rc != 0) {
            fprintf(stderr, "echo_green: green_spawn: %s\n", strerror(rc));
            green_close(fd);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = port_file(argc, argv);
    int lfd, rc;

    raise_nofile_limit();
    signal(SIGPIPE, SIG_IGN);
    lfd = listen_loopback(0);
    announce_port(lfd, path);
    rc = green_main(serve, &lfd, NULL);
    fprintf(stderr, "echo_green: green_main: %s\n", strerror(rc));
    return 1;
}
