/*
 * runner.c - runs the tests of list.h, each in a forked child with a timeout.
 *
 * Modelled on libuv's test/runner-unix.c.  Every test runs in its own
 * process group, so a test that forks (test_overflow.c) or hangs is killed
 * whole when its time is up.  Output is TAP-like, one line per test, and the
 * last line is always "N passed, N failed"; the exit status is 0 iff no test
 * failed.
 *
 *   build/unit-tests              run every test
 *   build/unit-tests NAME...      run only these
 *   build/unit-tests --list       print the test names
 *
 * Environment: GREEN_TEST_TIMEOUT_MULTIPLIER scales the 60 s timeout (for
 * valgrind and ASan runs); GREEN_TEST_NOFORK=1 runs the tests in this
 * process, for gdb.
 */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "green.h"
#include "test.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#define X(name) void test_##name(void);
#include "list.h"
#undef X

struct test_entry {
    const char *name;
    void (*fn)(void);
};

static const struct test_entry all_tests[] = {
#define X(name) {#name, test_##name},
#include "list.h"
#undef X
};

enum { NTESTS = sizeof(all_tests) / sizeof(all_tests[0]) };

#define DEFAULT_TIMEOUT_S 60.0

/* ---- Assertions ------------------------------------------------------- */

static void fail_header(const char *file, int line, const char *expr)
{
    fflush(stdout);
    fprintf(stderr, "Assertion failed at %s:%d: %s\n", file, line, expr);
}

static void __attribute__((noreturn)) fail_footer(int saved_errno)
{
    fprintf(stderr, "  errno: %d (%s)\n", saved_errno, strerror(saved_errno));
    fflush(stderr);
    abort();
}

void test_fail(const char *file, int line, const char *expr, const char *detail,
               int saved_errno)
{
    fail_header(file, line, expr);
    if (detail != NULL)
        fprintf(stderr, "  %s\n", detail);
    fail_footer(saved_errno);
}

void test_fail_int(const char *file, int line, const char *expr, const char *op,
                   long long a, long long b, int saved_errno)
{
    fail_header(file, line, expr);
    fprintf(stderr, "  left:  %lld (%#llx)\n  right: %lld (%#llx)\n", a,
            (unsigned long long)a, b, (unsigned long long)b);
    fprintf(stderr, "  expected left %s right\n", op);
    fail_footer(saved_errno);
}

void test_fail_ptr(const char *file, int line, const char *expr, const void *a,
                   const void *b, int saved_errno)
{
    fail_header(file, line, expr);
    fprintf(stderr, "  left:  %p\n  right: %p\n", a, b);
    fail_footer(saved_errno);
}

void test_fail_str(const char *file, int line, const char *expr, const char *a,
                   const char *b, int saved_errno)
{
    fail_header(file, line, expr);
    fprintf(stderr, "  left:  %s%s%s\n", a ? "\"" : "", a ? a : "NULL",
            a ? "\"" : "");
    fprintf(stderr, "  right: %s%s%s\n", b ? "\"" : "", b ? b : "NULL",
            b ? "\"" : "");
    fail_footer(saved_errno);
}

/* ---- Helpers ---------------------------------------------------------- */

void *test_run_green(void *(*fn)(void *), void *arg)
{
    void *result = NULL;

    ASSERT_EQ(green_main(fn, arg, &result), 0);
    return result;
}

void *test_spawn_join(void *(*fn)(void *), void *arg)
{
    void *result = NULL;
    green_t *t;

    ASSERT_EQ(green_spawn(&t, fn, arg, NULL), 0);
    ASSERT_EQ(green_join(t, &result), 0);
    return result;
}

int test_under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
    if (RUNNING_ON_VALGRIND)
        return 1;
#endif
    const char *vg = getenv("GREEN_TEST_VALGRIND");
    return vg != NULL && strcmp(vg, "1") == 0;
}

static double parse_multiplier(void)
{
    const char *s = getenv("GREEN_TEST_TIMEOUT_MULTIPLIER");
    char *end;
    double m;

    if (s == NULL || *s == '\0')
        return test_under_valgrind() ? 10.0 : 1.0;
    m = strtod(s, &end);
    if (*end != '\0' || !(m > 0)) {
        fprintf(stderr,
                "unit-tests: ignoring bad "
                "GREEN_TEST_TIMEOUT_MULTIPLIER=%s\n",
                s);
        return 1.0;
    }
    return m;
}

double test_timeout_multiplier(void)
{
    static double multiplier;

    if (multiplier == 0)
        multiplier = parse_multiplier();
    return multiplier;
}

int64_t test_now_ns(clockid_t clock)
{
    struct timespec ts;

    ASSERT_EQ(clock_gettime(clock, &ts), 0);
    return test_timespec_ns(&ts);
}

int64_t test_timespec_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

struct timespec test_deadline(clockid_t clock, int64_t ns)
{
    int64_t t = test_now_ns(clock) + ns;
    struct timespec ts;

    ts.tv_sec = t / 1000000000;
    ts.tv_nsec = t % 1000000000;
    return ts;
}

uint64_t test_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

uint64_t test_fnv1a(uint64_t hash, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

/* ---- Running ---------------------------------------------------------- */

static void describe_status(int status, char *reason, size_t size)
{
    if (WIFEXITED(status))
        snprintf(reason, size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(reason, size, "signal %d, %s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(reason, size, "wait status %#x", status);
}

static void __attribute__((noreturn))
run_child(const struct test_entry *t, const sigset_t *mask)
{
    setpgid(0, 0);
    sigprocmask(SIG_SETMASK, mask, NULL);
    t->fn();
    fflush(NULL);
    _exit(0);
}

/* Wait for pid until timeout_ns has passed; 1 if it ended (*status set). */
static int wait_child(pid_t pid, int *status, int64_t timeout_ns,
                      const sigset_t *chld)
{
    int64_t deadline = test_now_ns(CLOCK_MONOTONIC) + timeout_ns;

    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR) {
            perror("unit-tests: waitpid");
            exit(2);
        }
        int64_t left = deadline - test_now_ns(CLOCK_MONOTONIC);
        if (left <= 0)
            return 0;
        /* Poll at least every 100 ms in case a SIGCHLD is missed. */
        if (left > 100 * TEST_MS)
            left = 100 * TEST_MS;
        struct timespec ts = {left / 1000000000, left % 1000000000};
        sigtimedwait(chld, NULL, &ts);
    }
}

/* Run one test in a child; 1 if it passed, else 0 with a reason. */
static int run_forked(const struct test_entry *t, char *reason, size_t size)
{
    double timeout_s = DEFAULT_TIMEOUT_S * test_timeout_multiplier();
    sigset_t chld, old;
    int status = 0;
    pid_t pid;

    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("unit-tests: fork");
        exit(2);
    }
    if (pid == 0)
        run_child(t, &old);
    setpgid(pid, pid);
    if (!wait_child(pid, &status, (int64_t)(timeout_s * 1e9), &chld)) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        snprintf(reason, size, "timeout after %g s", timeout_s);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return 0;
    }
    /* Whatever the test left behind in its process group goes too. */
    kill(-pid, SIGKILL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    describe_status(status, reason, size);
    return 0;
}

static const struct test_entry *find_test(const char *name)
{
    for (int i = 0; i < NTESTS; i++)
        if (strcmp(all_tests[i].name, name) == 0)
            return &all_tests[i];
    return NULL;
}

/* Run the named test (or report it unknown) as number n; 1 if it passed. */
static int run_one(int n, const char *name, int nofork)
{
    const struct test_entry *t = find_test(name);
    char reason[128] = "";
    int ok;

    if (t == NULL) {
        snprintf(reason, sizeof(reason), "no such test");
        ok = 0;
    } else if (nofork) {
        t->fn();
        ok = 1;
    } else {
        ok = run_forked(t, reason, sizeof(reason));
    }
    if (ok)
        printf("ok %d - %s\n", n, name);
    else
        printf("not ok %d - %s (%s)\n", n, name, reason);
    fflush(stdout);
    return ok;
}

int main(int argc, char **argv)
{
    const char *nf = getenv("GREEN_TEST_NOFORK");
    int nofork = nf != NULL && strcmp(nf, "1") == 0;
    int count = argc > 1 ? argc - 1 : NTESTS;
    int passed = 0, failed = 0;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < NTESTS; i++)
            printf("%s\n", all_tests[i].name);
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("1..%d\n", count);
    for (int i = 0; i < count; i++) {
        const char *name = argc > 1 ? argv[i + 1] : all_tests[i].name;
        if (run_one(i + 1, name, nofork))
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
