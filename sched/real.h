/*
 * real.h - the table of real libc functions.
 *
 * Inside libgreenrun.so a plain call to read() lands on our own hook, so the
 * core reaches libc only through this table.  libgreen fills it statically
 * (sched/real_libc.c); the preload library resolves it in shim/.
 */
#ifndef GREEN_REAL_H
#define GREEN_REAL_H

#include <poll.h>
#include <pthread.h>
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
    /* Used by the core (filled for libgreen too). */
    ssize_t (*read)(int fd, void *buf, size_t len);
    ssize_t (*write)(int fd, const void *buf, size_t len);
    ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
    ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
    int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len, int flags);
    int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
    int (*close)(int fd);
    int (*fcntl)(int fd, int cmd, ...);
    int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms);
    int (*getsockopt)(int fd, int level, int name, void *val, socklen_t *len);
    int (*nanosleep)(const struct timespec *req, struct timespec *rem);
    /* Used only by the preload hooks (resolved in shim/real.c). */
    ssize_t (*readv)(int fd, const struct iovec *iov, int n);
    ssize_t (*writev)(int fd, const struct iovec *iov, int n);
    ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags,
                        struct sockaddr *addr, socklen_t *alen);
    ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
    ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, socklen_t alen);
    ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
    int (*accept)(int fd, struct sockaddr *addr, socklen_t *len);
    int (*socket)(int domain, int type, int protocol);
    int (*socketpair)(int domain, int type, int protocol, int sv[2]);
    int (*pipe)(int fds[2]);
    int (*pipe2)(int fds[2], int flags);
    int (*dup)(int fd);
    int (*dup2)(int fd, int fd2);
    int (*dup3)(int fd, int fd2, int flags);
    int (*ioctl)(int fd, unsigned long request, ...);
    int (*setsockopt)(int fd, int level, int name, const void *val,
                      socklen_t len);
    int (*shutdown)(int fd, int how);
    int (*fclose)(void *stream);
    int (*ppoll)(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                 const sigset_t *mask);
    int (*select)(int n, void *r, void *w, void *e, struct timeval *tv);
    int (*pselect)(int n, void *r, void *w, void *e, const struct timespec *ts,
                   const sigset_t *mask);
    int (*epoll_wait)(int epfd, void *events, int max, int timeout_ms);
    int (*epoll_pwait)(int epfd, void *events, int max, int timeout_ms,
                       const sigset_t *mask);
    unsigned (*sleep)(unsigned seconds);
    int (*usleep)(useconds_t usec);
    int (*clock_nanosleep)(clockid_t clock, int flags,
                           const struct timespec *req, struct timespec *rem);
    int (*pthread_create)(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg);
    int (*pthread_join)(pthread_t t, void **result);
    int (*pthread_detach)(pthread_t t);
    void (*pthread_exit)(void *result) __attribute__((noreturn));
    pthread_t (*pthread_self)(void);
    int (*pthread_equal)(pthread_t a, pthread_t b);
    int (*pthread_mutex_lock)(pthread_mutex_t *m);
    int (*pthread_mutex_trylock)(pthread_mutex_t *m);
    int (*pthread_mutex_timedlock)(pthread_mutex_t *m,
                                   const struct timespec *deadline);
    int (*pthread_mutex_unlock)(pthread_mutex_t *m);
    int (*pthread_cond_wait)(pthread_cond_t *c, pthread_mutex_t *m);
    int (*pthread_cond_timedwait)(pthread_cond_t *c, pthread_mutex_t *m,
                                  const struct timespec *deadline);
    int (*pthread_cond_signal)(pthread_cond_t *c);
    int (*pthread_cond_broadcast)(pthread_cond_t *c);
    ssize_t (*sendfile)(int out, int in, off_t *offset, size_t count);
    void (*_exit)(int status) __attribute__((noreturn));
    pid_t (*fork)(void);
    pid_t (*waitpid)(pid_t pid, int *status, int options);
    int (*waitid)(idtype_t type, id_t id, siginfo_t *info, int options);
    pid_t (*wait4)(pid_t pid, int *status, int options, void *usage);
    int (*system)(const char *command);
    void *(*popen)(const char *command, const char *mode);
    int (*pclose)(void *stream);
    int (*sigaction)(int sig, const struct sigaction *act,
                     struct sigaction *old);
    int (*sigwait)(const sigset_t *set, int *sig);
    int (*pause)(void);
    int (*sigsuspend)(const sigset_t *mask);
    int (*sigwaitinfo)(const sigset_t *set, siginfo_t *info);
    int (*sigtimedwait)(const sigset_t *set, siginfo_t *info,
                        const struct timespec *timeout);
    int (*pthread_key_create)(pthread_key_t *key, void (*fn)(void *));
    int (*pthread_key_delete)(pthread_key_t key);
    void *(*pthread_getspecific)(pthread_key_t key);
    int (*pthread_setspecific)(pthread_key_t key, const void *value);
    int (*sem_init)(void *sem, int pshared, unsigned value);
    int (*sem_destroy)(void *sem);
    int (*sem_wait)(void *sem);
    int (*sem_trywait)(void *sem);
    int (*sem_timedwait)(void *sem, const struct timespec *deadline);
    int (*sem_clockwait)(void *sem, clockid_t clock,
                         const struct timespec *deadline);
    int (*sem_post)(void *sem);
    int (*sem_getvalue)(void *sem, int *value);
    int (*pthread_mutex_clocklock)(pthread_mutex_t *m, clockid_t clock,
                                   const struct timespec *deadline);
    int (*pthread_cond_clockwait)(pthread_cond_t *c, pthread_mutex_t *m,
                                  clockid_t clock,
                                  const struct timespec *deadline);
    int (*pthread_rwlock_rdlock)(pthread_rwlock_t *rw);
    int (*pthread_rwlock_wrlock)(pthread_rwlock_t *rw);
    int (*pthread_rwlock_tryrdlock)(pthread_rwlock_t *rw);
    int (*pthread_rwlock_trywrlock)(pthread_rwlock_t *rw);
    int (*pthread_rwlock_timedrdlock)(pthread_rwlock_t *rw,
                                      const struct timespec *deadline);
    int (*pthread_rwlock_timedwrlock)(pthread_rwlock_t *rw,
                                      const struct timespec *deadline);
    int (*pthread_rwlock_clockrdlock)(pthread_rwlock_t *rw, clockid_t clock,
                                      const struct timespec *deadline);
    int (*pthread_rwlock_clockwrlock)(pthread_rwlock_t *rw, clockid_t clock,
                                      const struct timespec *deadline);
    int (*pthread_rwlock_unlock)(pthread_rwlock_t *rw);
    int (*pthread_once)(pthread_once_t *once, void (*fn)(void));
    int (*pthread_spin_lock)(pthread_spinlock_t *s);
    int (*pthread_spin_trylock)(pthread_spinlock_t *s);
    int (*pthread_barrier_init)(pthread_barrier_t *b,
                                const pthread_barrierattr_t *attr,
                                unsigned count);
    int (*pthread_barrier_wait)(pthread_barrier_t *b);
    int (*pthread_barrier_destroy)(pthread_barrier_t *b);
    int (*pthread_tryjoin_np)(pthread_t t, void **result);
    int (*pthread_timedjoin_np)(pthread_t t, void **result,
                                const struct timespec *deadline);
    int (*pthread_clockjoin_np)(pthread_t t, void **result, clockid_t clock,
                                const struct timespec *deadline);
    int (*pthread_kill)(pthread_t t, int sig);
    int (*pthread_setname_np)(pthread_t t, const char *name);
    int (*pthread_getname_np)(pthread_t t, char *buf, size_t len);
    int (*pthread_getattr_np)(pthread_t t, pthread_attr_t *attr);
    int (*pthread_getschedparam)(pthread_t t, int *policy,
                                 struct sched_param *param);
    int (*pthread_setschedparam)(pthread_t t, int policy,
                                 const struct sched_param *param);
    int (*pthread_setschedprio)(pthread_t t, int prio);
    int (*pthread_setaffinity_np)(pthread_t t, size_t size,
                                  const cpu_set_t *set);
    int (*pthread_getaffinity_np)(pthread_t t, size_t size, cpu_set_t *set);
    int (*pthread_getcpuclockid)(pthread_t t, clockid_t *clock);
    int (*sched_yield)(void);
    long (*syscall)(long number, ...);
    int (*pthread_cancel)(pthread_t t);
    int (*pthread_setcancelstate)(int state, int *old);
    int (*pthread_setcanceltype)(int type, int *old);
    void (*pthread_testcancel)(void);
    void (*__pthread_register_cancel)(__pthread_unwind_buf_t *buf);
    void (*__pthread_unregister_cancel)(__pthread_unwind_buf_t *buf);
    void (*__pthread_unwind_next)(__pthread_unwind_buf_t *buf)
        __attribute__((noreturn));
    /* Run on the offload pool by hooks/dns.c and hooks/file.c. */
    int (*getaddrinfo)(const char *node, const char *service,
                       const struct addrinfo *hints, struct addrinfo **res);
    int (*getnameinfo)(const struct sockaddr *addr, socklen_t alen, char *host,
                       socklen_t hostlen, char *serv, socklen_t servlen,
                       int flags);
    struct hostent *(*gethostbyname)(const char *name);
    int (*gethostbyname_r)(const char *name, struct hostent *ret, char *buf,
                           size_t buflen, struct hostent **result,
                           int *h_errnop);
    int (*gethostbyname2_r)(const char *name, int af, struct hostent *ret,
                            char *buf, size_t buflen, struct hostent **result,
                            int *h_errnop);
    int (*res_query)(const char *name, int class, int type,
                     unsigned char *answer, int len);
    int (*res_search)(const char *name, int class, int type,
                      unsigned char *answer, int len);
    ssize_t (*pread)(int fd, void *buf, size_t len, off_t offset);
    ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t offset);
    int (*fsync)(int fd);
    int (*fdatasync)(int fd);
};
extern struct green__real_fns green__real;

#endif
