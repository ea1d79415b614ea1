/*
 * http_green.c - the benchmark's HTTP server on the explicit API.
 *
 * Usage: http_green [--port-file PATH]
 *
 * http_threads.c line for line, with green.h in place of pthreads and the
 * blocking calls: the same fixed "hello\n" response to every request, the
 * same keep-alive and pipelining, the same port announcement.  The first
 * green thread accepts and gives each connection a detached green thread
 * with a 64 KiB stack.
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

#include "http.h"
#include "serve_green.h"

static int answer(int fd, size_t count)
{
    while (count > 0) {
        size_t k = count < BATCH_MAX ? count : BATCH_MAX;
        if (green_write_all(fd, responses, k * RESPONSE_LEN) < 0)
            return -1;
        count -= k;
    }
    return 0;
}

static void *connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[HEAD_MAX];
    size_t len = 0;

    while (len < sizeof(buf)) {
        ssize_t n = green_read(fd, buf + len, sizeof(buf) - len, GREEN_FOREVER);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (answer(fd, take_requests(buf, &len)) != 0)
            break;
    }
    green_close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    fill_responses();
    return serve_green(argc, argv, "http_green", connection);
}
