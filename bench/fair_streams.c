/*
 * fair_streams: parallel TCP streams over loopback, and how evenly they
 * share the bandwidth (scripts/bench-fairness).
 *
 *   fair_streams sink PORT_FILE N
 *       accept N connections, read and discard each on its own thread
 *       until EOF; run natively, it stands for iperf's server.
 *   fair_streams send PORT N SECONDS [BLOCK_KIB]
 *       N threads each connect and send blocks of BLOCK_KIB (default and
 *       at most 128) with blocking writes for SECONDS; then prints each
 * stream's Gbit/s, the total, and max/min (1.00 is perfectly even).  Run under
 * greenrun, its threads share one OS thread.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (128 * 1024)

/* The sender's block: smaller blocks let the sink keep up, so that the
 * sender's sockets always have room (the case the yield is for). */
static size_t block_size = BLOCK;
#define MAX_STREAMS 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg)
{
    int fd = (int)(long)arg;
    static char buf[MAX_STREAMS][BLOCK];
    static int next;
    char *mine = buf[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED)];
    while (read(fd, mine, BLOCK) > 0)
        ;
    close(fd);
    return NULL;
}

static int sink(const char *port_file, int n)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    pthread_t t[MAX_STREAMS];
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(l, n) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0)
        return 1;
    FILE *f = fopen(port_file, "w");
    if (!f)
        return 1;
    fprintf(f, "%d\n", ntohs(a.sin_port));
    fclose(f);
    for (int i = 0; i < n; i++) {
        int c = accept(l, NULL, NULL);
        if (c < 0)
            return 1;
        pthread_create(&t[i], NULL, drain, (void *)(long)c);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return 0;
}

struct stream {
    pthread_t thread;
    int port;
    double seconds;
    unsigned long long bytes;
};

static pthread_barrier_t start;

static void *pour(void *arg)
{
    struct stream *s = arg;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((unsigned short)s->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char *block = calloc(1, block_size);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (!block || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("connect");
        exit(1);
    }
    pthread_barrier_wait(&start);
    double end = now() + s->seconds;
    while (now() < end) {
        ssize_t n = write(fd, block, block_size);
        if (n <= 0)
            break;
        s->bytes += (unsigned long long)n;
    }
    close(fd);
    free(block);
    return NULL;
}

static int send_streams(int port, int n, double seconds)
{
    struct stream s[MAX_STREAMS];
    double lo = 1e30, hi = 0, total = 0;
    pthread_barrier_init(&start, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        s[i] = (struct stream){.port = port, .seconds = seconds};
        pthread_create(&s[i].thread, NULL, pour, &s[i]);
    }
    printf("stream Gbit/s:");
    for (int i = 0; i < n; i++) {
        pthread_join(s[i].thread, NULL);
        double g = (double)s[i].bytes * 8 / seconds / 1e9;
        printf(" %.2f", g);
        lo = g < lo ? g : lo;
        hi = g > hi ? g : hi;
        total += g;
    }
    printf("\ntotal %.2f Gbit/s, min %.2f, max %.2f, max/min %.2f\n", total, lo,
           hi, lo > 0 ? hi / lo : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "sink") && atoi(argv[3]) > 0 &&
        atoi(argv[3]) <= MAX_STREAMS)
        return sink(argv[2], atoi(argv[3]));
    if (argc == 6 && atoi(argv[5]) > 0 && atoi(argv[5]) <= BLOCK / 1024)
        block_size = (size_t)atoi(argv[5]) * 1024;
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "send") &&
        atoi(argv[3]) > 0 && atoi(argv[3]) <= MAX_STREAMS)
        return send_streams(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    fprintf(stderr, "usage: fair_streams sink PORT_FILE N | "
                    "send PORT N SECONDS [BLOCK_KIB]\n");
    return 2;
}
