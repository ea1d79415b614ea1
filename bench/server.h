/*
 * server.h - what the benchmark servers share: start-up and the port file.
 *
 * Each server in bench/ is one file, to be read on its own and compared
 * with its siblings; the part that is not the point of the comparison
 * (parsing --port-file, raising the descriptor limit, the listening
 * socket, announcing the port) lives here once.
 */
#ifndef GREEN_BENCH_SERVER_H
#define GREEN_BENCH_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

static inline void die(const char *what)
{
    perror(what);
    exit(1);
}

static inline void raise_nofile_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit");
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("setrlimit");
}

/* A listening TCP socket on 127.0.0.1 with an ephemeral port; flags are
 * added to the socket type (SOCK_NONBLOCK for the callback servers). */
static inline int listen_loopback(int flags)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        die("bind");
    if (listen(fd, SOMAXCONN) != 0)
        die("listen");
    return fd;
}

/* Print the port, and write it to path (if any) under a temporary name, so
 * that a reader never sees half of it. */
static inline void announce_port(int fd, const char *path)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    char tmp[4096];
    FILE *f;

    if (getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
        die("getsockname");
    printf("listening on %u\n", ntohs(sin.sin_port));
    fflush(stdout);
    if (path == NULL)
        return;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        die(tmp);
    fprintf(f, "%u\n", ntohs(sin.sin_port));
    if (fclose(f) != 0)
        die(tmp);
    if (rename(tmp, path) != 0)
        die("rename");
}

static inline const char *port_file(int argc, char **argv)
{
    if (argc == 1)
        return NULL;
    if (argc == 3 && strcmp(argv[1], "--port-file") == 0)
        return argv[2];
    fprintf(stderr, "usage: %s [--port-file PATH]\n", argv[0]);
    exit(2);
}

/* Every server gives each connection a 64 KiB stack. */
#define SERVER_STACK_SIZE (64 * 1024)

/* Failures that belong to one connection, not to the listener. */
static inline int transient(int err)
{
    return err == EINTR || err == ECONNABORTED || err == EPROTO ||
           err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* Replies go out at once, not after Nagle's delay. */
static inline void no_delay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* What every server does first: raise the descriptor limit, ignore
 * SIGPIPE, listen (socket type flags as listen_loopback takes them) and
 * announce the port.  Returns the listening fd. */
static inline int start_server(int argc, char **argv, int flags)
{
    const char *path = port_file(argc, argv);
    int lfd;

    raise_nofile_limit();
    signal(SIGPIPE, SIG_IGN);
    lfd = listen_loopback(flags);
    announce_port(lfd, path);
    return lfd;
}

#endif
