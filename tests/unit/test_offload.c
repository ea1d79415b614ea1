/*
 * test_offload.c - green__offload: jobs on native worker threads.
 *
 * No timing asserts: that jobs run side by side is shown by a native
 * barrier only that many running jobs can pass, and that the hub keeps
 * running green threads meanwhile by a gate the jobs wait behind, which a
 * green thread opens while they wait.
 */
#include <pthread.h>
#include <semaphore.h>
#include <dirent.h>

#include "offload.h"
#include "test.h"

enum { NJOBS = 40 };

static sem_t gate;             /* jobs wait here until a green thread posts */
static pthread_barrier_t meet; /* or here, for each other */
static pthread_t hub_os_thread;
static int running, max_running; /* jobs inside their function right now */
static int submitted, finished;

struct job {
    int index;
    int result;
    pthread_t ran_on;
};

static void note_running(int delta)
{
    int now = __atomic_add_fetch(&running, delta, __ATOMIC_SEQ_CST);
    int max = __atomic_load_n(&max_running, __ATOMIC_SEQ_CST);
    while (now > max &&
           !__atomic_compare_exchange_n(&max_running, &max, now, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

static void gated_job(void *arg)
{
    struct job *j = arg;
    note_running(1);
    j->ran_on = pthread_self();
    while (sem_wait(&gate) < 0)
        ;
    j->result = j->index * 2;
    note_running(-1);
}

static void *submitter(void *arg)
{
    struct job *j = arg;
    submitted++;
    errno = 1000 + j->index;
    ASSERT_EQ(green__offload(green__hub, gated_job, j), 0);
    ASSERT_EQ(errno, 1000 + j->index); /* the job's errno is not ours */
    ASSERT_EQ(j->result, j->index * 2);
    ASSERT(!pthread_equal(j->ran_on, hub_os_thread));
    finished++;
    return NULL;
}

static void *pool_main(void *arg)
{
    static struct job jobs[NJOBS];
    green_t *t[NJOBS];
    (void)arg;
    hub_os_thread = pthread_self();
    for (int i = 0; i < NJOBS; i++) {
        jobs[i].index = i;
        ASSERT_EQ(green_spawn(&t[i], submitter, &jobs[i], NULL), 0);
    }
    /* Every submitter runs up to its offload and parks there. */
    while (submitted < NJOBS)
        green_yield();
    /* The pool fills up to its bound while the jobs wait at the gate, and
     * this green thread still runs. */
    while (__atomic_load_n(&running, __ATOMIC_SEQ_CST) < GREEN__OFFLOAD_THREADS)
        green_sleep(TEST_MS);
    ASSERT_EQ(finished, 0);
    for (int i = 0; i < NJOBS; i++)
        sem_post(&gate);
    for (int i = 0; i < NJOBS; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    ASSERT_EQ(finished, NJOBS);
    ASSERT_EQ(max_running, GREEN__OFFLOAD_THREADS);
    return NULL;
}

static int os_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    ASSERT(d != NULL);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

TEST(offload_pool_bounded_and_hub_runs)
{
    ASSERT_EQ(sem_init(&gate, 0, 0), 0);
    ASSERT_EQ(os_threads(), 1);
    test_run_green(pool_main, NULL);
    /* green_main's end destroyed the hub, which joined its workers. */
    ASSERT_EQ(os_threads(), 1);
    sem_destroy(&gate);
}

/* ---- Side by side ------------------------------------------------------ */

enum { NMEET = 8 };

static void meeting_job(void *arg)
{
    int r = pthread_barrier_wait(&meet);
    ASSERT(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
    *(int *)arg = 1;
}

static void *meeter(void *arg)
{
    ASSERT_EQ(green__offload(green__hub, meeting_job, arg), 0);
    ASSERT_EQ(*(int *)arg, 1);
    return NULL;
}

static void *meet_main(void *arg)
{
    static int done[NMEET];
    green_t *t[NMEET];
    (void)arg;
    for (int i = 0; i < NMEET; i++)
        ASSERT_EQ(green_spawn(&t[i], meeter, &done[i], NULL), 0);
    for (int i = 0; i < NMEET; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(offload_jobs_run_side_by_side)
{
    /* Only NMEET jobs running at once get through: one after another they
     * would wait at the barrier until the test times out. */
    ASSERT_EQ(pthread_barrier_init(&meet, NULL, NMEET), 0);
    test_run_green(meet_main, NULL);
    pthread_barrier_destroy(&meet);
}
