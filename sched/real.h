/*
 * real.h - the table of real libc functions.
 *
 * Inside libgreenrun.so a plain call to read() lands on our own hook, so the
 * core reaches libc only through this table.  libgreen fills it statically
 * (sched/real_libc.c); the preload library resolves it in shim/real.c.  Its
 * members come from sched/real_list.h, one pointer per X_HOOK or X_REAL
 * entry, each of the type of the function it points to.
 */
#ifndef GREEN_REAL_H
#define GREEN_REAL_H

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

struct addrinfo; /* <netdb.h>, for the resolver's entries */
struct hostent;

struct green__real_fns {
#define X_HOOK(ret, name, params) ret(*name) params;
#define X_REAL(ret, name, params) ret(*name) params;
#include "real_list.h"
};
extern struct green__real_fns green__real;

#endif
