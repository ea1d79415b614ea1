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

#include "serve_green.h"

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

int main(int argc, char **argv)
{
    return serve_green(argc, argv, "echo_green", connection);
}
