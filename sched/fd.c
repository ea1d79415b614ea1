/*
 * fd.c - what the hub knows about each descriptor.
 *
 * The table is indexed by fd number in pages of 256 entries that never
 * move, because waiting threads point at their entry's queue.  An entry
 * holds the green threads waiting on the fd (each with its own ev_io: libev
 * allows many watchers per fd, so a pool of threads may all wait in accept
 * on one listener) and whether the fd is known to be in O_NONBLOCK mode.
 *
 * Closing an fd must wake its waiters with EBADF and stop their watchers
 * before the number can be reused; libev's documentation calls this "the
 * special problem of disappearing file descriptors".
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"
#include "real.h"
#include "world.h"

#define PAGE_BITS 8
#define PAGE_ENTRIES (1u << PAGE_BITS)

static int grow_pages(struct green__hub *h, size_t need)
{
    size_t count = h->fd_page_count ? h->fd_page_count : 4;
    while (count < need)
        count *= 2;
    struct green__fd_entry **pages =
        realloc(h->fd_pages, count * sizeof *pages);
    if (!pages)
        return -ENOMEM;
    memset(pages + h->fd_page_count, 0,
           (count - h->fd_page_count) * sizeof *pages);
    h->fd_pages = pages;
    h->fd_page_count = count;
    return 0;
}

static struct green__fd_entry *find_entry(struct green__hub *h, int fd)
{
    size_t page = (size_t)fd >> PAGE_BITS;
    if (fd < 0 || page >= h->fd_page_count || !h->fd_pages[page])
        return NULL;
    return &h->fd_pages[page][fd & (PAGE_ENTRIES - 1)];
}

/* Make fd's page; under the lock, as another worker's close may be
 * looking through the page list meanwhile (green__fd_forget). */
static int add_page(struct green__hub *h, size_t page)
{
    int r = 0;
    green__lock();
    if (page >= h->fd_page_count)
        r = grow_pages(h, page + 1);
    if (r == 0 && !h->fd_pages[page]) {
        h->fd_pages[page] = calloc(PAGE_ENTRIES, sizeof **h->fd_pages);
        if (!h->fd_pages[page])
            r = -ENOMEM;
    }
    green__unlock();
    return r;
}

/* The first entry of a page: out of line, so that the lookup every
 * blocking call makes saves no registers. */
__attribute__((noinline)) static struct green__fd_entry *
entry_on_new_page(struct green__hub *h, int fd)
{
    if (add_page(h, (size_t)fd >> PAGE_BITS) < 0)
        return NULL;
    return find_entry(h, fd);
}

struct green__fd_entry *green__fd_entry(struct green__hub *h, int fd)
{
    struct green__fd_entry *e = find_entry(h, fd);
    if (e || fd < 0)
        return e;
    return entry_on_new_page(h, fd);
}

/*
 * Point a thread's io watcher at fd.  ev_io_set makes libev register the
 * fd with epoll again (a failing EPOLL_CTL_ADD when it already is), so a
 * thread that waits on the same fd again keeps its setting, changing only
 * the events.  That is safe only while the fd is the same open file: the
 * entry's generation, bumped whenever the fd is forgotten (closed, reused),
 * tells.
 */
static void watch_fd(struct green *g, struct green__fd_entry *e, int fd,
                     int events)
{
    if (g->io.fd == fd && g->io_generation == e->generation) {
        if ((g->io.events & (EV_READ | EV_WRITE)) != events)
            ev_io_modify(&g->io, events);
        return;
    }
    ev_io_set(&g->io, fd, events);
    g->io_generation = e->generation;
}

int green__wait_fd(struct green__hub *h, int fd, int events, int64_t timeout_ns)
{
    struct green *self = h->current;
    struct green__fd_entry *e = green__fd_entry(h, fd);
    if (!e)
        return fd < 0 ? -EBADF : -ENOMEM;
    h->stats.fd_waits++;
    watch_fd(self, e, fd, events & (EV_READ | EV_WRITE));
    ev_io_start(green__loop(h), &self->io);
    green__arm_timeout(self, timeout_ns);
    green__lock();
    green__queue_push(&e->waiters, self);
    int r = green__park_interruptible(h, GREEN__EINTR_RESTARTABLE);
    green__unlock();
    return r;
}

/* Wake fd's waiters on hub h with EBADF and forget what h knew of it.
 * Called locked. */
static void forget_on(struct green__hub *h, int fd)
{
    struct green__fd_entry *e = find_entry(h, fd);
    struct green *g;
    if (!e)
        return;
    while ((g = e->waiters.head))
        green__wake(g, -EBADF);
    unsigned generation = e->generation + 1;
    int busy = e->busy; /* those inside leave after the close */
    memset(e, 0, sizeof *e);
    e->generation = generation;
    e->busy = busy;
}

void green__fd_wake_elsewhere(struct green__hub *h, int fd, int events)
{
    struct green__world *w = h->world;
    struct green__fd_entry *e;
    struct green *g;
    green__lock();
    for (unsigned i = 0; w->hub_count > 1 && i < w->hub_count; i++)
        if (w->hubs[i] != h && (e = find_entry(w->hubs[i], fd)))
            while ((g = e->waiters.head))
                green__wake(g, events);
    green__unlock();
}

int green__fd_busy_elsewhere(struct green__hub *h, int fd)
{
    struct green__world *w = h->world;
    struct green__fd_entry *e;
    int busy = 0;
    green__lock();
    for (unsigned i = 0; w->hub_count > 1 && i < w->hub_count; i++)
        if (w->hubs[i] != h && (e = find_entry(w->hubs[i], fd)))
            busy |= __atomic_load_n(&e->busy, __ATOMIC_ACQUIRE) > 0;
    green__unlock();
    return busy;
}

/* Every hub keeps its own table (its watchers are its own), but a
 * descriptor is the process's: closing it on one worker wakes the threads
 * of every worker that wait on it. */
void green__fd_forget(struct green__hub *h, int fd)
{
    struct green__world *w = h->world;
    green__lock();
    if (w->hub_count > 1)
        for (unsigned i = 0; i < w->hub_count; i++)
            forget_on(w->hubs[i], fd);
    else
        forget_on(h, fd);
    green__unlock();
}

/* Only pages that exist can hold anything to forget: close_range(3, ~0U)
 * costs what the table holds, not four billion lookups.  Called locked. */
static void forget_range_on(struct green__hub *h, unsigned first, unsigned last)
{
    size_t end = h->fd_page_count << PAGE_BITS;
    if (first > last || first >= end)
        return;
    if (last >= end)
        last = (unsigned)(end - 1);
    for (unsigned fd = first; fd <= last; fd++) {
        if (!h->fd_pages[fd >> PAGE_BITS]) {
            fd |= PAGE_ENTRIES - 1; /* the next page */
            continue;
        }
        forget_on(h, (int)fd);
    }
}

void green__fd_forget_range(struct green__hub *h, unsigned first, unsigned last)
{
    struct green__world *w = h->world;
    green__lock();
    if (w->hub_count > 1)
        for (unsigned i = 0; i < w->hub_count; i++)
            forget_range_on(w->hubs[i], first, last);
    else
        forget_range_on(h, first, last);
    green__unlock();
}

int green__fd_make_nonblocking(struct green__hub *h, int fd)
{
    struct green__fd_entry *e = green__fd_entry(h, fd);
    if (!e)
        return fd < 0 ? -EBADF : -ENOMEM;
    if (e->nonblock_known)
        return 0;
    int flags = green__real.fcntl(fd, F_GETFL);
    if (flags < 0)
        return -errno;
    if (!(flags & O_NONBLOCK)) {
        if (green__real.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            return -errno;
        e->nonblock_ours = 1;
    }
    e->nonblock_known = 1;
    return 0;
}

/* Shared ttys and pipes must not keep a flag the program never set. */
static void restore_blocking(int fd)
{
    int flags = green__real.fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK))
        green__real.fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

void green__fd_table_free(struct green__hub *h)
{
    int saved_errno = errno;
    for (size_t p = 0; p < h->fd_page_count; p++) {
        struct green__fd_entry *page = h->fd_pages[p];
        if (!page)
            continue;
        for (unsigned i = 0; i < PAGE_ENTRIES; i++) {
            green__assert(!page[i].waiters.head);
            if (page[i].nonblock_ours)
                restore_blocking((int)(p << PAGE_BITS | i));
        }
        free(page);
    }
    free(h->fd_pages);
    h->fd_pages = NULL;
    h->fd_page_count = 0;
    errno = saved_errno;
}
