/*
 * green.c - green threads: creation, exit, join, detach, names.
 *
 * A thread's struct green lives at the top of its own stack mapping, as
 * glibc keeps struct pthread, so a spawn costs one mapping (or none, from
 * the pool) and no malloc.  Each stack starts at a slightly different offset
 * below its header so that the hot top frames of many threads do not all
 * fall into the same cache sets.  The offset (its colour) follows from the
 * stack's address, not from a count of spawns: a reused slot puts struct
 * green where its last thread had it, still in the cache, and the handle
 * of that thread then names the new one at once (handles.c).
 *
 * A stack the program gives (pthread_attr_setstack) is all the program's:
 * the thread runs on exactly the bytes it was given, and struct green with
 * what private TLS needs goes into an allocation of its own.  greenrun never
 * frees or unmaps such a stack; the program may reuse it once the thread
 * is joined.
 *
 * An ended thread keeps its stack until it is joined; a detached one is
 * released by whoever runs next (green__reap), since a thread cannot unmap
 * the stack it is running on.  For the same reason an ended thread is
 * marked done, and its joiner woken, only by whoever runs next on its hub:
 * a joiner on another hub must not free a stack still in use.  The common
 * case is quicker: a joiner parked on the same hub cannot run before the
 * ending thread has switched away, and nobody else may release a thread
 * that has a joiner, so the thread marks itself done, wakes its joiner and
 * switches straight to it (hand_over), with nothing left to reap.
 *
 * With several hubs a new thread is created on the hub it will run on
 * (green__place), from that hub's pools, under the scheduler lock.
 */
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "tls.h"
#include "world.h"

#define COLOUR_STEP 64
#define COLOUR_SLOTS 16

/* struct green, rounded up to its alignment. */
#define GREEN_SIZE ((sizeof(struct green) + 63) / 64 * 64)

/* What a stack holds above the thread's frames: struct green, what
 * private TLS needs (tls_room), and room for the colour offsets. */
static size_t header_size(size_t tls_room)
{
    return GREEN_SIZE + tls_room + COLOUR_STEP * COLOUR_SLOTS;
}

/* Zero the GREEN_SIZE bytes of a new struct green a cache line at a time:
 * GCC makes one memset of them a rep stos, whose start-up costs a spawn
 * more than all the stores (about 10 ns). */
static void zero_green(struct green *g)
{
    for (size_t i = 0; i < GREEN_SIZE; i += 64)
        memset((char *)g + i, 0, 64);
}

static void set_name(struct green *g, const char *name)
{
    size_t len = name ? strnlen(name, sizeof g->name - 1) : 0;
    memcpy(g->name, name ? name : "", len);
    g->name[len] = '\0';
}

/* ---- The hub's list of its threads ------------------------------------ */

/* Kept here, beside the spawn and the release that use them on every
 * thread, so that the compiler inlines them there. */
void green__all_add(struct green__hub *h, struct green *g)
{
    g->all_prev = NULL;
    g->all_next = h->all;
    if (h->all)
        h->all->all_prev = g;
    h->all = g;
}

void green__all_remove(struct green__hub *h, struct green *g)
{
    if (g->all_prev)
        g->all_prev->all_next = g->all_next;
    else if (h->all == g)
        h->all = g->all_next;
    if (g->all_next)
        g->all_next->all_prev = g->all_prev;
    g->all_prev = g->all_next = NULL;
}

/* Where a new thread's struct green, its TLS room and its first frame go. */
struct placement {
    struct green *g;
    char *tls_room;
    char *top; /* the stack starts below this, 16-byte aligned */
};

/* Where struct green goes below the top of stack s: neighbouring slots of
 * a slab, whose tops are a page multiple apart (65 pages by default), take
 * successive colours. */
static size_t colour_of(const struct green__stack *s)
{
    return ((uintptr_t)s->hi >> 12) % COLOUR_SLOTS * COLOUR_STEP;
}

/* A stack of greenrun's, with struct green at its top and the TLS room
 * below it.  0, -EINVAL or -EAGAIN. */
static int place_on_new_stack(struct green__hub *h, size_t usable,
                              size_t tls_room, struct placement *p)
{
    struct green__stack stack;
    if (usable < GREEN__STACK_MIN)
        return -EINVAL;
    int r = green__stack_alloc(h, usable + header_size(tls_room),
                               usable == h->default_stack, &stack);
    if (r < 0)
        return r;
    green__asan_fresh_stack(&stack);
    p->g = (struct green *)(stack.hi - colour_of(&stack) - GREEN_SIZE);
    zero_green(p->g);
    p->g->stack = stack;
    p->g->usable_size = usable;
    p->tls_room = (char *)p->g - tls_room;
    p->top = p->tls_room;
    return 0;
}

/* The program's stack: struct green and the TLS room are allocated apart,
 * so that the thread has all of [lo, lo + size), as the program sized it.
 * 0, -EINVAL or -EAGAIN.  Rare: kept out of create's way. */
static __attribute__((noinline, cold)) int
place_apart(void *lo, size_t size, size_t tls_room, struct placement *p)
{
    if (size < GREEN__STACK_MIN)
        return -EINVAL;
    struct green *g = aligned_alloc(64, GREEN_SIZE + tls_room);
    if (!g)
        return -EAGAIN;
    zero_green(g);
    green__stack_given(&g->stack, lo, size);
    green__asan_fresh_stack(&g->stack);
    g->stack_given = 1;
    g->usable_size = size;
    p->g = g;
    p->tls_room = (char *)g + GREEN_SIZE;
    p->top = (char *)((uintptr_t)g->stack.hi & ~(uintptr_t)15);
    return 0;
}

/* Undo a placement whose thread never ran. */
static void unplace(struct green__hub *h, struct green *g)
{
    struct green__stack stack = g->stack;
    int given = g->stack_given;
    green__stack_release(h, &stack, g->usable_size == h->default_stack);
    if (given)
        free(g);
}

static int create(struct green__hub *h, struct green **out, void *(*fn)(void *),
                  void *arg, const green_attr_t *attr, void *stack_lo,
                  size_t stack_size)
{
    size_t usable =
        attr && attr->stack_size ? attr->stack_size : h->default_stack;
    size_t tls_room = h->private_tls ? green__tls_stack_room() : 0;
    struct placement p;
    int r = stack_lo ? place_apart(stack_lo, stack_size, tls_room, &p)
                     : place_on_new_stack(h, usable, tls_room, &p);
    if (r < 0)
        return r;
    struct green *g = p.g;
    g->magic = GREEN__MAGIC;
    g->hub = h;
    g->home = h;
    g->fn = fn;
    g->arg = arg;
    g->state = GREEN__RUNNABLE;
    g->detached = attr && attr->detached;
    /* Its creator's signal mask, and greenrun's frames until its function
     * starts (hooks/trap.c), before another worker can run it. */
    g->sigmask = h->current ? h->current->sigmask : 0;
    if (green__program_hook)
        g->trap_depth = 1;
    if (attr && attr->name)
        set_name(g, attr->name); /* else "": zeroed */
    green__init_watchers(g);
    green__tsan_created(g, 0);
    g->tls = h->native_tp;
    if (tls_room && (r = green__tls_create(h, g, p.tls_room)) < 0) {
        unplace(h, g);
        return r;
    }
    g->sp = green__stack_init(p.top);
    *out = g;
    return 0;
}

int green__create(struct green__hub *h, struct green **out, void *(*fn)(void *),
                  void *arg, const green_attr_t *attr)
{
    return create(h, out, fn, arg, attr, NULL, 0);
}

int green__spawn_on(struct green__hub *creator, struct green **out,
                    void *(*fn)(void *), void *arg, const green_attr_t *attr,
                    void *stack_lo, size_t stack_size)
{
    struct green__world *w = creator->world;
    /* Made from the creator's own pools, without the lock: making TLS
     * takes the dynamic loader's lock, which a dlopen on another worker
     * may hold while it closes a file through our hooks. */
    int r = create(creator, out, fn, arg, attr, stack_lo, stack_size);
    if (r < 0)
        return r;
    struct green *g = *out;
    green__lock();
    struct green__hub *h = green__place(creator);
    if (h != creator) {
        green__tls_rehome(g, h);
        g->hub = h;
    }
    green__all_add(h, g);
    green__handle_reuse(h, g); /* a stale handle now names this one */
    g->id = green__next_id(h->world);
    h->live++;
    h->stats.spawned++;
    if (h->live > h->stats.peak_live)
        h->stats.peak_live = h->live;
    if (++w->live > w->peak_live)
        w->peak_live = w->live;
    if (h == creator)
        green__runq_push(h, g);
    else
        green__inbox_push(h, g);
    green__unlock();
    return 0;
}

int green__spawn(struct green__hub *creator, struct green **out,
                 void *(*fn)(void *), void *arg, const green_attr_t *attr)
{
    return green__spawn_on(creator, out, fn, arg, attr, NULL, 0);
}

void (*green__program_hook)(struct green *g, int entering);

void (*green__thread_exit_hook)(struct green *g);

/* g has ended: count it out.  Called locked. */
static void mark_done(struct green__hub *h, struct green *g)
{
    struct green__world *w = h->world;
    g->state = GREEN__DONE;
    h->live--;
    w->live--;
    if (g->is_first)
        w->first_result = g->result;
}

/* The ending thread self ends at once, and wakes its joiner to release it,
 * if that joiner is parked on this hub (one whose wait is over, by a time
 * limit or a cancel, will not release it) and self is not the last thread
 * (whose end wakes green_main, maybe on another hub).  1 if so; else the
 * next context to run here finishes self's exit.  Called locked. */
static inline int hand_over(struct green__hub *h, struct green *self)
{
    struct green *joiner = self->joiner;
    if (!joiner || joiner->hub != h || joiner->state != GREEN__PARKED ||
        h->world->live < 2)
        return 0;
    mark_done(h, self);
    green__wake(joiner, 0);
    return 1;
}

/* What green__exit does, inlined into green__start too, where every
 * thread that returns from its function ends: there its last call, to
 * green__schedule, is a jump (switch_x86_64.S says why). */
static inline __attribute__((always_inline)) void
end_thread(struct green__hub *h, void *result)
{
    struct green *self = h->current;
    /* C++ thread_local objects, then keys: glibc's order. */
    if (green__tls_own(self))
        green__tls_exit(self);
    if (green__thread_exit_hook)
        green__thread_exit_hook(self);
    self->result = result;
    green__lock();
    /* The last thread ended and nobody waits for that (green_main and
     * main's pthread_exit do): only a forked child whose forking thread
     * was not main gets here.  POSIX: the process exits as if by exit(0),
     * atexit handlers included, as glibc does from the last thread. */
    if (h->world->live == 1 && !h->world->all_done) {
        green__unlock();
        exit(0);
    }
    int handed = hand_over(h, self);
    green__unlock();
    if (!handed)
        h->exiting = self;
    green__schedule(h);
}

void green__start(void)
{
    struct green__hub *h = green__hub;
    struct green *self = h->current;
    green__asan_arrive(self, h->previous);
    errno = self->saved_errno;
    if (green__tls_own(self))
        green__tls_fresh(self);
    green__reap(h);
    if (green__program_hook)
        green__program_hook(self, 1);
    void *result = self->fn(self->arg);
    if (green__program_hook)
        green__program_hook(self, 0);
    end_thread(h, result);
}

void green__start_returned(void)
{
    green__assert(!"an ended green thread was resumed");
}

void green__exit(struct green__hub *h, void *result)
{
    end_thread(h, result);
    green__start_returned();
}

/* The rest of green__exit, by the next context to run on the hub.  Out of
 * line: green__reap, called after every switch, stays a test. */
static __attribute__((noinline)) void finish_exit(struct green__hub *h,
                                                  struct green *g)
{
    struct green__world *w = h->world;
    green__lock();
    mark_done(h, g);
    if (g->joiner)
        green__wake(g->joiner, 0);
    if (w->live == 0 && w->all_done)
        green__wake(w->all_done, 0);
    int detached = g->detached;
    if (!detached)
        green__queue_push(&h->zombies, g);
    green__unlock();
    if (detached)
        green__release_at_home(g);
}

void green__release(struct green *g)
{
    struct green__hub *h = g->home;
    struct green__stack stack = g->stack;
    green__assert(g->state != GREEN__PARKED);
    green__lock();
    g->magic = 0;
    green__handle_retire(h, g);
    green__all_remove(g->hub, g);
    green__unlock();
    green__tsan_released(g);
    if (g->specific)
        green__specific_free(g);
    if (green__tls_own(g))
        green__tls_release(h, g);
    if (g->stack_given) {
        /* The program's again: without the redzones of the frames that
         * were left on it (ASan), and kept. */
        green__asan_fresh_stack(&stack);
        green__stack_release(h, &stack, 0);
        free(g);
        return;
    }
    if (!stack.map) {
        free(g); /* adopted: its stack is not ours */
        return;
    }
    green__stack_release(h, &stack, g->usable_size == h->default_stack);
}

void green__reap(struct green__hub *h)
{
    struct green *g = h->exiting;
    if (g) {
        h->exiting = NULL;
        finish_exit(h, g);
    }
}

/* ---- The explicit API ---------------------------------------------------- */

GREEN_EXPORT int green_spawn(green_t **thread, void *(*fn)(void *), void *arg,
                             const green_attr_t *attr)
{
    struct green__hub *h = green__hub;
    if (!h)
        return green__api_result(-EPERM);
    return green__api_result(
        green__spawn_on(h, thread, fn, arg, attr, NULL, 0));
}

/* Inlined: each frame between the joiner and the switch costs a
 * mispredicted return when the joiner is switched back to. */
static inline __attribute__((always_inline)) int
join_locked(green_t *t, void **result, int64_t timeout_ns)
{
    struct green *self = green__current();
    if (!self)
        return -EPERM;
    if (t == self)
        return -EDEADLK;
    if (t->detached || t->joiner)
        return -EINVAL;
    if (t->state != GREEN__DONE) {
        t->joiner = self;
        if (timeout_ns >= 0)
            green__arm_timeout(self, timeout_ns);
        int r = green__park(self->hub);
        if (r < 0) {
            t->joiner = NULL;
            return r; /* -ETIMEDOUT, or -ECANCELED (preload) */
        }
    }
    t->joiner = self; /* joined: a second join is refused till released */
    if (result)
        *result = t->result;
    if (t->q)
        green__queue_remove(t); /* from the hub's zombies */
    return 0;
}

static inline __attribute__((always_inline)) int join(green_t *t, void **result,
                                                      int64_t timeout_ns)
{
    green__lock();
    int r = join_locked(t, result, timeout_ns);
    green__unlock();
    if (r == 0 && t->home == green__hub)
        green__release(t);
    else if (r == 0)
        green__release_at_home(t);
    return r;
}

GREEN_EXPORT int green_join(green_t *thread, void **result)
{
    return green__api_result(join(thread, result, GREEN_FOREVER));
}

GREEN_EXPORT int green_timedjoin(green_t *thread, void **result,
                                 int64_t timeout_ns)
{
    return green__api_result(join(thread, result, timeout_ns));
}

GREEN_EXPORT int green_detach(green_t *t)
{
    green__lock();
    if (t->detached || t->joiner) {
        green__unlock();
        return green__api_result(-EINVAL);
    }
    t->detached = 1; /* once released, its handle stands for a detached
                        thread */
    int done = t->state == GREEN__DONE;
    if (done)
        green__queue_remove(t);
    green__unlock();
    if (done)
        green__release_at_home(t);
    return 0;
}

GREEN_EXPORT void green_exit(void *result)
{
    if (!green__current()) {
        green__say("greenrun: green_exit called outside a green thread\n");
        abort();
    }
    green__exit(green__hub, result);
}

GREEN_EXPORT green_t *green_self(void)
{
    return green__current();
}

GREEN_EXPORT uint64_t green_id(const green_t *t)
{
    return t ? t->id : 0;
}

GREEN_EXPORT const char *green_name(const green_t *t)
{
    return t ? t->name : "";
}

GREEN_EXPORT void green_set_name(green_t *t, const char *name)
{
    if (t)
        set_name(t, name);
}
