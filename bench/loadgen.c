/*
 * loadgen.c - an echo load generator for the server benchmarks.
 *
 * Usage: loadgen --port P [--conns C] [--size M] [--duration S]
 *                [--warmup S] [--timeout S] [--server-pid PID]
 *                [--max-msgs N]
 *
 * Defaults: 100 connections, 64-byte messages, 1 s warm-up, 3 s measured,
 * 30 s timeout, no message limit.  Only 127.0.0.1 is ever contacted.
 *
 * One OS thread and one epoll set drive C connections to 127.0.0.1:P.  Each
 * connection sends an M-byte message, waits for all M bytes to come back,
 * checks every one of them, and sends the next message at once: a closed
 * loop with exactly one message in flight per connection.  The bytes differ
 * from message to message and from connection to connection: the first
 * eight are the connection's number and the message's sequence number, the
 * rest a slice of a fixed pseudo-random pattern that starts at an offset
 * taken from both.  An echo that is short, reordered, duplicated or mixed
 * up with another connection's therefore fails the check.
 *
 * The run has four phases, and every one is bounded in time:
 *
 *   connect  Connections are opened in batches of BATCH.  A batch is done
 *            when each of its connections has had one message echoed, so
 *            the server really has accepted it; only then does the next
 *            batch start, which keeps the listen backlog from overflowing
 *            (an overflowing backlog drops SYNs, and the client retries
 *            only after a second).  ECONNREFUSED and EAGAIN from connect
 *            are retried for a while.  Limit: --timeout seconds.
 *   warmup   All connections run; nothing is recorded.
 *   measure  --duration seconds, or until --max-msgs messages have been
 *            measured if that comes first.  Messages whose echo completes
 *            in this window are counted, and their round-trip times (first
 *            byte sent to last byte checked) go into a histogram with 1/64
 *            relative precision; msgs_per_s is over the actual window.
 *   drain    No new messages; the ones in flight must still come back
 *            complete within --timeout seconds, so that every byte sent is
 *            accounted for.
 *
 * The result is one line on stdout:
 *
 *   conns=C size=M msgs=N msgs_per_s=X p50_us=.. p99_us=.. p999_us=..
 *   max_us=.. errors=E bytes_verified=B cpu_self=.. cpu_server=..
 *   cpu_other=..
 *
 * (on one line).  bytes_verified counts the echoed bytes checked over the
 * whole run.  The cpu_ fields are fractions of the measured window: the CPU
 * time of the load generator, of the process --server-pid (-1 without it),
 * and of everything else on the CPUs those two may run on (other
 * processes, kernel threads).  A load generator near 1.00 with a server
 * well below means the load generator was the limit; cpu_other much above
 * 0.05 means other load disturbed the run.  Errors (a wrong byte, an early
 * end of file, a reset, a timeout) are described on stderr, the first few
 * in full; the exit status is 1 if there was any, 2 for bad usage (or too
 * few descriptors for C connections), 0 otherwise.
 *
 * The program does not use libgreen: the Makefile links every benchmark
 * against it, which costs nothing when nothing calls it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 250          /* connections opened at a time */
#define MAX_SIZE (1 << 20) /* largest message */
#define HEADER 8           /* connection and sequence numbers */
#define PATTERN_SPAN 4093  /* distinct offsets into the pattern */
#define MAX_EVENTS 1024
#define RETRY_NS 10000000LL /* wait before retrying a refused connect */
#define ERRORS_SHOWN 10     /* errors described in full on stderr */

/* Histogram of nanoseconds: exact below 128, then 64 buckets per power of
 * two, up to 2^47 ns (39 hours). */
#define SUB_BITS 6
#define SUB (1 << SUB_BITS)
#define HIST_BUCKETS ((48 - SUB_BITS) * SUB + 2 * SUB)

enum phase { CONNECT, WARMUP, MEASURE, DRAIN, DONE };

struct cpu_sample {
    double self;      /* CPU seconds of the load generator */
    double server;    /* of the server, or -1 */
    double cpus_busy; /* user+system seconds of the watched CPUs, or -1 */
};

enum conn_state {
    UNUSED,     /* not opened yet */
    CONNECTING, /* connect() in progress */
    BACKOFF,    /* connect refused; retry at retry_at */
    BUSY,       /* a message is in flight */
    IDLE,       /* between messages (connect batch done, or draining) */
    DEAD,       /* failed, closed */
};

struct conn {
    int fd;
    uint32_t id;
    uint32_t seq; /* sequence number of the current message */
    enum conn_state state;
    int want_out;     /* EPOLLOUT is in the epoll set */
    size_t sent;      /* bytes of the current message written */
    size_t received;  /* bytes of its echo read and checked */
    int64_t start_ns; /* when the current message was first written */
    int64_t retry_at; /* BACKOFF: when to try connect() again */
};

struct options {
    unsigned port;
    unsigned conns;
    size_t size;
    double duration;
    double warmup;
    double timeout;
    long server_pid;        /* 0: none */
    unsigned long max_msgs; /* 0: no limit */
};

struct loadgen {
    struct options o;
    int ep;
    struct sockaddr_in addr;
    struct conn *conns;
    unsigned char *pattern; /* size + PATTERN_SPAN bytes */
    unsigned char *sendbuf; /* the message being (re)written */
    unsigned char *recvbuf;
    enum phase phase;
    unsigned opened;  /* connections started so far */
    unsigned ready;   /* connections through their first echo */
    unsigned busy;    /* messages in flight */
    unsigned alive;   /* connections not DEAD */
    int64_t deadline; /* end of the current phase */
    uint64_t msgs;    /* messages completed in the measured window */
    uint64_t bytes_verified;
    uint64_t errors;
    uint64_t hist[HIST_BUCKETS];
    uint64_t max_ns;
    int64_t measure_start;
    int64_t measure_end; /* the window's end: its deadline or the count */
    cpu_set_t cpus;      /* where the load generator and the server may run */
    struct cpu_sample cpu_start;
    double cpu_self, cpu_server, cpu_other; /* fractions of the window */
};

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen --port P [--conns C] [--size BYTES] "
            "[--duration S]\n"
            "               [--warmup S] [--timeout S] [--server-pid PID]\n"
            "               [--max-msgs N]\n");
    exit(2);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t seconds_ns(double s)
{
    return (int64_t)(s * 1e9);
}

static unsigned long parse_ulong(const char *s, unsigned long min,
                                 unsigned long max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
        v > max)
        usage();
    return v;
}

static double parse_seconds(const char *s, double min)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= min) || v > 86400)
        usage();
    return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"conns", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 't'},
        {"server-pid", required_argument, NULL, 'P'},
        {"max-msgs", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *o = (struct options){
        .conns = 100, .size = 64, .duration = 3, .warmup = 1, .timeout = 30};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->port = (unsigned)parse_ulong(optarg, 1, 65535);
            break;
        case 'c':
            o->conns = (unsigned)parse_ulong(optarg, 1, 1000000);
            break;
        case 's':
            o->size = parse_ulong(optarg, 1, MAX_SIZE);
            break;
        case 'd':
            o->duration = parse_seconds(optarg, 0.01);
            break;
        case 'w':
            o->warmup = parse_seconds(optarg, 0);
            break;
        case 't':
            o->timeout = parse_seconds(optarg, 0.1);
            break;
        case 'P':
            o->server_pid = (long)parse_ulong(optarg, 1, 1UL << 31);
            break;
        case 'm':
            o->max_msgs = parse_ulong(optarg, 1, ULONG_MAX);
            break;
        default:
            usage();
        }
    }
    if (optind != argc || o->port == 0)
        usage();
}

/* ---- CPU accounting ------------------------------------------------------ */

static double cpu_self_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of pid from /proc/PID/stat, or -1. */
static double cpu_pid_seconds(long pid)
{
    char path[64], buf[1024];
    unsigned long long utime, stime;
    FILE *f;
    char *p;
    size_t n;

    if (pid <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces; the fields follow its ')'. */
    p = strrchr(buf, ')');
    if (p == NULL || sscanf(p + 2,
                            "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                            "%*u %llu %llu",
                            &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* User and system time of the CPUs in set, from /proc/stat, or -1. */
static double cpus_busy_seconds(const cpu_set_t *set)
{
    char line[512];
    double ticks = 0;
    FILE *f = fopen("/proc/stat", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned cpu;
        unsigned long long user, nice, sys;

        if (sscanf(line, "cpu%u %llu %llu %llu", &cpu, &user, &nice, &sys) ==
                4 &&
            cpu < CPU_SETSIZE && CPU_ISSET(cpu, set))
            ticks += (double)(user + nice + sys);
    }
    fclose(f);
    return ticks / (double)sysconf(_SC_CLK_TCK);
}

static void sample_cpu(const struct loadgen *lg, struct cpu_sample *s)
{
    s->self = cpu_self_seconds();
    s->server = cpu_pid_seconds(lg->o.server_pid);
    s->cpus_busy = cpus_busy_seconds(&lg->cpus);
}

/* CPU use over the measured window of secs seconds, as fractions of it.
 * cpu_other is what the CPUs of the load generator and the server spent
 * on anything else: other processes, and kernel threads doing our network
 * work.  Much above 0.05 means something else competed for those CPUs. */
static void cpu_fractions(struct loadgen *lg, double secs)
{
    struct cpu_sample end;
    const struct cpu_sample *start = &lg->cpu_start;

    sample_cpu(lg, &end);
    lg->cpu_self = (end.self - start->self) / secs;
    lg->cpu_server = end.server >= 0 && start->server >= 0
                         ? (end.server - start->server) / secs
                         : -1;
    lg->cpu_other = -1;
    if (end.cpus_busy >= 0 && start->cpus_busy >= 0) {
        double other = end.cpus_busy - start->cpus_busy -
                       (end.self - start->self) -
                       (lg->cpu_server >= 0 ? lg->cpu_server * secs : 0);
        lg->cpu_other = other > 0 ? other / secs : 0;
    }
}

/* Which CPUs to watch: ours and the server's. */
static void watch_cpus(struct loadgen *lg)
{
    cpu_set_t server;

    CPU_ZERO(&lg->cpus);
    if (sched_getaffinity(0, sizeof(lg->cpus), &lg->cpus) != 0)
        CPU_ZERO(&lg->cpus);
    if (lg->o.server_pid > 0 && sched_getaffinity((pid_t)lg->o.server_pid,
                                                  sizeof(server), &server) == 0)
        CPU_OR(&lg->cpus, &lg->cpus, &server);
}

/* ---- Messages and the check ---------------------------------------------- */

static void fill_pattern(unsigned char *p, size_t n)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;

    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
}

static size_t pattern_offset(const struct conn *c)
{
    return ((uint64_t)c->id * 2654435761u + (uint64_t)c->seq * 40503u) %
           PATTERN_SPAN;
}

static void header_bytes(const struct conn *c, unsigned char h[HEADER])
{
    for (int i = 0; i < 4; i++) {
        h[i] = (unsigned char)(c->id >> (8 * i));
        h[4 + i] = (unsigned char)(c->seq >> (8 * i));
    }
}

/* The current message of c, written into lg->sendbuf. */
static void build_message(struct loadgen *lg, const struct conn *c)
{
    size_t size = lg->o.size;
    unsigned char h[HEADER];

    memcpy(lg->sendbuf, lg->pattern + pattern_offset(c), size);
    header_bytes(c, h);
    memcpy(lg->sendbuf, h, size < HEADER ? size : HEADER);
}

/* Does data[0..n) equal bytes [pos, pos+n) of c's current message? */
static int echo_matches(const struct loadgen *lg, const struct conn *c,
                        size_t pos, const unsigned char *data, size_t n)
{
    const unsigned char *expect = lg->pattern + pattern_offset(c);
    unsigned char h[HEADER];
    size_t i = 0;

    header_bytes(c, h);
    for (; i < n && pos + i < HEADER; i++)
        if (data[i] != h[pos + i])
            return 0;
    return memcmp(data + i, expect + pos + i, n - i) == 0;
}

/* ---- Histogram ----------------------------------------------------------- */

static unsigned bucket_of(uint64_t v)
{
    int msb;

    if (v < 2 * SUB)
        return (unsigned)v;
    msb = 63 - __builtin_clzll(v);
    unsigned shift = (unsigned)(msb - SUB_BITS);
    unsigned b = shift * SUB + (unsigned)(v >> shift);
    return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

/* The middle of bucket b's range of values. */
static double bucket_value(unsigned b)
{
    unsigned shift;
    uint64_t low;

    if (b < 2 * SUB)
        return b;
    shift = b / SUB - 1;
    low = (uint64_t)(b - shift * SUB) << shift;
    return (double)low + (double)((1ULL << shift) - 1) / 2;
}

static double percentile_us(const struct loadgen *lg, double p)
{
    uint64_t rank, seen = 0;

    if (lg->msgs == 0)
        return 0;
    rank = (uint64_t)(p * (double)lg->msgs);
    if ((double)rank < p * (double)lg->msgs || rank < 1)
        rank++; /* round up: the smallest value with p of them at or below */
    for (unsigned b = 0; b < HIST_BUCKETS; b++) {
        seen += lg->hist[b];
        if (seen >= rank)
            return bucket_value(b) / 1000;
    }
    return (double)lg->max_ns / 1000;
}

/* ---- Connections --------------------------------------------------------- */

static void conn_error(struct loadgen *lg, struct conn *c, const char *what,
                       int err)
{
    lg->errors++;
    if (lg->phase == CONNECT && c->state == IDLE)
        lg->ready--; /* it no longer counts as ready */
    if (lg->errors <= ERRORS_SHOWN)
        fprintf(stderr,
                "loadgen: connection %u, message %u (%zu of %zu "
                "bytes back): %s%s%s\n",
                c->id, c->seq, c->received, lg->o.size, what, err ? ": " : "",
                err ? strerror(err) : "");
    else if (lg->errors == ERRORS_SHOWN + 1)
        fprintf(stderr, "loadgen: more errors; not showing them\n");
    if (c->state == BUSY)
        lg->busy--;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = DEAD;
    lg->alive--;
}

static int set_events(struct loadgen *lg, struct conn *c, int op,
                      uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};

    if (epoll_ctl(lg->ep, op, c->fd, &ev) != 0) {
        conn_error(lg, c, "epoll_ctl", errno);
        return -1;
    }
    c->want_out = (events & EPOLLOUT) != 0;
    return 0;
}

/* Write what is left of the current message; ask for EPOLLOUT if the
 * socket is full, and stop asking once it is all written. */
static void send_rest(struct loadgen *lg, struct conn *c)
{
    size_t size = lg->o.size;

    build_message(lg, c);
    while (c->sent < size) {
        ssize_t n = send(c->fd, lg->sendbuf + c->sent, size - c->sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out)
                set_events(lg, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
            return;
        }
        if (n < 0) {
            conn_error(lg, c, "send", errno);
            return;
        }
        c->sent += (size_t)n;
    }
    if (c->want_out)
        set_events(lg, c, EPOLL_CTL_MOD, EPOLLIN);
}

static void start_message(struct loadgen *lg, struct conn *c, int64_t now)
{
    c->seq++;
    c->sent = 0;
    c->received = 0;
    c->start_ns = now;
    c->state = BUSY;
    lg->busy++;
    send_rest(lg, c);
}

static void record(struct loadgen *lg, int64_t start, int64_t end)
{
    uint64_t rtt = end > start ? (uint64_t)(end - start) : 0;

    if (lg->phase != MEASURE || end >= lg->deadline)
        return;
    lg->msgs++;
    lg->hist[bucket_of(rtt)]++;
    if (rtt > lg->max_ns)
        lg->max_ns = rtt;
    if (lg->o.max_msgs && lg->msgs >= lg->o.max_msgs)
        lg->deadline = end; /* the window ends here */
}

/* The echo of c's message is complete: count it and go on. */
static void message_done(struct loadgen *lg, struct conn *c)
{
    int64_t now = now_ns();

    record(lg, c->start_ns, now);
    c->state = IDLE;
    lg->busy--;
    if (lg->phase == CONNECT) {
        lg->ready++;
        return;
    }
    if (lg->phase == WARMUP || lg->phase == MEASURE)
        start_message(lg, c, now);
}

static void on_readable(struct loadgen *lg, struct conn *c)
{
    size_t size = lg->o.size;

    for (;;) {
        size_t want = size - c->received;
        ssize_t n;

        if (c->state != BUSY || want == 0) {
            /* Bytes nobody asked for: read one to report them. */
            n = recv(c->fd, lg->recvbuf, 1, MSG_DONTWAIT);
            if (n > 0)
                conn_error(lg, c, "bytes arrived with no message in flight", 0);
            else if (n == 0 && lg->phase != DONE)
                conn_error(lg, c, "server closed the connection", 0);
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                conn_error(lg, c, "recv", errno);
            return;
        }
        n = recv(c->fd, lg->recvbuf, want, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) {
            conn_error(lg, c, "recv", errno);
            return;
        }
        if (n == 0) {
            conn_error(lg, c, "server closed the connection", 0);
            return;
        }
        if (!echo_matches(lg, c, c->received, lg->recvbuf, (size_t)n)) {
            conn_error(lg, c, "echoed bytes differ from the bytes sent", 0);
            return;
        }
        c->received += (size_t)n;
        lg->bytes_verified += (uint64_t)n;
        if (c->received == size) {
            message_done(lg, c);
            return; /* level-triggered: more data comes with the next wait */
        }
    }
}

/* ---- Connect phase ------------------------------------------------------- */

static int retryable(int err)
{
    return err == ECONNREFUSED || err == EAGAIN || err == EADDRNOTAVAIL ||
           err == ETIMEDOUT || err == ECONNRESET;
}

static void backoff(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = BACKOFF;
    c->retry_at = now_ns() + RETRY_NS;
}

static void connected(struct loadgen *lg, struct conn *c)
{
    int one = 1;

    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (set_events(lg, c, EPOLL_CTL_MOD, EPOLLIN) == 0)
        start_message(lg, c, now_ns());
}

static void open_conn(struct loadgen *lg, struct conn *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_error(lg, c, "socket", errno);
        return;
    }
    c->state = CONNECTING;
    c->want_out = 0;
    if (connect(c->fd, (struct sockaddr *)&lg->addr, sizeof(lg->addr)) != 0 &&
        errno != EINPROGRESS) {
        if (retryable(errno))
            backoff(c);
        else
            conn_error(lg, c, "connect", errno);
        return;
    }
    set_events(lg, c, EPOLL_CTL_ADD, EPOLLOUT);
}

static void on_connect_done(struct loadgen *lg, struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err == 0)
        connected(lg, c);
    else if (retryable(err))
        backoff(c);
    else
        conn_error(lg, c, "connect", err);
}

/* Retry refused connects whose time has come; open the next batch once
 * every connection opened so far has had its first echo. */
static void connect_step(struct loadgen *lg, int64_t now)
{
    unsigned done_or_dead;

    for (unsigned i = 0; i < lg->opened; i++) {
        struct conn *c = &lg->conns[i];
        if (c->state == BACKOFF && now >= c->retry_at)
            open_conn(lg, c);
    }
    done_or_dead = lg->ready + (lg->o.conns - lg->alive);
    if (done_or_dead < lg->opened)
        return;
    if (lg->opened < lg->o.conns) {
        unsigned end = lg->opened + BATCH;
        if (end > lg->o.conns)
            end = lg->o.conns;
        while (lg->opened < end)
            open_conn(lg, &lg->conns[lg->opened++]);
    }
}

/* ---- Main loop ----------------------------------------------------------- */

static void enter_phase(struct loadgen *lg, enum phase p, int64_t now)
{
    lg->phase = p;
    switch (p) {
    case WARMUP:
        lg->deadline = now + seconds_ns(lg->o.warmup);
        for (unsigned i = 0; i < lg->o.conns; i++)
            if (lg->conns[i].state == IDLE)
                start_message(lg, &lg->conns[i], now);
        break;
    case MEASURE:
        lg->deadline = now + seconds_ns(lg->o.duration);
        lg->measure_start = now;
        sample_cpu(lg, &lg->cpu_start);
        break;
    case DRAIN: {
        /* Nothing completing after the deadline was counted. */
        lg->measure_end = lg->deadline < now ? lg->deadline : now;
        cpu_fractions(lg, (double)(now - lg->measure_start) / 1e9);
        lg->deadline = now + seconds_ns(lg->o.timeout);
        break;
    }
    default:
        break;
    }
}

static void handle_event(struct loadgen *lg, struct epoll_event *ev)
{
    struct conn *c = ev->data.ptr;

    if (c->state == DEAD)
        return;
    if (c->state == CONNECTING) {
        on_connect_done(lg, c);
        return;
    }
    if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        on_readable(lg, c);
    if (c->state == BUSY && (ev->events & EPOLLOUT) && c->sent < lg->o.size)
        send_rest(lg, c);
}

/* Move to the next phase when this one is over; 0 when the run ends. */
static int advance(struct loadgen *lg, int64_t now)
{
    switch (lg->phase) {
    case CONNECT:
        connect_step(lg, now);
        if (lg->ready == lg->alive && lg->opened == lg->o.conns &&
            lg->busy == 0) {
            enter_phase(lg, WARMUP, now);
        } else if (now >= lg->deadline) {
            fprintf(stderr,
                    "loadgen: only %u of %u connections were "
                    "established and echoed within %.1f s\n",
                    lg->ready, lg->o.conns, lg->o.timeout);
            lg->errors += lg->o.conns - lg->ready;
            return 0;
        }
        break;
    case WARMUP:
        if (now >= lg->deadline)
            enter_phase(lg, MEASURE, now);
        break;
    case MEASURE:
        if (now >= lg->deadline)
            enter_phase(lg, DRAIN, now);
        break;
    case DRAIN:
        if (lg->busy == 0)
            return 0;
        if (now >= lg->deadline) {
            fprintf(stderr,
                    "loadgen: %u echoes still incomplete %.1f s "
                    "after the end\n",
                    lg->busy, lg->o.timeout);
            lg->errors += lg->busy;
            return 0;
        }
        break;
    case DONE:
        return 0;
    }
    return lg->alive > 0;
}

static int wait_ms(const struct loadgen *lg, int64_t now)
{
    int64_t left = lg->deadline - now;

    if (lg->phase == CONNECT && left > 10000000)
        left = 10000000; /* revisit backed-off connects */
    if (left <= 0)
        return 0;
    return (int)((left + 999999) / 1000000);
}

static void run(struct loadgen *lg)
{
    struct epoll_event events[MAX_EVENTS];
    int64_t now = now_ns();

    lg->phase = CONNECT;
    lg->deadline = now + seconds_ns(lg->o.timeout);
    while (advance(lg, now)) {
        int n = epoll_wait(lg->ep, events, MAX_EVENTS, wait_ms(lg, now));
        if (n < 0 && errno != EINTR) {
            perror("loadgen: epoll_wait");
            exit(1);
        }
        for (int i = 0; i < n; i++)
            handle_event(lg, &events[i]);
        now = now_ns();
    }
    lg->phase = DONE;
}

/* ---- Setup and report ---------------------------------------------------- */

/* Each connection is a descriptor; ask for as many as the hard limit. */
static void raise_nofile_limit(unsigned conns)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("loadgen: getrlimit");
        exit(1);
    }
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("loadgen: setrlimit");
        exit(1);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)conns + 16) {
        fprintf(stderr,
                "loadgen: %u connections need %u descriptors, but "
                "the limit is %llu (raise it with ulimit -Hn)\n",
                conns, conns + 16, (unsigned long long)rl.rlim_cur);
        exit(2);
    }
}

static void setup(struct loadgen *lg)
{
    size_t size = lg->o.size;

    raise_nofile_limit(lg->o.conns);
    lg->ep = epoll_create1(EPOLL_CLOEXEC);
    lg->conns = calloc(lg->o.conns, sizeof(*lg->conns));
    lg->pattern = malloc(size + PATTERN_SPAN);
    lg->sendbuf = malloc(size);
    lg->recvbuf = malloc(size);
    if (lg->ep < 0 || !lg->conns || !lg->pattern || !lg->sendbuf ||
        !lg->recvbuf) {
        perror("loadgen: setup");
        exit(1);
    }
    fill_pattern(lg->pattern, size + PATTERN_SPAN);
    for (unsigned i = 0; i < lg->o.conns; i++) {
        lg->conns[i].fd = -1;
        lg->conns[i].id = i;
    }
    lg->alive = lg->o.conns;
    lg->cpu_self = lg->cpu_server = lg->cpu_other = -1; /* until measured */
    watch_cpus(lg);
    lg->addr.sin_family = AF_INET;
    lg->addr.sin_port = htons((uint16_t)lg->o.port);
    lg->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* Close without TIME_WAIT: thousands of runs in a row would otherwise tie
 * up the loopback's ephemeral ports. */
static void teardown(struct loadgen *lg)
{
    struct linger lin = {.l_onoff = 1, .l_linger = 0};

    for (unsigned i = 0; i < lg->o.conns; i++) {
        struct conn *c = &lg->conns[i];
        if (c->fd < 0)
            continue;
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
        close(c->fd);
    }
    close(lg->ep);
}

static void report(const struct loadgen *lg)
{
    double secs = (double)(lg->measure_end - lg->measure_start) / 1e9;

    printf("conns=%u size=%zu msgs=%llu msgs_per_s=%.0f p50_us=%.1f "
           "p99_us=%.1f p999_us=%.1f max_us=%.1f errors=%llu "
           "bytes_verified=%llu cpu_self=%.2f cpu_server=%.2f "
           "cpu_other=%.2f\n",
           lg->o.conns, lg->o.size, (unsigned long long)lg->msgs,
           secs > 0 ? (double)lg->msgs / secs : 0, percentile_us(lg, 0.50),
           percentile_us(lg, 0.99), percentile_us(lg, 0.999),
           (double)lg->max_ns / 1000, (unsigned long long)lg->errors,
           (unsigned long long)lg->bytes_verified, lg->cpu_self, lg->cpu_server,
           lg->cpu_other);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static struct loadgen lg;

    parse_options(argc, argv, &lg.o);
    signal(SIGPIPE, SIG_IGN);
    setup(&lg);
    run(&lg);
    teardown(&lg);
    report(&lg);
    return lg.errors ? 1 : 0;
}
