/*
 * test_overflow.c - a green thread that overflows its stack is reported.
 *
 * The guard page below each stack turns an overflow into SIGSEGV, which the
 * core catches on an alternate signal stack and reports as
 *   greenrun: green thread N (deep) overflowed its 64 KiB stack
 *   (set GREENRUN_STACK_SIZE)
 * before aborting.  The overflow runs in a child process whose stderr comes
 * back through a pipe.
 */
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "green.h"
#include "test.h"

/* Volatile so the compiler can neither bound the recursion nor drop it. */
static volatile int recursion_limit = INT_MAX;

static __attribute__((noinline)) int recurse(int depth)
{
    volatile char frame[256];

    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = (char)(depth >> 8);
    if (depth >= recursion_limit)
        return frame[0];
    /* Not a tail call: the frame is used after the call returns. */
    return recurse(depth + 1) + frame[sizeof(frame) - 1];
}

static void *deep(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)recurse(0);
}

static void *overflow_main(void *arg)
{
    green_attr_t attr = {64 * 1024, 0, "deep"};
    green_t *t;

    (void)arg;
    ASSERT_EQ(green_spawn(&t, deep, NULL, &attr), 0);
    ASSERT_EQ(green_join(t, NULL), 0);
    return NULL;
}

static void __attribute__((noreturn)) overflow_child(int err_fd)
{
    struct rlimit no_core = {0, 0};

    setrlimit(RLIMIT_CORE, &no_core);
    if (dup2(err_fd, STDERR_FILENO) < 0)
        _exit(100);
    close(err_fd);
    green_main(overflow_main, NULL, NULL);
    _exit(101); /* the overflow was not caught */
}

/* Read everything from fd into buf (NUL-terminated, truncated to size). */
static void read_all(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t r;

    for (;;) {
        char scratch[512];
        r = read(fd, scratch, sizeof(scratch));
        if (r < 0 && errno == EINTR)
            continue;
        ASSERT_GE(r, 0);
        if (r == 0)
            break;
        size_t n = (size_t)r;
        if (n > size - 1 - len)
            n = size - 1 - len;
        memcpy(buf + len, scratch, n);
        len += n;
    }
    buf[len] = '\0';
}

TEST(overflow_reported)
{
    char err[4096];
    int pfd[2], status = 0;
    pid_t pid;

    ASSERT_EQ(pipe(pfd), 0);
    fflush(NULL);
    pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        overflow_child(pfd[1]);
    }
    ASSERT_EQ(close(pfd[1]), 0);
    read_all(pfd[0], err, sizeof(err));
    ASSERT_EQ(close(pfd[0]), 0);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fprintf(stderr, "child status %#x, stderr:\n%s\n", status, err);
    ASSERT(WIFSIGNALED(status));
    ASSERT_EQ(WTERMSIG(status), SIGABRT);
    if (strstr(err, "overflowed its 64 KiB stack") == NULL)
        fprintf(stderr, "child stderr:\n%s\n", err);
    ASSERT(strstr(err, "greenrun: green thread ") != NULL);
    ASSERT(strstr(err, "overflowed its 64 KiB stack") != NULL);
    ASSERT(strstr(err, "GREENRUN_STACK_SIZE") != NULL);
    ASSERT(strstr(err, "(deep)") != NULL);
}
