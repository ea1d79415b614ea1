/*
 * test_overflow.c - a green thread that overflows its stack is reported.
 *
 * The guard page below each stack turns an overflow into SIGSEGV, which the
 * core catches on an alternate signal stack and reports as
 *   greenrun: green thread N (deep) overflowed its 64 KiB stack
 *   (set GREENRUN_STACK_SIZE)
 * before aborting.  The overflow runs in a child process whose stderr comes
 * back through a pipe.
 *
 * The alternate stack the report runs on belongs to one OS thread, so two
 * hubs on two OS threads each need their own, and each must give its
 * thread back what it had when it ends, whichever ends first.
 */
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
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

/* Run child(err_fd) in a forked process; its stderr into err, its status
 * returned. */
static int run_child(void (*child)(int), char *err, size_t size)
{
    int pfd[2], status = 0;
    pid_t pid;

    ASSERT_EQ(pipe(pfd), 0);
    fflush(NULL);
    pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        child(pfd[1]);
    }
    ASSERT_EQ(close(pfd[1]), 0);
    read_all(pfd[0], err, size);
    ASSERT_EQ(close(pfd[0]), 0);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    return status;
}

TEST(overflow_reported)
{
    char err[4096];
    int status = run_child(overflow_child, err, sizeof(err));

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

/*
 * Two hubs on two OS threads whose lives overlap: A starts first and ends
 * first, B starts while A runs and ends after A's OS thread has exited.
 */
struct hub_thread {
    stack_t before, inside, after;
};

static struct hub_thread hub_a, hub_b;
static sem_t a_running, a_may_end, a_gone;

static int altstack_enabled(const stack_t *ss)
{
    return !(ss->ss_flags & SS_DISABLE);
}

static int same_altstack(const stack_t *x, const stack_t *y)
{
    if (!altstack_enabled(x) || !altstack_enabled(y))
        return altstack_enabled(x) == altstack_enabled(y);
    return x->ss_sp == y->ss_sp && x->ss_size == y->ss_size;
}

static void *hub_a_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(sigaltstack(NULL, &hub_a.inside), 0);
    ASSERT_EQ(sem_post(&a_running), 0);
    while (sem_wait(&a_may_end) != 0)
        ASSERT_EQ(errno, EINTR);
    return NULL;
}

static void *hub_b_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(sigaltstack(NULL, &hub_b.inside), 0);
    ASSERT_EQ(sem_post(&a_may_end), 0);
    while (sem_wait(&a_gone) != 0)
        ASSERT_EQ(errno, EINTR);
    return NULL;
}

static void *os_thread(void *arg)
{
    struct hub_thread *t = arg;
    void *(*fn)(void *) = t == &hub_a ? hub_a_main : hub_b_main;

    ASSERT_EQ(sigaltstack(NULL, &t->before), 0);
    ASSERT_EQ(green_main(fn, NULL, NULL), 0);
    ASSERT_EQ(sigaltstack(NULL, &t->after), 0);
    return NULL;
}

TEST(overflow_altstack_per_os_thread)
{
    pthread_t a, b;

    ASSERT_EQ(sem_init(&a_running, 0, 0), 0);
    ASSERT_EQ(sem_init(&a_may_end, 0, 0), 0);
    ASSERT_EQ(sem_init(&a_gone, 0, 0), 0);
    ASSERT_EQ(pthread_create(&a, NULL, os_thread, &hub_a), 0);
    while (sem_wait(&a_running) != 0)
        ASSERT_EQ(errno, EINTR);
    ASSERT_EQ(pthread_create(&b, NULL, os_thread, &hub_b), 0);
    ASSERT_EQ(pthread_join(a, NULL), 0);
    ASSERT_EQ(sem_post(&a_gone), 0);
    ASSERT_EQ(pthread_join(b, NULL), 0);

    /* Each hub's OS thread had an alternate stack of its own... */
    ASSERT(altstack_enabled(&hub_a.inside));
    ASSERT(altstack_enabled(&hub_b.inside));
    ASSERT(hub_a.inside.ss_sp != hub_b.inside.ss_sp);
    /* ...and got its own stack back when its hub ended. */
    ASSERT(same_altstack(&hub_a.after, &hub_a.before));
    ASSERT(same_altstack(&hub_b.after, &hub_b.before));
}

static sem_t second_may_end;

static void *idle_hub_main(void *arg)
{
    (void)arg;
    ASSERT_EQ(sem_post(&a_running), 0);
    while (sem_wait(&second_may_end) != 0)
        ASSERT_EQ(errno, EINTR);
    return NULL;
}

static void *idle_hub(void *arg)
{
    (void)arg;
    ASSERT_EQ(green_main(idle_hub_main, NULL, NULL), 0);
    return NULL;
}

/* The overflow happens on the second hub while the first is still up. */
static void __attribute__((noreturn)) second_hub_overflow_child(int err_fd)
{
    pthread_t first;

    ASSERT_EQ(sem_init(&a_running, 0, 0), 0);
    ASSERT_EQ(sem_init(&second_may_end, 0, 0), 0);
    ASSERT_EQ(pthread_create(&first, NULL, idle_hub, NULL), 0);
    while (sem_wait(&a_running) != 0)
        ASSERT_EQ(errno, EINTR);
    overflow_child(err_fd);
}

TEST(overflow_reported_on_second_hub)
{
    char err[4096];
    int status = run_child(second_hub_overflow_child, err, sizeof(err));

    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fprintf(stderr, "child status %#x, stderr:\n%s\n", status, err);
    ASSERT(WIFSIGNALED(status));
    ASSERT_EQ(WTERMSIG(status), SIGABRT);
    ASSERT(strstr(err, "overflowed its 64 KiB stack") != NULL);
}
