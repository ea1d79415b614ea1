/*
 * fd.h - descriptors: what each is, learnt on first use, and waiting for one
 * (fd.c).
 */
#ifndef GREEN_FD_H
#define GREEN_FD_H

#include "hub.h"

/* What a descriptor is, learnt on first use (preload hooks). */
enum green__fd_kind {
    GREEN__FD_UNKNOWN,
    GREEN__FD_SOCKET, /* per-call MSG_DONTWAIT works */
    GREEN__FD_STREAM, /* pipe, tty, eventfd...: pollable, wait first */
    GREEN__FD_FILE    /* regular file, block device: never polled */
};

struct green__fd_entry {
    struct green__queue waiters;
    unsigned char nonblock_known; /* fd is O_NONBLOCK, by us or the user */
    unsigned char nonblock_ours;  /* we set it: restore when done */
    unsigned char kind;           /* enum green__fd_kind */
    unsigned char user_nonblock;  /* the program asked for O_NONBLOCK */
    unsigned char nowait_refused; /* GREEN_READ, GREEN_WRITE: the kernel
                                     refused RWF_NOWAIT (hooks/blocking.c) */
    unsigned generation;          /* bumped each time the fd is forgotten */
    int busy; /* threads of the hub inside a blocking call on it (hooks) */
    int64_t rcvtimeo_ns; /* SO_RCVTIMEO; 0: none */
    int64_t sndtimeo_ns; /* SO_SNDTIMEO; 0: none */
};

/* The entry for fd, created on demand; NULL on allocation failure. */
struct green__fd_entry *green__fd_entry(struct green__hub *h, int fd);
/* Wait for events on fd.  Ready events, -ETIMEDOUT, -EBADF or -ENOMEM. */
int green__wait_fd(struct green__hub *h, int fd, int events,
                   int64_t timeout_ns);
/* fd is being closed: wake its waiters with -EBADF, forget it. */
void green__fd_forget(struct green__hub *h, int fd);
/* Wake fd's waiters on the other hubs of h's world with events (the
 * kernel has answered their wait).  Then whether a thread of another hub
 * is still inside a blocking call on fd: green__fd_busy_elsewhere. */
void green__fd_wake_elsewhere(struct green__hub *h, int fd, int events);
int green__fd_busy_elsewhere(struct green__hub *h, int fd);
/* The same for every fd from first to last (close_range, closefrom). */
void green__fd_forget_range(struct green__hub *h, unsigned first,
                            unsigned last);
/* Put fd into O_NONBLOCK mode (remembering to restore it).  0 or -errno. */
int green__fd_make_nonblocking(struct green__hub *h, int fd);
/* Give back O_NONBLOCK to every fd we changed; free the table. */
void green__fd_table_free(struct green__hub *h);

#endif
