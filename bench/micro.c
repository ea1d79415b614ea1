/*
 * micro.c - green threads side by side with native threads, in one run.
 *
 * Usage: micro [PARKED [REPS]]
 *
 * PARKED (default 1000000, or $GREEN_BENCH_PARKED) is the number of green
 * threads parked at once for the memory rows; REPS (default 5) is how often
 * each timed benchmark runs.  The output is markdown on stdout.
 *
 * The timed benchmarks run inside one green_main.  The pthread variants run
 * there too: the green main thread only creates and joins the native
 * threads, so it blocks the OS thread while nothing green is runnable.  One
 * repetition runs every benchmark once, green and native alternating, so
 * that noise on a busy machine hits both sides alike; the table shows the
 * median of each and ratio = pthread median / green median.
 *
 * The memory benchmark runs first, in a forked child: its peak memory then
 * starts from a small, fresh process, and its million stacks do not stay
 * in the stack slabs during the timed runs.  It runs at whatever
 * vm.max_map_count the machine has: stacks are slots of large slabs, so
 * they do not each cost a mapping.  If spawning fails anyway (EAGAIN: a
 * mapping or memory limit), the table says how far it got and why.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "green.h"

enum {
    YIELD_SWITCHES = 2000000, /* green_yield calls, both threads together */
    GREEN_HANDOFFS = 1000000, /* green mutex+cond ping-pong hand-offs */
    PTHREAD_HANDOFFS = 100000,
    GREEN_SPAWNS = 100000,
    PTHREAD_SPAWNS = 20000,
    DEFAULT_PARKED = 1000000,
    DEFAULT_REPS = 5,
    MAX_REPS = 101,
    TIMEOUT_S = 120, /* a hung core must not hang `make bench` */
    BUDGET_S = 40,   /* no new repetition starts this long after main began */
    MIN_REPS = 3,
};

/* The targets from the design brief. */
#define SWITCH_MAX_NS 10.0 /* issue 15 (the brief asked <= 25) */
#define SWITCH_MIN_RATIO 50.0
#define SPAWN_MIN_RATIO 20.0
#define SPAWN_MAX_NS 100.0     /* issue 15 */
#define PARKED_TARGET 1000000L /* parked at once, at the default limits */
#define PARK_MAX_MS 3000.0     /* spawn+park of PARKED_TARGET threads */
#define PARKED_MAX_KIB 5.0     /* peak RSS + page tables per thread */

static volatile pid_t mem_child;
static double run_start; /* CLOCK_MONOTONIC ns when main began */

static void die(const char *what, int err)
{
    fprintf(stderr, "micro: %s: %s\n", what, strerror(err));
    exit(1);
}

static void check(const char *what, int err)
{
    if (err != 0)
        die(what, err);
}

static double clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/*
 * The green benchmarks run on one OS thread, so its CPU time is their cost
 * without the time spent waiting for a CPU on a busy machine.  The table
 * uses elapsed time; this goes into the notes, for judging the noise.
 */
static double cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static double cpu_per_op; /* on-CPU ns per operation of the last green run */

/* ---- Switch: green_yield ping-pong -------------------------------------- */

struct yield_pp {
    long rounds;       /* yields per thread */
    int last;          /* id of the thread that ran last */
    long alternations; /* times a thread found the other had run */
};

struct pp_arg {
    void *pp;
    int id;
};

/*
 * Counting alternations costs a load and a compare per switch; it proves
 * that green_yield really switched instead of returning at once.
 */
static void *yield_loop(void *arg)
{
    struct pp_arg *a = arg;
    struct yield_pp *pp = a->pp;

    for (long i = 0; i < pp->rounds; i++) {
        if (pp->last != a->id) {
            pp->alternations++;
            pp->last = a->id;
        }
        green_yield();
    }
    return NULL;
}

/* Spawn two green threads and time them until both have ended.  They first
 * run when this thread blocks in green_join, so spawning is not timed. */
static double run_green_pair(void *(*fn)(void *), void *pp, long ops)
{
    struct pp_arg args[2] = {{pp, 0}, {pp, 1}};
    green_t *t[2];
    double t0, c0;

    for (int i = 0; i < 2; i++)
        check("green_spawn", green_spawn(&t[i], fn, &args[i], NULL));
    c0 = cpu_ns();
    t0 = now_ns();
    for (int i = 0; i < 2; i++)
        check("green_join", green_join(t[i], NULL));
    t0 = now_ns() - t0;
    cpu_per_op = (cpu_ns() - c0) / ops;
    return t0 / ops;
}

static long yield_bad_runs;

static double bench_green_yield(long switches)
{
    struct yield_pp pp = {.rounds = switches / 2, .last = -1};
    double ns = run_green_pair(yield_loop, &pp, 2 * pp.rounds);

    if (pp.alternations < switches * 9 / 10)
        yield_bad_runs++;
    return ns;
}

/* ---- Switch: green mutex+cond ping-pong --------------------------------- */

struct green_pp {
    green_mutex_t m;
    green_cond_t c;
    int turn;
    long rounds; /* hand-offs per thread */
};

static void *green_pp_loop(void *arg)
{
    struct pp_arg *a = arg;
    struct green_pp *pp = a->pp;

    for (long i = 0; i < pp->rounds; i++) {
        check("green_mutex_lock", green_mutex_lock(&pp->m));
        while (pp->turn != a->id)
            check("green_cond_wait", green_cond_wait(&pp->c, &pp->m));
        pp->turn = !a->id;
        green_cond_signal(&pp->c);
        check("green_mutex_unlock", green_mutex_unlock(&pp->m));
    }
    return NULL;
}

static double bench_green_pp(long handoffs)
{
    struct green_pp pp = {.rounds = handoffs / 2};
    double ns;

    check("green_mutex_init", green_mutex_init(&pp.m, GREEN_MUTEX_NORMAL));
    check("green_cond_init", green_cond_init(&pp.c, CLOCK_MONOTONIC));
    ns = run_green_pair(green_pp_loop, &pp, 2 * pp.rounds);
    check("green_cond_destroy", green_cond_destroy(&pp.c));
    check("green_mutex_destroy", green_mutex_destroy(&pp.m));
    return ns;
}

/* ---- Switch: pthread mutex+cond ping-pong ------------------------------- */

struct pthread_pp {
    pthread_mutex_t m;
    pthread_cond_t c;
    pthread_barrier_t start;
    int turn;
    long rounds;
};

static void *pthread_pp_loop(void *arg)
{
    struct pp_arg *a = arg;
    struct pthread_pp *pp = a->pp;

    pthread_barrier_wait(&pp->start);
    for (long i = 0; i < pp->rounds; i++) {
        pthread_mutex_lock(&pp->m);
        while (pp->turn != a->id)
            pthread_cond_wait(&pp->c, &pp->m);
        pp->turn = !a->id;
        pthread_cond_signal(&pp->c);
        pthread_mutex_unlock(&pp->m);
    }
    return NULL;
}

/* Both native threads start together from a barrier, so thread creation
 * is not timed. */
static double bench_pthread_pp(long handoffs)
{
    struct pthread_pp pp = {.rounds = handoffs / 2};
    struct pp_arg args[2] = {{&pp, 0}, {&pp, 1}};
    pthread_t t[2];
    double t0;

    pthread_mutex_init(&pp.m, NULL);
    pthread_cond_init(&pp.c, NULL);
    pthread_barrier_init(&pp.start, NULL, 3);
    for (int i = 0; i < 2; i++)
        check("pthread_create",
              pthread_create(&t[i], NULL, pthread_pp_loop, &args[i]));
    pthread_barrier_wait(&pp.start);
    t0 = now_ns();
    for (int i = 0; i < 2; i++)
        check("pthread_join", pthread_join(t[i], NULL));
    t0 = now_ns() - t0;
    pthread_barrier_destroy(&pp.start);
    pthread_cond_destroy(&pp.c);
    pthread_mutex_destroy(&pp.m);
    return t0 / (2 * pp.rounds);
}

/* ---- Spawn+join --------------------------------------------------------- */

static void *trivial(void *arg)
{
    return arg;
}

static double bench_green_spawn(long n)
{
    double c0 = cpu_ns(), t0 = now_ns();

    for (long i = 0; i < n; i++) {
        green_t *t;
        void *r;

        check("green_spawn", green_spawn(&t, trivial, (void *)i, NULL));
        check("green_join", green_join(t, &r));
        if (r != (void *)i)
            die("green_join returned a wrong value", EPROTO);
    }
    t0 = now_ns() - t0;
    cpu_per_op = (cpu_ns() - c0) / n;
    return t0 / n;
}

static double bench_pthread_spawn(long n)
{
    double t0 = now_ns();

    for (long i = 0; i < n; i++) {
        pthread_t t;
        void *r;

        check("pthread_create", pthread_create(&t, NULL, trivial, (void *)i));
        check("pthread_join", pthread_join(t, &r));
        if (r != (void *)i)
            die("pthread_join returned a wrong value", EPROTO);
    }
    return (now_ns() - t0) / n;
}

/* ---- The timed runs ----------------------------------------------------- */

enum {
    B_YIELD,
    B_GREEN_PP,
    B_PTHREAD_PP,
    B_GREEN_SPAWN,
    B_PTHREAD_SPAWN,
    B_COUNT
};

static const struct bench {
    const char *name;
    double (*run)(long n);
    long n;
} benches[B_COUNT] = {
    [B_YIELD] = {"green yield", bench_green_yield, YIELD_SWITCHES},
    [B_GREEN_PP] = {"green cond", bench_green_pp, GREEN_HANDOFFS},
    [B_PTHREAD_PP] = {"pthread cond", bench_pthread_pp, PTHREAD_HANDOFFS},
    [B_GREEN_SPAWN] = {"green spawn", bench_green_spawn, GREEN_SPAWNS},
    [B_PTHREAD_SPAWN] = {"pthread spawn", bench_pthread_spawn, PTHREAD_SPAWNS},
};

struct timed {
    int reps, reps_asked;
    double ns[B_COUNT][MAX_REPS];  /* elapsed ns per operation */
    double cpu[B_COUNT][MAX_REPS]; /* on-CPU ns per operation, or 0 */
    double median[B_COUNT], min[B_COUNT], max[B_COUNT];
    double cpu_median[B_COUNT];
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Sorts v in place. */
static double median(double *v, int n)
{
    qsort(v, n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void summarise(struct timed *t)
{
    for (int b = 0; b < B_COUNT; b++) {
        double v[MAX_REPS];

        memcpy(v, t->ns[b], t->reps * sizeof v[0]);
        t->median[b] = median(v, t->reps);
        t->min[b] = v[0];
        t->max[b] = v[t->reps - 1];
        memcpy(v, t->cpu[b], t->reps * sizeof v[0]);
        t->cpu_median[b] = median(v, t->reps);
    }
}

/*
 * One untimed round at a tenth of the size fills the stack pools (ours and
 * glibc's) and faults in the pages first.  On a very busy machine the
 * native threads can take ten times longer than usual: after BUDGET_S no
 * new repetition starts, so that the whole run stays near a minute.
 */
static void *timed_main(void *arg)
{
    struct timed *t = arg;

    for (int b = 0; b < B_COUNT; b++)
        benches[b].run(benches[b].n / 10);
    yield_bad_runs = 0;
    t->reps_asked = t->reps;
    for (int r = 0; r < t->reps_asked; r++) {
        if (r >= MIN_REPS && now_ns() - run_start > BUDGET_S * 1e9) {
            t->reps = r;
            break;
        }
        for (int b = 0; b < B_COUNT; b++) {
            cpu_per_op = 0;
            t->ns[b][r] = benches[b].run(benches[b].n);
            t->cpu[b][r] = cpu_per_op;
        }
    }
    summarise(t);
    return NULL;
}

/* ---- Memory: many parked green threads ---------------------------------- */

struct mem_result {
    long requested;
    long map_count; /* vm.max_map_count, or -1 */
    long spawned, parked;
    long base_kib, peak_kib;      /* VmHWM before and at the end */
    long base_pte_kib, pte_kib;   /* VmPTE before and while parked */
    long base_mappings, mappings; /* lines of /proc/self/maps, likewise */
    double spawn_ms, wake_ms;
    int err; /* what stopped spawning early, or 0 */
};

static green_sem_t park_sem;
static long parked_now;

static void *park(void *arg)
{
    (void)arg;
    parked_now++;
    check("green_sem_wait", green_sem_wait(&park_sem));
    parked_now--;
    return NULL;
}

/* A "VmXXX:   123 kB" line of /proc/self/status, in KiB, or -1. */
static long status_kib(const char *key)
{
    char line[256];
    long v = -1;
    size_t len = strlen(key);
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, len) == 0) {
            v = strtol(line + len, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Writing 5 to clear_refs (Linux 4.0+) resets VmHWM to the current RSS.
 * In a fresh child it is nearly there anyway, so a failure is harmless. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");

    if (f != NULL) {
        fputs("5", f);
        fclose(f);
    }
}

static long count_mappings(void)
{
    long lines = 0;
    int c;
    FILE *f = fopen("/proc/self/maps", "r");

    if (f == NULL)
        return -1;
    while ((c = getc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    return lines;
}

static long read_long_file(const char *path)
{
    long v = -1;
    FILE *f = fopen(path, "r");

    if (f != NULL) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* Spawn up to res->spawned threads that park in green_sem_wait, let them
 * all run once, then wake and join them. */
static void *mem_main(void *arg)
{
    struct mem_result *res = arg;
    long n = res->spawned;
    green_t **t = malloc(n * sizeof *t);
    double t0;

    if (t == NULL)
        die("malloc", ENOMEM);
    memset(t, 0, n * sizeof *t); /* touched now: part of the baseline */
    check("green_sem_init", green_sem_init(&park_sem, 0));
    res->base_mappings = count_mappings();
    res->base_pte_kib = status_kib("VmPTE:");
    reset_peak_rss();
    res->base_kib = status_kib("VmHWM:");
    t0 = now_ns();
    for (res->spawned = 0; res->spawned < n; res->spawned++) {
        res->err = green_spawn(&t[res->spawned], park, NULL, NULL);
        if (res->err != 0)
            break;
    }
    for (int i = 0; i < 10 && parked_now < res->spawned; i++)
        green_yield();
    res->spawn_ms = (now_ns() - t0) / 1e6;
    res->parked = parked_now;
    res->pte_kib = status_kib("VmPTE:");
    res->mappings = count_mappings();
    t0 = now_ns();
    for (long i = 0; i < res->spawned; i++)
        check("green_sem_post", green_sem_post(&park_sem));
    for (long i = 0; i < res->spawned; i++)
        check("green_join", green_join(t[i], NULL));
    res->wake_ms = (now_ns() - t0) / 1e6;
    res->peak_kib = status_kib("VmHWM:");
    free(t);
    return NULL;
}

static void plan_memory(struct mem_result *res, long requested)
{
    res->requested = requested;
    res->spawned = requested;
    res->map_count = read_long_file("/proc/sys/vm/max_map_count");
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        ssize_t r = read(fd, p, len);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= r;
    }
    return 0;
}

/* Run mem_main in a child.  Returns 0, or the child's wait status (-1 if
 * it exited cleanly without a result). */
static int run_memory(struct mem_result *res)
{
    struct mem_result got = *res;
    int fds[2], status, ok;

    if (pipe(fds) != 0)
        die("pipe", errno);
    fflush(NULL);
    mem_child = fork();
    if (mem_child < 0)
        die("fork", errno);
    if (mem_child == 0) {
        close(fds[0]);
        check("green_main", green_main(mem_main, &got, NULL));
        _exit(write(fds[1], &got, sizeof got) == sizeof got ? 0 : 1);
    }
    close(fds[1]);
    ok = read_full(fds[0], &got, sizeof got) == 0;
    close(fds[0]);
    while (waitpid(mem_child, &status, 0) < 0 && errno == EINTR)
        ;
    mem_child = 0;
    if (!ok)
        return status != 0 ? status : -1;
    *res = got;
    return 0;
}

/* ---- Report ------------------------------------------------------------- */

static const char *yes_no(int ok)
{
    return ok ? "yes" : "no";
}

static int targets_met, targets_total;

static void row(const char *name, const struct timed *t, int g, int p,
                const char *target, int verdict)
{
    double ratio = t->median[p] / t->median[g];

    printf("| %s | %.1f ns | %.1f ns | %.1fx | %s | %s |\n", name, t->median[g],
           t->median[p], ratio, target, verdict < 0 ? "-" : yes_no(verdict));
    if (verdict >= 0) {
        targets_total++;
        targets_met += verdict;
    }
}

static void print_timed(const struct timed *t)
{
    double yield = t->median[B_YIELD];
    double sw_ratio = t->median[B_PTHREAD_PP] / yield;
    double sp_ratio = t->median[B_PTHREAD_SPAWN] / t->median[B_GREEN_SPAWN];

    printf("| benchmark | green | pthread | ratio | target | met? |\n");
    printf("|---|--:|--:|--:|---|---|\n");
    row("switch: yield ping-pong (green) vs mutex+cond ping-pong "
        "(pthread), per switch",
        t, B_YIELD, B_PTHREAD_PP, "green <= 10 ns and >= 50x",
        yield <= SWITCH_MAX_NS && sw_ratio >= SWITCH_MIN_RATIO &&
            yield_bad_runs == 0);
    row("switch: mutex+cond ping-pong (both), per hand-off", t, B_GREEN_PP,
        B_PTHREAD_PP, "informative", -1);
    row("spawn+join of a trivial function, per thread", t, B_GREEN_SPAWN,
        B_PTHREAD_SPAWN, "green <= 100 ns and >= 20x",
        t->median[B_GREEN_SPAWN] <= SPAWN_MAX_NS &&
            sp_ratio >= SPAWN_MIN_RATIO);
}

/* One row of the memory table; verdict < 0: informative. */
static void mem_row(const char *measure, const char *value, const char *target,
                    int verdict)
{
    printf("| %s | %s | %s | %s |\n", measure, value, target,
           verdict < 0 ? "-" : yes_no(verdict));
    if (verdict >= 0) {
        targets_total++;
        targets_met += verdict;
    }
}

static void print_memory(const struct mem_result *m, int status)
{
    long n = m->parked > 0 ? m->parked : 1;
    double kib =
        (double)(m->peak_kib - m->base_kib + m->pte_kib - m->base_pte_kib) / n;
    double us = m->spawn_ms * 1e3 / n;
    int all = status == 0 && m->parked == m->requested;
    char value[160], target[160];

    printf("\n| parked green threads (green_spawn, each in green_sem_wait; "
           "shared TLS) | measured | target | met? |\n");
    printf("|---|--:|---|---|\n");
    if (status != 0) {
        mem_row("threads parked at once", "the child failed",
                ">= 1000000 at the default vm.max_map_count", 0);
        return;
    }
    snprintf(value, sizeof value, "%ld", m->parked);
    if (m->spawned < m->requested)
        snprintf(value, sizeof value, "%ld of %ld (%s)", m->parked,
                 m->requested, m->err ? strerror(m->err) : "?");
    snprintf(target, sizeof target,
             ">= %ld with vm.max_map_count %ld (Debian's default: 65530)",
             PARKED_TARGET, m->map_count);
    mem_row("threads parked at once", value, target,
            all && m->requested >= PARKED_TARGET);
    snprintf(value, sizeof value, "%.0f ms (%.2f us each)", m->spawn_ms, us);
    snprintf(target, sizeof target, "<= %.0f ms for %ld (%.1f us each)",
             PARK_MAX_MS, PARKED_TARGET, PARK_MAX_MS * 1e3 / PARKED_TARGET);
    mem_row("spawn+park, all of them", value, target,
            all && us <= PARK_MAX_MS * 1e3 / PARKED_TARGET);
    snprintf(value, sizeof value, "%.2f KiB (%.0f MiB in all)", kib,
             kib * n / 1024);
    snprintf(target, sizeof target, "<= %.1f KiB", PARKED_MAX_KIB);
    mem_row("peak memory per parked thread: RSS + page tables", value, target,
            all && kib <= PARKED_MAX_KIB);
    snprintf(value, sizeof value, "%ld", m->mappings - m->base_mappings);
    mem_row("mappings added (each counts against vm.max_map_count)", value,
            "informative", -1);
}

static void print_notes(const struct timed *t, const struct mem_result *m,
                        int status)
{
    printf("\nNotes:\n\n");
    printf("- median of %d runs, green and pthread alternating; "
           "ratio = pthread / green (higher is better)\n",
           t->reps);
    if (t->reps < t->reps_asked)
        printf("- only %d of %d runs: the machine is slow or busy, the "
               "time budget of %d s ran out\n",
               t->reps, t->reps_asked, BUDGET_S);
    printf("- spread (min..max, ns):");
    for (int b = 0; b < B_COUNT; b++)
        printf("%s %s %.1f..%.1f", b ? ";" : "", benches[b].name, t->min[b],
               t->max[b]);
    printf("\n- on-CPU time of the green runs (CLOCK_THREAD_CPUTIME_ID, "
           "medians, ns): ");
    for (int b = 0, n = 0; b < B_COUNT; b++)
        if (t->cpu_median[b] > 0)
            printf("%s%s %.1f", n++ ? "; " : "", benches[b].name,
                   t->cpu_median[b]);
    printf("; equal to elapsed when the OS thread was never preempted\n");
    printf("- sizes: %d yields, %d green and %d pthread hand-offs, "
           "%d green and %d pthread spawns\n",
           YIELD_SWITCHES, GREEN_HANDOFFS, PTHREAD_HANDOFFS, GREEN_SPAWNS,
           PTHREAD_SPAWNS);
    if (yield_bad_runs)
        printf("- WARNING: in %ld runs green_yield did not alternate the two "
               "threads\n",
               yield_bad_runs);
    if (status != 0)
        printf("- memory: the child failed (wait status %#x)\n", status);
    else
        printf("- memory: peak RSS = VmHWM - baseline (%ld KiB), page "
               "tables = VmPTE while parked - baseline (%ld of %ld KiB); "
               "wake+join %.0f ms\n",
               m->base_kib, m->base_pte_kib, m->pte_kib, m->wake_ms);
    printf("- targets met: %d of %d\n", targets_met, targets_total);
}

/* ---- main --------------------------------------------------------------- */

static void on_alarm(int sig)
{
    static const char msg[] = "micro: timed out, the core seems to hang\n";

    (void)sig;
    if (mem_child > 0)
        kill(mem_child, SIGKILL);
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(3);
    _exit(3);
}

static long parse_count(const char *s, const char *what, long max)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;

    if (s == NULL || *s == '\0' || *end != '\0' || v < 1 || v > max) {
        fprintf(stderr, "micro: %s must be 1..%ld, not '%s'\n", what, max,
                s ? s : "");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static struct timed t = {.reps = DEFAULT_REPS};
    struct mem_result mem = {0};
    const char *env = getenv("GREEN_BENCH_PARKED");
    long parked = DEFAULT_PARKED;
    int status;

    if (argc > 3) {
        fprintf(stderr, "usage: micro [PARKED [REPS]]\n");
        return 2;
    }
    if (argc > 1)
        parked = parse_count(argv[1], "PARKED", 10000000);
    else if (env != NULL && *env != '\0')
        parked = parse_count(env, "GREEN_BENCH_PARKED", 10000000);
    if (argc > 2)
        t.reps = parse_count(argv[2], "REPS", MAX_REPS);
    run_start = now_ns();
    signal(SIGALRM, on_alarm);
    alarm(TIMEOUT_S);

    plan_memory(&mem, parked);
    status = run_memory(&mem);
    check("green_main", green_main(timed_main, &t, NULL));
    alarm(0);

    print_timed(&t);
    print_memory(&mem, status);
    print_notes(&t, &mem, status);
    return 0;
}
