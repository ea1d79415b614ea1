/*
 * test_observe.c - watching a hub from another OS thread (sched/observe.c):
 * the running thread's number and name, and no crash, only an error, when
 * the thread's memory is gone or the hub switched meanwhile.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "observe.h"
#include "test.h"

static struct green__hub *watched;
static uint64_t busy_id;
static int spinning, stop;

static void *busy(void *arg)
{
    busy_id = green_id(green_self());
    __atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
    /* Holds the OS thread until told: no switch while it is watched. */
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        ;
    return arg;
}

static void *hub_main(void *arg)
{
    green_attr_t attr = {.name = "busy"};
    green_t *t;

    (void)arg;
    watched = green__hub;
    ASSERT_EQ(green_spawn(&t, busy, NULL, &attr), 0);
    ASSERT_EQ(green_join(t, NULL), 0);
    return NULL;
}

static void *run_hub(void *arg)
{
    return test_run_green(hub_main, arg);
}

TEST(observe_running_thread_from_another_os_thread)
{
    struct green__observed o;
    pthread_t os_thread;
    struct timespec ms = {0, 1000000};

    ASSERT_EQ(pthread_create(&os_thread, NULL, run_hub, NULL), 0);
    while (!__atomic_load_n(&spinning, __ATOMIC_ACQUIRE))
        nanosleep(&ms, NULL);
    green__observe_hub(watched, &o);
    ASSERT(o.thread != NULL);
    ASSERT_EQ(o.live, 2);
    ASSERT_EQ(green__observe_thread(watched, &o), 0);
    ASSERT_EQ(o.id, busy_id);
    ASSERT_STR_EQ(o.name, "busy");
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    ASSERT_EQ(pthread_join(os_thread, NULL), 0);
}

/* A hub that names as running a thread at thread: only its words are
 * read, through the kernel. */
static struct green__hub *fake_hub(const void *thread)
{
    struct green__hub *h = calloc(1, sizeof *h);

    ASSERT(h != NULL);
    h->current = (struct green *)thread;
    h->live = 2;
    h->stats.switches = 7;
    return h;
}

TEST(observe_thread_whose_memory_is_gone)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    struct green__observed o;
    void *gone = mmap(NULL, page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    ASSERT(gone != MAP_FAILED);
    ASSERT_EQ(munmap(gone, page), 0);
    struct green__hub *h = fake_hub(gone);
    green__observe_hub(h, &o);
    ASSERT_PTR_EQ(o.thread, gone);
    ASSERT_EQ(o.switches, 7);
    ASSERT_EQ(green__observe_thread(h, &o), -EFAULT);
    ASSERT_EQ(o.id, 0);
    ASSERT_STR_EQ(o.name, "");
    free(h);
}

TEST(observe_thread_kept_only_if_the_hub_did_not_switch)
{
    struct green *g = calloc(1, sizeof *g);
    struct green__observed o;

    ASSERT(g != NULL);
    g->magic = GREEN__MAGIC;
    g->id = 42;
    strcpy(g->name, "worker");
    struct green__hub *h = fake_hub(g);
    green__observe_hub(h, &o);
    ASSERT_EQ(green__observe_thread(h, &o), 0);
    ASSERT_EQ(o.id, 42);
    ASSERT_STR_EQ(o.name, "worker");
    /* A switch between the two looks: the copy may mix two threads. */
    h->stats.switches++;
    ASSERT_EQ(green__observe_thread(h, &o), -EAGAIN);
    ASSERT_EQ(o.id, 0);
    /* Released (its magic cleared), the hub not yet seen switching. */
    green__observe_hub(h, &o);
    g->magic = 0;
    ASSERT_EQ(green__observe_thread(h, &o), -EAGAIN);
    free(h);
    free(g);
}
