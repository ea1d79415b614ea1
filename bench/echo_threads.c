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
#include <unistd.h>

#include "server.h"

#define STACK_SIZE (64 * 1024)
#define BUF_SIZE 16384

static int write_all(int fd, const char *buf, size_t len)
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

static void *connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || write_all(fd, buf, (size_t)n) != 0)
            break;
    }
    close(fd);
    return NULL;
}

/* Failures that belong to one connection, not to the listener. */
static int transient(int err)
{
    return err == EINTR || err == ECONNABORTED || err == EPROTO ||
           err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

int main(int argc, char **argv)
{
    const char *path = port_file(argc, argv);
    pthread_attr_t attr;
    int lfd, one = 1;

    raise_nofile_limit();
    signal(SIGPIPE, SIG_IGN);
    if (pthread_attr_init(&attr) != 0 ||
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
        pthread_attr_setstacksize(&attr, STACK_SIZE) != 0)
        die("pthread_attr");
    lfd = listen_loopback(0);
    announce_port(lfd, path);
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
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        rc = pthread_create(&tid, &attr, connection, (void *)(intptr_t)fd);
        if (rc != 0) {
            fprintf(stderr, "echo_threads: pthread_create: %s\n", strerror(rc));
            close(fd);
        }
    }
}
