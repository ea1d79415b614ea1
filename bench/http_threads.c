/*
 * http_threads.c - the benchmark's thread-per-connection HTTP server.
 *
 * Usage: http_threads [--port-file PATH]
 *
 * A minimal HTTP/1.1 keep-alive server, written as an ordinary blocking
 * pthread program: scripts/bench-echo runs this same binary natively and
 * under scripts/greenrun, and drives it with wrk.  Every request, whatever
 * its method and path, gets the same small response, "hello\n" with a
 * Content-Length.  A request ends at its blank line; bodies are not
 * supported (wrk sends none).  Requests that arrive together (pipelined)
 * are answered together, with one write.  A connection ends at end of file,
 * on an error, or when a request head outgrows the buffer.
 *
 * Port announcement as in echo_threads.c; main accepts and gives each
 * connection a detached thread with a 64 KiB stack.  http_green.c and
 * http_libev.c are the same server on the explicit API and as libev
 * callbacks; keep the three alike.
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

#include "http.h"
#include "serve_threads.h"

static int answer(int fd, size_t count)
{
    while (count > 0) {
        size_t k = count < BATCH_MAX ? count : BATCH_MAX;
        if (write_all(fd, responses, k * RESPONSE_LEN) != 0)
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
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (answer(fd, take_requests(buf, &len)) != 0)
            break;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    fill_responses();
    return serve_threads(argc, argv, "http_threads", connection);
}
