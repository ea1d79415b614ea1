/*
 * real_list.h - every name greenrun interposes, and every libc function it
 * reaches through the table of real functions, once, as an X-macro list.
 *
 * This list drives the build: sched/real.h makes the table of real
 * functions from it, shim/real.c resolves that table, shim/exports.map.in
 * turns it into libgreenrun.so's version script, and the exports tests
 * check the library against it.  A hook that is missing here is not
 * exported, so it never interposes; the tests say so.
 *
 * Four kinds of entry:
 *
 *   X_HOOK(ret, name, params)
 *       hooks/ defines name and libgreenrun.so exports it; the table holds
 *       the next definition (glibc's) as ret (*name) params.
 *   X_REAL(ret, name, params)
 *       Not interposed, but greenrun calls glibc's through the table all
 *       the same: then no file calls a libc name directly, and hooking the
 *       name later changes only its kind here.
 *   X_EXPORT(name)
 *       hooks/ defines and exports name, with no table entry: an alias of
 *       another hook (fcntl64) or a hook made of other hooks (wait, the C11
 *       threads, the fortified *_chk variants).
 *   X_EXPORT_COMPAT(name, version)
 *       As X_EXPORT, for a name that glibc keeps only as a compatibility
 *       symbol: programs linked against an older glibc still call it, but
 *       no new program can link to it, so a probe must ask for the version.
 *
 * params is the parameter list with its parentheses and names.  Attributes
 * of the function, such as noreturn, follow the list inside the same macro
 * argument, so that "ret (*name) params" declares the right pointer.
 *
 * A file that includes this list defines the kinds it needs first; the
 * others expand to nothing, and all four are undefined at the end, so the
 * list may be included several times with different definitions.
 */
#ifndef X_HOOK
#define X_HOOK(ret, name, params)
#endif
#ifndef X_REAL
#define X_REAL(ret, name, params)
#endif
#ifndef X_EXPORT
#define X_EXPORT(name)
#endif
#ifndef X_EXPORT_COMPAT
#define X_EXPORT_COMPAT(name, version)
#endif

/* clang-format off */

/* Plain I/O (hooks/io.c, hooks/socket.c, hooks/file.c). */
X_HOOK(ssize_t, read, (int fd, void *buf, size_t len))
X_HOOK(ssize_t, write, (int fd, const void *buf, size_t len))
X_HOOK(ssize_t, readv, (int fd, const struct iovec *iov, int n))
X_HOOK(ssize_t, writev, (int fd, const struct iovec *iov, int n))
X_REAL(ssize_t, preadv2, (int fd, const struct iovec *iov, int n, off_t off,
                          int flags))
X_REAL(ssize_t, pwritev2, (int fd, const struct iovec *iov, int n, off_t off,
                           int flags))
X_HOOK(ssize_t, recv, (int fd, void *buf, size_t len, int flags))
X_HOOK(ssize_t, recvfrom, (int fd, void *buf, size_t len, int flags,
                           struct sockaddr *addr, socklen_t *alen))
X_HOOK(ssize_t, recvmsg, (int fd, struct msghdr *msg, int flags))
X_HOOK(ssize_t, send, (int fd, const void *buf, size_t len, int flags))
X_HOOK(ssize_t, sendto, (int fd, const void *buf, size_t len, int flags,
                         const struct sockaddr *addr, socklen_t alen))
X_HOOK(ssize_t, sendmsg, (int fd, const struct msghdr *msg, int flags))
X_HOOK(int, accept, (int fd, struct sockaddr *addr, socklen_t *len))
X_HOOK(int, accept4, (int fd, struct sockaddr *addr, socklen_t *len,
                      int flags))
X_HOOK(int, connect, (int fd, const struct sockaddr *addr, socklen_t len))
X_HOOK(ssize_t, sendfile, (int out, int in, off_t *offset, size_t count))
X_HOOK(ssize_t, pread, (int fd, void *buf, size_t len, off_t offset))
X_HOOK(ssize_t, pwrite, (int fd, const void *buf, size_t len, off_t offset))
X_EXPORT(pread64)
X_EXPORT(pwrite64)
X_HOOK(int, fsync, (int fd))
X_HOOK(int, fdatasync, (int fd))

/* Descriptors: creation, flags, close (hooks/fd.c). */
X_HOOK(int, socket, (int domain, int type, int protocol))
X_HOOK(int, socketpair, (int domain, int type, int protocol, int sv[2]))
X_HOOK(int, pipe, (int fds[2]))
X_HOOK(int, pipe2, (int fds[2], int flags))
X_HOOK(int, dup, (int fd))
X_HOOK(int, dup2, (int fd, int fd2))
X_HOOK(int, dup3, (int fd, int fd2, int flags))
X_HOOK(int, fcntl, (int fd, int cmd, ...))
X_EXPORT(fcntl64)
X_HOOK(int, ioctl, (int fd, unsigned long request, ...))
X_HOOK(int, setsockopt, (int fd, int level, int name, const void *val,
                         socklen_t len))
X_REAL(int, getsockopt, (int fd, int level, int name, void *val,
                         socklen_t *len))
X_HOOK(int, close, (int fd))
X_REAL(int, eventfd, (unsigned initval, int flags))
X_HOOK(int, fclose, (void *stream))
X_HOOK(int, close_range, (unsigned first, unsigned last, int flags))
X_HOOK(void, closefrom, (int lowest))
X_HOOK(int, closedir, (void *dir))

/* Readiness waits (hooks/poll.c). */
X_HOOK(int, poll, (struct pollfd *fds, nfds_t n, int timeout_ms))
X_HOOK(int, ppoll, (struct pollfd *fds, nfds_t n, const struct timespec *ts,
                    const sigset_t *mask))
X_HOOK(int, select, (int n, void *r, void *w, void *e, struct timeval *tv))
X_HOOK(int, pselect, (int n, void *r, void *w, void *e,
                      const struct timespec *ts, const sigset_t *mask))
X_HOOK(int, epoll_wait, (int epfd, void *events, int max, int timeout_ms))
X_HOOK(int, epoll_pwait, (int epfd, void *events, int max, int timeout_ms,
                          const sigset_t *mask))
X_EXPORT(epoll_pwait2)

/* Fortified variants (hooks/fortify.c): glibc's own call its internal
 * functions, out of every hook's reach. */
X_EXPORT(__read_chk)
X_EXPORT(__pread_chk)
X_EXPORT(__pread64_chk)
X_EXPORT(__recv_chk)
X_EXPORT(__recvfrom_chk)
X_EXPORT(__poll_chk)
X_EXPORT(__ppoll_chk)
X_REAL(void, __chk_fail, (void) __attribute__((noreturn)))

/* Sleeps (hooks/sleep.c). */
X_HOOK(int, nanosleep, (const struct timespec *req, struct timespec *rem))
X_HOOK(unsigned, sleep, (unsigned seconds))
X_HOOK(int, usleep, (useconds_t usec))
X_HOOK(int, clock_nanosleep, (clockid_t clock, int flags,
                              const struct timespec *req,
                              struct timespec *rem))

/* Per-thread CPU clocks (hooks/clock.c). */
X_HOOK(int, clock_gettime, (clockid_t clock, struct timespec *ts))
X_HOOK(int, clock_getres, (clockid_t clock, struct timespec *res))

/* Processes (hooks/process.c). */
X_HOOK(void, _exit, (int status) __attribute__((noreturn)))
X_EXPORT(_Exit)
X_HOOK(pid_t, fork, (void))
X_HOOK(pid_t, waitpid, (pid_t pid, int *status, int options))
X_EXPORT(wait)
X_EXPORT(wait3)
X_HOOK(pid_t, wait4, (pid_t pid, int *status, int options, void *usage))
X_HOOK(int, waitid, (idtype_t type, id_t id, siginfo_t *info, int options))
X_HOOK(int, system, (const char *command))
X_HOOK(void *, popen, (const char *command, const char *mode))
X_HOOK(int, pclose, (void *stream))

/* Signals (hooks/signal.c, hooks/sigmask.c). */
X_HOOK(int, sigaction, (int sig, const struct sigaction *act,
                        struct sigaction *old))
X_EXPORT(signal)
X_HOOK(int, sigwait, (const sigset_t *set, int *sig))
X_HOOK(int, sigwaitinfo, (const sigset_t *set, siginfo_t *info))
X_HOOK(int, sigtimedwait, (const sigset_t *set, siginfo_t *info,
                           const struct timespec *timeout))
X_HOOK(int, pause, (void))
X_HOOK(int, sigsuspend, (const sigset_t *mask))
X_HOOK(int, pthread_sigmask, (int how, const sigset_t *set, sigset_t *old))
X_HOOK(int, sigprocmask, (int how, const sigset_t *set, sigset_t *old))
X_HOOK(int, sigpending, (sigset_t * set))
X_HOOK(void, siglongjmp,
       (struct __jmp_buf_tag env[1], int val) __attribute__((noreturn)))
X_HOOK(void, longjmp,
       (struct __jmp_buf_tag env[1], int val) __attribute__((noreturn)))
X_HOOK(void, __longjmp_chk,
       (struct __jmp_buf_tag env[1], int val) __attribute__((noreturn)))

/* Threads (hooks/thread.c, hooks/thread_info.c, hooks/cancel.c). */
X_HOOK(int, pthread_create, (pthread_t *t, const pthread_attr_t *attr,
                             void *(*fn)(void *), void *arg))
X_HOOK(int, pthread_join, (pthread_t t, void **result))
X_HOOK(int, pthread_tryjoin_np, (pthread_t t, void **result))
X_HOOK(int, pthread_timedjoin_np, (pthread_t t, void **result,
                                   const struct timespec *deadline))
X_HOOK(int, pthread_clockjoin_np, (pthread_t t, void **result,
                                   clockid_t clock,
                                   const struct timespec *deadline))
X_HOOK(int, pthread_detach, (pthread_t t))
X_HOOK(void, pthread_exit, (void *result) __attribute__((noreturn)))
X_HOOK(pthread_t, pthread_self, (void))
X_HOOK(int, pthread_equal, (pthread_t a, pthread_t b))
X_HOOK(int, pthread_kill, (pthread_t t, int sig))
X_HOOK(int, pthread_sigqueue, (pthread_t t, int sig, const union sigval value))
X_HOOK(int, raise, (int sig))
X_HOOK(int, pthread_setname_np, (pthread_t t, const char *name))
X_HOOK(int, pthread_getname_np, (pthread_t t, char *buf, size_t len))
X_HOOK(int, prctl, (int option, ...))
X_HOOK(int, pthread_getattr_np, (pthread_t t, pthread_attr_t *attr))
X_HOOK(int, pthread_getschedparam, (pthread_t t, int *policy,
                                    struct sched_param *param))
X_HOOK(int, pthread_setschedparam, (pthread_t t, int policy,
                                    const struct sched_param *param))
X_HOOK(int, pthread_setschedprio, (pthread_t t, int prio))
X_HOOK(int, pthread_setaffinity_np, (pthread_t t, size_t size,
                                     const cpu_set_t *set))
X_HOOK(int, pthread_getaffinity_np, (pthread_t t, size_t size,
                                     cpu_set_t *set))
X_HOOK(int, pthread_getcpuclockid, (pthread_t t, clockid_t *clock))
X_HOOK(int, sched_yield, (void))
X_HOOK(long, syscall, (long number, ...))
X_HOOK(int, pthread_cancel, (pthread_t t))
X_HOOK(int, pthread_setcancelstate, (int state, int *old))
X_HOOK(int, pthread_setcanceltype, (int type, int *old))
X_HOOK(void, pthread_testcancel, (void))
X_HOOK(void, __pthread_register_cancel, (__pthread_unwind_buf_t *buf))
X_HOOK(void, __pthread_unregister_cancel, (__pthread_unwind_buf_t *buf))
X_HOOK(void, __pthread_unwind_next,
       (__pthread_unwind_buf_t *buf) __attribute__((noreturn)))

/* Thread-specific data (hooks/tsd.c). */
X_HOOK(int, pthread_key_create, (pthread_key_t *key, void (*fn)(void *)))
X_HOOK(int, pthread_key_delete, (pthread_key_t key))
X_HOOK(void *, pthread_getspecific, (pthread_key_t key))
X_HOOK(int, pthread_setspecific, (pthread_key_t key, const void *value))

/* Mutexes, conditions, rwlocks (hooks/mutex.c, hooks/cond.c,
 * hooks/rwlock.c). */
X_HOOK(int, pthread_mutex_lock, (pthread_mutex_t *m))
X_HOOK(int, pthread_mutex_trylock, (pthread_mutex_t *m))
X_HOOK(int, pthread_mutex_timedlock, (pthread_mutex_t *m,
                                      const struct timespec *deadline))
X_HOOK(int, pthread_mutex_clocklock, (pthread_mutex_t *m, clockid_t clock,
                                      const struct timespec *deadline))
X_HOOK(int, pthread_mutex_unlock, (pthread_mutex_t *m))
X_HOOK(int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m))
X_HOOK(int, pthread_cond_timedwait, (pthread_cond_t *c, pthread_mutex_t *m,
                                     const struct timespec *deadline))
X_HOOK(int, pthread_cond_clockwait, (pthread_cond_t *c, pthread_mutex_t *m,
                                     clockid_t clock,
                                     const struct timespec *deadline))
X_HOOK(int, pthread_cond_signal, (pthread_cond_t *c))
X_HOOK(int, pthread_cond_broadcast, (pthread_cond_t *c))
X_HOOK(int, pthread_rwlock_rdlock, (pthread_rwlock_t *rw))
X_HOOK(int, pthread_rwlock_wrlock, (pthread_rwlock_t *rw))
X_HOOK(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *rw))
X_HOOK(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *rw))
X_HOOK(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *rw,
                                         const struct timespec *deadline))
X_HOOK(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *rw,
                                         const struct timespec *deadline))
X_HOOK(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *rw,
                                         clockid_t clock,
                                         const struct timespec *deadline))
X_HOOK(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *rw,
                                         clockid_t clock,
                                         const struct timespec *deadline))
X_HOOK(int, pthread_rwlock_unlock, (pthread_rwlock_t *rw))

/* Once, spinlocks, barriers (hooks/once.c). */
X_HOOK(int, pthread_once, (pthread_once_t *once, void (*fn)(void)))
X_HOOK(int, pthread_spin_lock, (pthread_spinlock_t *s))
X_REAL(int, pthread_spin_trylock, (pthread_spinlock_t *s))
X_HOOK(int, pthread_barrier_init, (pthread_barrier_t *b,
                                   const pthread_barrierattr_t *attr,
                                   unsigned count))
X_HOOK(int, pthread_barrier_wait, (pthread_barrier_t *b))
X_HOOK(int, pthread_barrier_destroy, (pthread_barrier_t *b))

/* Unnamed semaphores (hooks/sem.c). */
X_HOOK(int, sem_init, (void *sem, int pshared, unsigned value))
X_HOOK(int, sem_destroy, (void *sem))
X_HOOK(int, sem_wait, (void *sem))
X_HOOK(int, sem_trywait, (void *sem))
X_HOOK(int, sem_timedwait, (void *sem, const struct timespec *deadline))
X_HOOK(int, sem_clockwait, (void *sem, clockid_t clock,
                            const struct timespec *deadline))
X_HOOK(int, sem_post, (void *sem))
X_HOOK(int, sem_getvalue, (void *sem, int *value))

/* C11 threads, made of the pthread hooks (hooks/c11.c). */
X_EXPORT(thrd_create)
X_EXPORT(thrd_join)
X_EXPORT(thrd_detach)
X_EXPORT(thrd_current)
X_EXPORT(thrd_equal)
X_EXPORT(thrd_sleep)
X_EXPORT(thrd_yield)
X_EXPORT(thrd_exit)
X_EXPORT(mtx_init)
X_EXPORT(mtx_lock)
X_EXPORT(mtx_trylock)
X_EXPORT(mtx_timedlock)
X_EXPORT(mtx_unlock)
X_EXPORT(mtx_destroy)
X_EXPORT(cnd_init)
X_EXPORT(cnd_signal)
X_EXPORT(cnd_broadcast)
X_EXPORT(cnd_wait)
X_EXPORT(cnd_timedwait)
X_EXPORT(cnd_destroy)
X_EXPORT(tss_create)
X_EXPORT(tss_delete)
X_EXPORT(tss_get)
X_EXPORT(tss_set)
X_EXPORT(call_once)

/* Name resolution, run on the offload pool (hooks/dns.c). */
X_HOOK(int, getaddrinfo, (const char *node, const char *service,
                          const struct addrinfo *hints,
                          struct addrinfo **res))
X_HOOK(int, getnameinfo, (const struct sockaddr *addr, socklen_t alen,
                          char *host, socklen_t hostlen, char *serv,
                          socklen_t servlen, int flags))
X_HOOK(struct hostent *, gethostbyname, (const char *name))
X_HOOK(int, gethostbyname_r, (const char *name, struct hostent *ret,
                              char *buf, size_t buflen,
                              struct hostent **result, int *h_errnop))
X_HOOK(int, gethostbyname2_r, (const char *name, int af,
                               struct hostent *ret, char *buf,
                               size_t buflen, struct hostent **result,
                               int *h_errnop))
X_HOOK(int, res_query, (const char *name, int class, int type,
                        unsigned char *answer, int len))
X_HOOK(int, res_search, (const char *name, int class, int type,
                         unsigned char *answer, int len))
X_EXPORT_COMPAT(__res_query, GLIBC_2.2.5)
X_EXPORT_COMPAT(__res_search, GLIBC_2.2.5)

/* A library's dlsym(RTLD_NEXT) of a hooked name finds the hook
 * (hooks/dlsym.c); its own real is found by version, with dlvsym. */
X_EXPORT(dlsym)

/* clang-format on */

#undef X_HOOK
#undef X_REAL
#undef X_EXPORT
#undef X_EXPORT_COMPAT
