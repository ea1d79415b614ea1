/*
 * test_io.c - blocking-style I/O on green threads.
 *
 * Every transfer is checked byte for byte: a 64-bit FNV-1a hash and a byte
 * count on each end.  Waits that could hang if a wake-up were lost carry a
 * timeout, so a bug fails the test instead of stalling it.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "green.h"
#include "test.h"

#define CHUNK 65536
#define LONG_WAIT ((int64_t)(5000 * TEST_MS * test_timeout_multiplier()))

static void make_socketpair(int sp[2])
{
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
}

/* ---- echo over a socketpair ------------------------------------------- */

struct echo {
    int a, b;     /* writer and reader use a; the echo thread uses b */
    int use_recv; /* green_recv/green_send instead of green_read/write */
    size_t total;
    size_t sent, received;
    uint64_t sent_hash, received_hash;
};

static ssize_t echo_in(struct echo *e, int fd, void *buf, size_t len)
{
    if (e->use_recv)
        return green_recv(fd, buf, len, 0, GREEN_FOREVER);
    return green_read(fd, buf, len, GREEN_FOREVER);
}

static void echo_out_all(struct echo *e, int fd, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t w = e->use_recv
                        ? green_send(fd, buf + off, len - off, 0, GREEN_FOREVER)
                        : green_write(fd, buf + off, len - off, GREEN_FOREVER);
        ASSERT_GT(w, 0);
        ASSERT_LE(w, len - off);
        off += (size_t)w;
    }
}

static void fill_random(uint64_t *rng, unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t x = test_rand(rng);
        memcpy(buf + i, &x, len - i < 8 ? len - i : 8);
    }
}

/* Random data in random-sized chunks (1..64 KiB). */
static void *echo_writer(void *arg)
{
    struct echo *e = arg;
    unsigned char *buf = malloc(CHUNK);
    uint64_t rng = UINT64_C(0x243f6a8885a308d3);

    ASSERT(buf != NULL);
    e->sent_hash = TEST_FNV_INIT;
    while (e->sent < e->total) {
        size_t n = (size_t)(test_rand(&rng) % CHUNK) + 1;
        if (n > e->total - e->sent)
            n = e->total - e->sent;
        fill_random(&rng, buf, n);
        e->sent_hash = test_fnv1a(e->sent_hash, buf, n);
        echo_out_all(e, e->a, (char *)buf, n);
        e->sent += n;
    }
    ASSERT_EQ(shutdown(e->a, SHUT_WR), 0);
    free(buf);
    return NULL;
}

static void *echo_server(void *arg)
{
    struct echo *e = arg;
    char *buf = malloc(CHUNK);
    ssize_t r;

    ASSERT(buf != NULL);
    while ((r = echo_in(e, e->b, buf, CHUNK)) > 0) {
        if (e->use_recv)
            echo_out_all(e, e->b, buf, (size_t)r);
        else
            ASSERT_EQ(green_write_all(e->b, buf, (size_t)r), r);
    }
    ASSERT_EQ(r, 0);
    ASSERT_EQ(shutdown(e->b, SHUT_WR), 0);
    free(buf);
    return NULL;
}

static void *echo_reader(void *arg)
{
    struct echo *e = arg;
    unsigned char *buf = malloc(CHUNK);
    ssize_t r;

    ASSERT(buf != NULL);
    e->received_hash = TEST_FNV_INIT;
    while ((r = echo_in(e, e->a, buf, CHUNK)) > 0) {
        e->received_hash = test_fnv1a(e->received_hash, buf, (size_t)r);
        e->received += (size_t)r;
    }
    ASSERT_EQ(r, 0);
    free(buf);
    return NULL;
}

static void *echo_main(void *arg)
{
    struct echo *e = arg;
    green_t *t[3];
    int sp[2];

    make_socketpair(sp);
    e->a = sp[0];
    e->b = sp[1];
    ASSERT_EQ(green_spawn(&t[0], echo_reader, e, NULL), 0);
    ASSERT_EQ(green_spawn(&t[1], echo_server, e, NULL), 0);
    ASSERT_EQ(green_spawn(&t[2], echo_writer, e, NULL), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    ASSERT_EQ(green_close(sp[0]), 0);
    ASSERT_EQ(green_close(sp[1]), 0);
    return NULL;
}

static void run_echo(int use_recv, size_t total)
{
    struct echo e;

    memset(&e, 0, sizeof(e));
    e.use_recv = use_recv;
    e.total = total;
    test_run_green(echo_main, &e);
    ASSERT_EQ(e.sent, total);
    ASSERT_EQ(e.received, total);
    ASSERT_EQ(e.received_hash, e.sent_hash);
}

TEST(io_echo_64mib_read_write)
{
    run_echo(0, (size_t)64 << 20);
}

TEST(io_echo_4mib_recv_send)
{
    run_echo(1, (size_t)4 << 20);
}

/* ---- pipes and regular files ------------------------------------------ */

static int pipe_fds[2];
static uint64_t pipe_hash_in, pipe_hash_out;

static void *pipe_writer(void *arg)
{
    unsigned char buf[4096];
    uint64_t rng = 99;

    (void)arg;
    pipe_hash_in = TEST_FNV_INIT;
    for (int i = 0; i < 256; i++) {
        fill_random(&rng, buf, sizeof(buf));
        pipe_hash_in = test_fnv1a(pipe_hash_in, buf, sizeof(buf));
        ASSERT_EQ(green_write_all(pipe_fds[1], buf, sizeof(buf)), sizeof(buf));
    }
    ASSERT_EQ(green_close(pipe_fds[1]), 0);
    return NULL;
}

static void *pipe_main(void *arg)
{
    unsigned char buf[1000];
    size_t total = 0;
    ssize_t r;
    green_t *t;

    (void)arg;
    ASSERT_EQ(pipe(pipe_fds), 0);
    ASSERT_EQ(green_spawn(&t, pipe_writer, NULL, NULL), 0);
    pipe_hash_out = TEST_FNV_INIT;
    while ((r = green_read(pipe_fds[0], buf, sizeof(buf), LONG_WAIT)) > 0) {
        pipe_hash_out = test_fnv1a(pipe_hash_out, buf, (size_t)r);
        total += (size_t)r;
    }
    ASSERT_EQ(r, 0);
    ASSERT_EQ(total, 256 * 4096);
    ASSERT_EQ(pipe_hash_out, pipe_hash_in);
    ASSERT_EQ(green_join(t, NULL), 0);
    ASSERT_EQ(green_close(pipe_fds[0]), 0);

    /* A regular file cannot be polled; reading it still works. */
    FILE *f = tmpfile();
    ASSERT(f != NULL);
    int fd = fileno(f);
    ASSERT_EQ(green_write_all(fd, "regular file data", 17), 17);
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    memset(buf, 0, sizeof(buf));
    ASSERT_EQ(green_read(fd, buf, sizeof(buf), LONG_WAIT), 17);
    ASSERT_EQ(memcmp(buf, "regular file data", 17), 0);
    ASSERT_EQ(green_read(fd, buf, sizeof(buf), LONG_WAIT), 0);
    ASSERT_EQ(fclose(f), 0);
    return NULL;
}

TEST(io_pipe_and_regular_file)
{
    test_run_green(pipe_main, NULL);
}

/* ---- timeouts and readiness ------------------------------------------- */

static void *read_timeout_main(void *arg)
{
    char buf[16];
    int sp[2];

    (void)arg;
    make_socketpair(sp);
    int64_t start = test_now_ns(CLOCK_MONOTONIC);
    errno = 0;
    ASSERT_EQ(green_read(sp[0], buf, sizeof(buf), 20 * TEST_MS), -1);
    ASSERT_EQ(errno, ETIMEDOUT);
    ASSERT_GE(test_now_ns(CLOCK_MONOTONIC) - start, 20 * TEST_MS);

    start = test_now_ns(CLOCK_MONOTONIC);
    errno = 0;
    ASSERT_EQ(green_recv(sp[1], buf, sizeof(buf), 0, 20 * TEST_MS), -1);
    ASSERT_EQ(errno, ETIMEDOUT);
    ASSERT_GE(test_now_ns(CLOCK_MONOTONIC) - start, 20 * TEST_MS);

    /* The data that arrives afterwards is still read normally. */
    ASSERT_EQ(green_write(sp[1], "abc", 3, LONG_WAIT), 3);
    ASSERT_EQ(green_read(sp[0], buf, sizeof(buf), 20 * TEST_MS), 3);
    ASSERT_EQ(memcmp(buf, "abc", 3), 0);
    ASSERT_EQ(green_close(sp[0]), 0);
    ASSERT_EQ(green_close(sp[1]), 0);
    return NULL;
}

TEST(io_read_timeout)
{
    test_run_green(read_timeout_main, NULL);
}

static void *write_later(void *arg)
{
    int fd = (int)(intptr_t)arg;

    ASSERT_EQ(green_sleep(10 * TEST_MS), 0);
    ASSERT_EQ(write(fd, "y", 1), 1);
    return NULL;
}

static void *wait_fd_main(void *arg)
{
    char c;
    int sp[2];
    green_t *t;

    (void)arg;
    make_socketpair(sp);
    int64_t start = test_now_ns(CLOCK_MONOTONIC);
    ASSERT_EQ(green_wait_fd(sp[0], GREEN_READ, 20 * TEST_MS), -ETIMEDOUT);
    ASSERT_GE(test_now_ns(CLOCK_MONOTONIC) - start, 20 * TEST_MS);
    ASSERT_EQ(green_wait_fd(sp[0], GREEN_WRITE, LONG_WAIT), GREEN_WRITE);

    ASSERT_EQ(write(sp[1], "x", 1), 1);
    ASSERT_EQ(green_wait_fd(sp[0], GREEN_READ, LONG_WAIT), GREEN_READ);
    int both = green_wait_fd(sp[0], GREEN_READ | GREEN_WRITE, LONG_WAIT);
    ASSERT_GT(both, 0);
    ASSERT_EQ(both & ~(GREEN_READ | GREEN_WRITE), 0);
    ASSERT_EQ(read(sp[0], &c, 1), 1);
    ASSERT_EQ(c, 'x');

    /* Data that arrives while we wait wakes us. */
    ASSERT_EQ(green_spawn(&t, write_later, (void *)(intptr_t)sp[1], NULL), 0);
    ASSERT_EQ(green_wait_fd(sp[0], GREEN_READ, LONG_WAIT), GREEN_READ);
    ASSERT_EQ(read(sp[0], &c, 1), 1);
    ASSERT_EQ(c, 'y');
    ASSERT_EQ(green_join(t, NULL), 0);
    ASSERT_EQ(green_close(sp[0]), 0);
    ASSERT_EQ(green_close(sp[1]), 0);
    return NULL;
}

TEST(io_wait_fd)
{
    test_run_green(wait_fd_main, NULL);
}

/* ---- close while waiting ---------------------------------------------- */

static int close_fd;
static int waiting_count;

static void *read_until_closed(void *arg)
{
    char buf[8];

    (void)arg;
    waiting_count++;
    errno = 0;
    ASSERT_EQ(green_read(close_fd, buf, sizeof(buf), LONG_WAIT), -1);
    ASSERT_EQ(errno, EBADF);
    return NULL;
}

static void *wait_until_closed(void *arg)
{
    (void)arg;
    waiting_count++;
    ASSERT_EQ(green_wait_fd(close_fd, GREEN_READ, LONG_WAIT), -EBADF);
    return NULL;
}

static void *close_wakes_main(void *arg)
{
    green_t *t[3];
    int sp[2], np[2];
    char buf[8];

    (void)arg;
    make_socketpair(sp);
    close_fd = sp[0];
    ASSERT_EQ(green_spawn(&t[0], read_until_closed, NULL, NULL), 0);
    ASSERT_EQ(green_spawn(&t[1], wait_until_closed, NULL, NULL), 0);
    ASSERT_EQ(green_spawn(&t[2], read_until_closed, NULL, NULL), 0);
    for (int i = 0; i < 5; i++)
        green_yield();
    ASSERT_EQ(waiting_count, 3);
    /* Each waiter checks it got EBADF, not its own timeout. */
    ASSERT_EQ(green_close(sp[0]), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);

    /* The fd number is likely reused now: no stale watcher may remain. */
    make_socketpair(np);
    ASSERT_EQ(green_write(np[1], "new", 3, LONG_WAIT), 3);
    ASSERT_EQ(green_read(np[0], buf, sizeof(buf), LONG_WAIT), 3);
    ASSERT_EQ(memcmp(buf, "new", 3), 0);
    ASSERT_EQ(green_spawn(&t[0], write_later, (void *)(intptr_t)np[1], NULL),
              0);
    ASSERT_EQ(green_read(np[0], buf, sizeof(buf), LONG_WAIT), 1);
    ASSERT_EQ(buf[0], 'y');
    ASSERT_EQ(green_join(t[0], NULL), 0);
    ASSERT_EQ(green_close(np[0]), 0);
    ASSERT_EQ(green_close(np[1]), 0);
    ASSERT_EQ(green_close(sp[1]), 0);
    return NULL;
}

TEST(io_close_wakes_waiters)
{
    test_run_green(close_wakes_main, NULL);
}

/* ---- O_NONBLOCK bookkeeping ------------------------------------------- */

static int flag_sp[2];

static void *nonblock_main(void *arg)
{
    char c;

    (void)arg;
    ASSERT_EQ(write(flag_sp[1], "ab", 2), 2);
    ASSERT_EQ(green_read(flag_sp[0], &c, 1, LONG_WAIT), 1);
    ASSERT_EQ(c, 'a');
    /* Documented: the fd is now O_NONBLOCK underneath. */
    ASSERT(fcntl(flag_sp[0], F_GETFL) & O_NONBLOCK);
    ASSERT_EQ(read(flag_sp[0], &c, 1), 1);
    ASSERT_EQ(c, 'b');
    errno = 0;
    ASSERT_EQ(read(flag_sp[0], &c, 1), -1);
    ASSERT_EQ(errno, EAGAIN);
    /* green_send/green_recv change nothing. */
    ASSERT_EQ(green_send(flag_sp[1], "c", 1, 0, LONG_WAIT), 1);
    ASSERT_EQ(fcntl(flag_sp[1], F_GETFL) & O_NONBLOCK, 0);
    ASSERT_EQ(green_recv(flag_sp[0], &c, 1, 0, LONG_WAIT), 1);
    ASSERT_EQ(c, 'c');
    return NULL;
}

TEST(io_nonblock_flag_restored)
{
    make_socketpair(flag_sp);
    ASSERT_EQ(fcntl(flag_sp[0], F_GETFL) & O_NONBLOCK, 0);
    test_run_green(nonblock_main, NULL);
    ASSERT_EQ(fcntl(flag_sp[0], F_GETFL) & O_NONBLOCK, 0);
    ASSERT_EQ(fcntl(flag_sp[1], F_GETFL) & O_NONBLOCK, 0);
    ASSERT_EQ(close(flag_sp[0]), 0);
    ASSERT_EQ(close(flag_sp[1]), 0);
}

/* ---- TCP over loopback ------------------------------------------------ */

enum { NCLIENTS = 100, NACCEPTORS = 4 };

static int listen_fd;
static struct sockaddr_in listen_addr;
static int accepted, served, clients_ok;

/* Read up to and including '\n'; the line length, or 0 at EOF. */
static size_t read_line(int fd, char *buf, size_t size)
{
    size_t len = 0;

    while (len == 0 || buf[len - 1] != '\n') {
        ASSERT_LT(len, size - 1);
        ssize_t r = green_read(fd, buf + len, size - 1 - len, LONG_WAIT);
        ASSERT_GE(r, 0);
        if (r == 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return len;
}

static void *tcp_server(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char line[64], reply[80];

    size_t n = read_line(fd, line, sizeof(line));
    ASSERT_GT(n, 0);
    int len = snprintf(reply, sizeof(reply), "echo:%s", line);
    ASSERT_EQ(green_write_all(fd, reply, (size_t)len), len);
    ASSERT_EQ(green_close(fd), 0);
    served++;
    return NULL;
}

static void *tcp_acceptor(void *arg)
{
    green_attr_t attr = {0, 1, "server"};

    (void)arg;
    for (;;) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd =
            green_accept(listen_fd, (struct sockaddr *)&peer, &plen, LONG_WAIT);
        if (fd < 0) {
            ASSERT_EQ(errno, EBADF); /* the listener was closed */
            return NULL;
        }
        ASSERT_EQ(plen, sizeof(peer));
        ASSERT_EQ(peer.sin_family, AF_INET);
        accepted++;
        green_t *t;
        ASSERT_EQ(green_spawn(&t, tcp_server, (void *)(intptr_t)fd, &attr), 0);
    }
}

static void *tcp_client(void *arg)
{
    int i = (int)(intptr_t)arg;
    char msg[32], want[48], got[64];
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ASSERT_GE(fd, 0);
    ASSERT_EQ(green_connect(fd, (struct sockaddr *)&listen_addr,
                            sizeof(listen_addr), LONG_WAIT),
              0);
    int len = snprintf(msg, sizeof(msg), "hello %d\n", i);
    snprintf(want, sizeof(want), "echo:hello %d\n", i);
    ASSERT_EQ(green_write_all(fd, msg, (size_t)len), len);
    read_line(fd, got, sizeof(got));
    ASSERT_STR_EQ(got, want);
    ASSERT_EQ(green_read(fd, got, sizeof(got), LONG_WAIT), 0);
    ASSERT_EQ(green_close(fd), 0);
    clients_ok++;
    return NULL;
}

static void *tcp_main(void *arg)
{
    socklen_t alen = sizeof(listen_addr);
    green_t *acc[NACCEPTORS], *cl[NCLIENTS];

    (void)arg;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listen_fd, 0);
    memset(&listen_addr, 0, sizeof(listen_addr));
    listen_addr.sin_family = AF_INET;
    listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listen_addr.sin_port = 0;
    ASSERT_EQ(bind(listen_fd, (struct sockaddr *)&listen_addr, alen), 0);
    ASSERT_EQ(listen(listen_fd, 128), 0);
    ASSERT_EQ(getsockname(listen_fd, (struct sockaddr *)&listen_addr, &alen),
              0);
    ASSERT_NE(listen_addr.sin_port, 0);

    /* Several acceptors wait on one listener at once. */
    for (int i = 0; i < NACCEPTORS; i++)
        ASSERT_EQ(green_spawn(&acc[i], tcp_acceptor, NULL, NULL), 0);
    for (int i = 0; i < NCLIENTS; i++)
        ASSERT_EQ(green_spawn(&cl[i], tcp_client, (void *)(intptr_t)i, NULL),
                  0);
    for (int i = 0; i < NCLIENTS; i++)
        ASSERT_EQ(green_join(cl[i], NULL), 0);
    ASSERT_EQ(green_close(listen_fd), 0);
    for (int i = 0; i < NACCEPTORS; i++)
        ASSERT_EQ(green_join(acc[i], NULL), 0);
    return NULL;
}

TEST(io_tcp_accept_connect)
{
    test_run_green(tcp_main, NULL);
    ASSERT_EQ(accepted, NCLIENTS);
    ASSERT_EQ(served, NCLIENTS);
    ASSERT_EQ(clients_ok, NCLIENTS);
}

static void *refused_main(void *arg)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);

    (void)arg;
    ASSERT_GE(s, 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(s, (struct sockaddr *)&addr, alen), 0);
    ASSERT_EQ(getsockname(s, (struct sockaddr *)&addr, &alen), 0);
    ASSERT_EQ(close(s), 0); /* bound, never listening: the port is closed */

    int c = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(c, 0);
    errno = 0;
    ASSERT_EQ(green_connect(c, (struct sockaddr *)&addr, alen, LONG_WAIT), -1);
    ASSERT_EQ(errno, ECONNREFUSED);
    ASSERT_EQ(green_close(c), 0);
    return NULL;
}

TEST(io_connect_refused)
{
    test_run_green(refused_main, NULL);
}

/* ---- errno and fairness, as under the preload's hooks ----------------- */

/* A call that waited and then succeeded leaves errno as it found it, as
 * the system call it stands for would: the EAGAIN of its first try is
 * none of the caller's business. */
static void *errno_kept_main(void *arg)
{
    char buf[8];
    int sp[2], pp[2];
    green_t *t;

    (void)arg;
    make_socketpair(sp);
    ASSERT_EQ(pipe(pp), 0);
    int fds[][2] = {{sp[0], sp[1]}, {pp[0], pp[1]}};
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(
            green_spawn(&t, write_later, (void *)(intptr_t)fds[i][1], NULL), 0);
        errno = ERANGE;
        ASSERT_EQ(green_read(fds[i][0], buf, sizeof(buf), LONG_WAIT), 1);
        ASSERT_EQ(errno, ERANGE);
        ASSERT_EQ(green_join(t, NULL), 0);
    }
    ASSERT_EQ(green_spawn(&t, write_later, (void *)(intptr_t)sp[0], NULL), 0);
    errno = ERANGE;
    ASSERT_EQ(green_recv(sp[1], buf, sizeof(buf), 0, LONG_WAIT), 1);
    ASSERT_EQ(errno, ERANGE);
    ASSERT_EQ(green_join(t, NULL), 0);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(green_close(sp[i]), 0);
        ASSERT_EQ(green_close(pp[i]), 0);
    }
    return NULL;
}

TEST(io_errno_kept_across_a_wait)
{
    test_run_green(errno_kept_main, NULL);
}

/* Two threads that each write to and read back from their own socketpair
 * never have to wait.  Without a bound, the first would run all its calls
 * before the second ever ran; the calls yield now and then (sched/yield.h)
 * as the preload's hooks do, so the second has made progress by the time
 * the first is done.  An ordering fact, not a timing. */
enum { FAIR_ROUNDS = 2000 };

static unsigned fair_progress[2];
static int fair_other_progressed = -1;

static void *fair_stream(void *arg)
{
    int me = (int)(intptr_t)arg;
    char buf[512] = {0};
    int sp[2];

    make_socketpair(sp);
    for (int i = 0; i < FAIR_ROUNDS; i++) {
        ASSERT_EQ(green_write(sp[0], buf, sizeof(buf), LONG_WAIT), sizeof(buf));
        ASSERT_EQ(green_read(sp[1], buf, sizeof(buf), LONG_WAIT), sizeof(buf));
        fair_progress[me]++;
    }
    if (fair_other_progressed < 0)
        fair_other_progressed = fair_progress[!me] > 0;
    ASSERT_EQ(green_close(sp[0]), 0);
    ASSERT_EQ(green_close(sp[1]), 0);
    return NULL;
}

static void *fair_main(void *arg)
{
    green_t *t[2];

    (void)arg;
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_spawn(&t[i], fair_stream, (void *)(intptr_t)i, NULL),
                  0);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(io_fair_between_threads_that_never_wait)
{
    test_run_green(fair_main, NULL);
    ASSERT_EQ(fair_progress[0], FAIR_ROUNDS);
    ASSERT_EQ(fair_progress[1], FAIR_ROUNDS);
    ASSERT_EQ(fair_other_progressed, 1);
}

/* A socket closed with close(), not green_close, leaves its entry behind;
 * a pipe that gets its number must still be read and written as a pipe. */
static void *reused_main(void *arg)
{
    char buf[8];
    int sp[2], pp[2];

    (void)arg;
    make_socketpair(sp);
    ASSERT_EQ(green_write(sp[1], "s", 1, LONG_WAIT), 1);
    ASSERT_EQ(green_read(sp[0], buf, sizeof(buf), LONG_WAIT), 1);
    ASSERT_EQ(close(sp[0]), 0);
    ASSERT_EQ(close(sp[1]), 0);
    ASSERT_EQ(pipe(pp), 0);
    ASSERT(pp[0] == sp[0] || pp[0] == sp[1]);
    ASSERT_EQ(green_write(pp[1], "pipe", 4, LONG_WAIT), 4);
    ASSERT_EQ(green_read(pp[0], buf, sizeof(buf), LONG_WAIT), 4);
    ASSERT_EQ(memcmp(buf, "pipe", 4), 0);
    ASSERT_EQ(green_close(pp[0]), 0);
    ASSERT_EQ(green_close(pp[1]), 0);
    return NULL;
}

TEST(io_number_reused_after_a_plain_close)
{
    test_run_green(reused_main, NULL);
}
