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

#include "server.h"

#define STACK_SIZE (64 * 1024)
#define HEAD_MAX 8192
#define BATCH_MAX 64 /* responses written with one call */

static const char response[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Length: 6\r\n"
                               "\r\n"
                               "hello\n";
#define RESPONSE_LEN (sizeof(response) - 1)

/* BATCH_MAX copies of response, back to back. */
static char responses[BATCH_MAX * RESPONSE_LEN];

/* Count the complete request heads in buf[0..*len) and move what follows
 * the last one to the front. */
static size_t take_requests(char *buf, size_t *len)
{
    size_t count = 0, used = 0;
    char *end;

    while ((end = memmem(buf + used, *len - used, "\r\n\r\n", 4)) != NULL) {
        used = (size_t)(end - buf) + 4;
        count++;
    }
    memmove(buf, buf + used, *len - used);
    *len -= used;
    return count;
}

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
            fprintf(stderr, "http_green: green_spawn: %s\n", strerror(rc));
            green_close(fd);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = port_file(argc, argv);
    int lfd, rc;

    for (int i = 0; i < BATCH_MAX; i++)
        memcpy(responses + i * RESPONSE_LEN, response, RESPONSE_LEN);
    raise_nofile_limit();
    signal(SIGPIPE, SIG_IGN);
    lfd = listen_loopback(0);
    announce_port(lfd, path);
    rc = green_main(serve, &lfd, NULL);
    fprintf(stderr, "http_green: green_main: %s\n", strerror(rc));
    return 1;
}
