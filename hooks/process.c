/*
 * process.c - fork, the wait family, system, popen/pclose, _exit.
 *
 * Waiting for a child must not stop the other green threads.  A wait for
 * one child parks on a pidfd (readable once the child has exited); a wait
 * for any child, or for stop/continue events, asks the kernel with WNOHANG
 * at growing intervals (1 to 32 ms).  glibc's system() and pclose() wait
 * inside libc, where no hook sees it, so both are rebuilt here from
 * posix_spawn and the green wait; a popen stream itself is glibc's (its
 * reads are stdio's, which the monitor reports if they block).
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpuclock.h"
#include "deliver.h"
#include "fd.h"
#include "hook.h"
#include "kept.h"
#include "preempt.h"
#include "tls.h"
#include "trap.h"

extern char **environ;

HOOK void _exit(int status)
{
    green__stats_report_once();
    real()->_exit(status);
}

HOOK void _Exit(int status) __attribute__((alias("_exit")));

HOOK pid_t fork(void)
{
    struct green__hub *h = green__hub;
    if (!h)
        return real()->fork();
    void *tp = green__tls_before_fork(h);
    pid_t pid = real()->fork();
    green__tls_after_fork(h, tp, pid == 0);
    if (pid == 0) {
        green__world_fork_child(h);
        hook__trap_fork_child(h);
        hook__preempt_fork_child(h);
        hook__nowait_fork_child(h);
        green__fork_child(green__hub);
        green__cpu_fork_child(green__hub);
        hook__signals_fork_child(green__hub);
        green__shim_fork_child(green__hub);
        hook__kept_fork_child(green__hub);
    }
    return pid;
}

/* Park until pid has exited; 0, or -1 if no pidfd could be had. */
static int await_exit(struct green__hub *h, pid_t pid)
{
    int saved_errno = errno;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    errno = saved_errno;
    if (fd < 0)
        return -1;
    /* The last pidfd of this number was closed raw, maybe in the same
     * loop iteration as this wait starts: without a new generation, libev
     * would take this one for it, already in epoll, and never add it. */
    hook__fd_created(fd);
    int r = green__wait_fd(h, fd, GREEN_READ, -1);
    green__fd_forget(h, fd);
    real()->close(fd);
    if (r == -ECANCELED)
        hook__cancelled();
    return r == -EINTR ? -EINTR : 0;
}

typedef pid_t (*wait_once_fn)(void *ctx); /* a WNOHANG try */

static pid_t wait_green(struct green__hub *h, pid_t pid, int options,
                        wait_once_fn once, void *ctx)
{
    int64_t pause_ns = 1000000;
    for (;;) {
        pid_t r = once(ctx);
        if (r != 0)
            return r;
        int exited = pid > 0 && !(options & (WUNTRACED | WCONTINUED))
                         ? await_exit(h, pid)
                         : -1;
        if (exited == -EINTR)
            return (pid_t)hook__fail(-EINTR);
        if (exited == 0)
            continue;
        green__arm_timeout(h->current, pause_ns);
        green__lock();
        int woke = green__park_interruptible(h, GREEN__EINTR_RESTARTABLE);
        green__unlock();
        if (woke == -ECANCELED)
            hook__cancelled();
        if (woke == -EINTR)
            return (pid_t)hook__fail(-EINTR);
        if (pause_ns < 32000000)
            pause_ns *= 2;
    }
}

struct wait4_call {
    pid_t pid;
    int *status;
    int options;
    void *usage;
};

static pid_t try_wait4(void *ctx)
{
    struct wait4_call *c = ctx;
    return real()->wait4(c->pid, c->status, c->options | WNOHANG, c->usage);
}

HOOK pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
    struct green__hub *h = hook__parkable();
    if (!h || (options & WNOHANG))
        return real()->wait4(pid, status, options, usage);
    struct wait4_call c = {pid, status, options, usage};
    return wait_green(h, pid, options, try_wait4, &c);
}

HOOK pid_t waitpid(pid_t pid, int *status, int options)
{
    return wait4(pid, status, options, NULL);
}

HOOK pid_t wait(int *status)
{
    return wait4(-1, status, 0, NULL);
}

HOOK pid_t wait3(int *status, int options, struct rusage *usage)
{
    return wait4(-1, status, options, usage);
}

struct waitid_call {
    idtype_t type;
    id_t id;
    siginfo_t *info;
    int options;
};

/* waitid reports "nothing yet" as 0 with si_pid 0. */
static pid_t try_waitid(void *ctx)
{
    struct waitid_call *c = ctx;
    c->info->si_pid = 0;
    int r = real()->waitid(c->type, c->id, c->info, c->options | WNOHANG);
    return r < 0 ? -1 : c->info->si_pid;
}

HOOK int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
    struct green__hub *h = hook__parkable();
    if (!h || (options & WNOHANG))
        return real()->waitid(type, id, info, options);
    struct waitid_call c = {type, id, info, options};
    pid_t pid = type == P_PID ? (pid_t)id : -1;
    return wait_green(h, pid, options & ~WEXITED, try_waitid, &c) < 0 ? -1 : 0;
}

/* Start "/bin/sh -c command" with the given file actions; 0 or errno. */
static int spawn_shell(pid_t *pid, const char *command,
                       const posix_spawn_file_actions_t *actions,
                       const posix_spawnattr_t *attr)
{
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    return posix_spawn(pid, "/bin/sh", actions, attr, argv, environ);
}

/* What system() returns for a finished child (or -1). */
static int child_status(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

/* system() calls in progress share one saved SIGINT/SIGQUIT disposition,
 * as in glibc: the first saves, the last restores.  Each caller blocks
 * SIGCHLD in its own mask, and gets that mask back. */
static int system_calls;
static struct sigaction saved_int, saved_quit;

static void system_enter(sigset_t *mask)
{
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, mask);
    if (system_calls++)
        return;
    sigaction(SIGINT, &ignore, &saved_int);
    sigaction(SIGQUIT, &ignore, &saved_quit);
}

static void system_leave(const sigset_t *mask)
{
    sigprocmask(SIG_SETMASK, mask, NULL);
    if (--system_calls)
        return;
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGQUIT, &saved_quit, NULL);
}

/* As POSIX describes system(): the caller ignores SIGINT and SIGQUIT and
 * blocks SIGCHLD while it waits; the child gets them back, and the
 * caller's mask. */
static int system_green(const char *command)
{
    const struct sigaction *old_int = &saved_int, *old_quit = &saved_quit;
    sigset_t defaults, saved_mask;
    posix_spawnattr_t attr;
    pid_t pid;
    system_enter(&saved_mask);
    sigemptyset(&defaults);
    if (old_int->sa_handler != SIG_IGN)
        sigaddset(&defaults, SIGINT);
    if (old_quit->sa_handler != SIG_IGN)
        sigaddset(&defaults, SIGQUIT);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &saved_mask);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    int err = spawn_shell(&pid, command, NULL, &attr);
    int status = err ? 127 << 8 : child_status(pid);
    posix_spawnattr_destroy(&attr);
    system_leave(&saved_mask);
    return status;
}

HOOK int system(const char *command)
{
    if (!command || !hook__parkable())
        return real()->system(command);
    return system_green(command);
}

/* The children of popen streams, for pclose.  Few are open at a time. */
struct piped_child {
    FILE *stream;
    pid_t pid;
    struct piped_child *next;
};

static struct piped_child *piped_children;

/* As glibc: the child closes the streams of earlier popen calls, and the
 * parent's end is close-on-exec only if the mode asks for it ("e"). */
static FILE *popen_green(const char *command, const char *mode)
{
    int fds[2], reading = mode[0] == 'r';
    posix_spawn_file_actions_t actions;
    struct piped_child *child = malloc(sizeof *child);
    if (!child || pipe2(fds, O_CLOEXEC) < 0) {
        free(child);
        return NULL;
    }
    int mine = reading ? fds[0] : fds[1], theirs = reading ? fds[1] : fds[0];
    posix_spawn_file_actions_init(&actions);
    for (struct piped_child *c = piped_children; c; c = c->next)
        posix_spawn_file_actions_addclose(&actions, fileno(c->stream));
    posix_spawn_file_actions_adddup2(&actions, theirs, reading ? 1 : 0);
    int err = spawn_shell(&child->pid, command, &actions, NULL);
    posix_spawn_file_actions_destroy(&actions);
    real()->close(theirs);
    if (!strchr(mode, 'e'))
        real()->fcntl(mine, F_SETFD, 0);
    child->stream = err ? NULL : fdopen(mine, reading ? "r" : "w");
    if (!child->stream) {
        real()->close(mine);
        free(child);
        errno = err ? err : errno;
        return NULL;
    }
    child->next = piped_children;
    piped_children = child;
    return child->stream;
}

HOOK FILE *popen(const char *command, const char *mode)
{
    if (!hook__parkable() || !mode || (mode[0] != 'r' && mode[0] != 'w') ||
        strspn(mode + 1, "e") != strlen(mode + 1))
        return real()->popen(command, mode);
    return popen_green(command, mode);
}

HOOK int pclose(FILE *stream)
{
    struct piped_child **link = &piped_children, *child;
    while ((child = *link) && child->stream != stream)
        link = &child->next;
    if (!child)
        return real()->pclose(stream);
    *link = child->next;
    pid_t pid = child->pid;
    free(child);
    fclose(stream);
    return child_status(pid);
}
