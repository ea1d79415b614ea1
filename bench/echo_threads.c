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

#include "serve_threads.h"

#define BUF_SIZE 16384

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

int main(int argc, char **argv)
{
    return serve_threads(argc, argv, "echo_threads", connection);
}
