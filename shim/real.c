/*
 * real.c - resolve the table of real libc functions for libgreenrun.so.
 *
 * Every name here is also defined by hooks/, so the core and the hooks
 * reach glibc only through this table.  Resolution happens in the
 * constructor, or earlier if a hook runs first (another library's
 * constructor may call read or pthread_mutex_lock before ours): the hooks
 * call green__real_ready() on their pass-through paths.  dlsym takes only
 * glibc's internal locks, which are not interposed, so resolving from
 * inside a hook cannot recurse.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "shim.h"

struct green__real_fns green__real;
int green__real_resolved;

static void resolve(void **slot, const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn) {
        static const char msg[] = "greenrun: cannot find the real ";
        (void)!write(2, msg, sizeof msg - 1);
        (void)!write(2, name, __builtin_strlen(name));
        (void)!write(2, " in the C library\n", 18);
        _exit(127);
    }
    *slot = fn;
}

#define RESOLVE(name) resolve((void **)&green__real.name, #name)

void green__real_resolve(void)
{
    RESOLVE(read);
    RESOLVE(write);
    RESOLVE(recv);
    RESOLVE(send);
    RESOLVE(accept4);
    RESOLVE(connect);
    RESOLVE(close);
    RESOLVE(fcntl);
    RESOLVE(poll);
    RESOLVE(getsockopt);
    RESOLVE(nanosleep);
    RESOLVE(readv);
    RESOLVE(writev);
    RESOLVE(recvfrom);
    RESOLVE(recvmsg);
    RESOLVE(sendto);
    RESOLVE(sendmsg);
    RESOLVE(accept);
    RESOLVE(socket);
    RESOLVE(socketpair);
    RESOLVE(pipe);
    RESOLVE(pipe2);
    RESOLVE(dup);
    RESOLVE(dup2);
    RESOLVE(dup3);
    RESOLVE(ioctl);
    RESOLVE(setsockopt);
    RESOLVE(shutdown);
    RESOLVE(fclose);
    RESOLVE(ppoll);
    RESOLVE(select);
    RESOLVE(pselect);
    RESOLVE(epoll_wait);
    RESOLVE(epoll_pwait);
    RESOLVE(sleep);
    RESOLVE(usleep);
    RESOLVE(clock_nanosleep);
    RESOLVE(pthread_create);
    RESOLVE(pthread_join);
    RESOLVE(pthread_detach);
    RESOLVE(pthread_exit);
    RESOLVE(pthread_self);
    RESOLVE(pthread_equal);
    RESOLVE(pthread_mutex_lock);
    RESOLVE(pthread_mutex_trylock);
    RESOLVE(pthread_mutex_timedlock);
    RESOLVE(pthread_mutex_unlock);
    RESOLVE(pthread_cond_wait);
    RESOLVE(pthread_cond_timedwait);
    RESOLVE(pthread_cond_signal);
    RESOLVE(pthread_cond_broadcast);
    RESOLVE(sendfile);
    RESOLVE(_exit);
    RESOLVE(fork);
    RESOLVE(waitpid);
    RESOLVE(waitid);
    RESOLVE(wait4);
    RESOLVE(system);
    RESOLVE(popen);
    RESOLVE(pclose);
    RESOLVE(sigaction);
    RESOLVE(sigwait);
    RESOLVE(pause);
    RESOLVE(sigsuspend);
    RESOLVE(sigwaitinfo);
    RESOLVE(sigtimedwait);
    RESOLVE(pthread_key_create);
    RESOLVE(pthread_key_delete);
    RESOLVE(pthread_getspecific);
    RESOLVE(pthread_setspecific);
    RESOLVE(sem_init);
    RESOLVE(sem_destroy);
    RESOLVE(sem_wait);
    RESOLVE(sem_trywait);
    RESOLVE(sem_timedwait);
    RESOLVE(sem_clockwait);
    RESOLVE(sem_post);
    RESOLVE(sem_getvalue);
    RESOLVE(pthread_mutex_clocklock);
    RESOLVE(pthread_cond_clockwait);
    RESOLVE(pthread_rwlock_rdlock);
    RESOLVE(pthread_rwlock_wrlock);
    RESOLVE(pthread_rwlock_tryrdlock);
    RESOLVE(pthread_rwlock_trywrlock);
    RESOLVE(pthread_rwlock_timedrdlock);
    RESOLVE(pthread_rwlock_timedwrlock);
    RESOLVE(pthread_rwlock_clockrdlock);
    RESOLVE(pthread_rwlock_clockwrlock);
    RESOLVE(pthread_rwlock_unlock);
    RESOLVE(pthread_once);
    RESOLVE(pthread_spin_lock);
    RESOLVE(pthread_spin_trylock);
    RESOLVE(pthread_barrier_init);
    RESOLVE(pthread_barrier_wait);
    RESOLVE(pthread_barrier_destroy);
    RESOLVE(pthread_tryjoin_np);
    RESOLVE(pthread_timedjoin_np);
    RESOLVE(pthread_clockjoin_np);
    RESOLVE(pthread_kill);
    RESOLVE(pthread_setname_np);
    RESOLVE(pthread_getname_np);
    RESOLVE(pthread_getattr_np);
    RESOLVE(pthread_getschedparam);
    RESOLVE(pthread_setschedparam);
    RESOLVE(pthread_setschedprio);
    RESOLVE(pthread_setaffinity_np);
    RESOLVE(pthread_getaffinity_np);
    RESOLVE(pthread_getcpuclockid);
    RESOLVE(sched_yield);
    RESOLVE(syscall);
    RESOLVE(pthread_cancel);
    RESOLVE(pthread_setcancelstate);
    RESOLVE(pthread_setcanceltype);
    RESOLVE(pthread_testcancel);
    RESOLVE(__pthread_register_cancel);
    RESOLVE(__pthread_unregister_cancel);
    RESOLVE(__pthread_unwind_next);
    RESOLVE(getaddrinfo);
    RESOLVE(getnameinfo);
    RESOLVE(gethostbyname);
    RESOLVE(gethostbyname_r);
    RESOLVE(gethostbyname2_r);
    RESOLVE(res_query);
    RESOLVE(res_search);
    RESOLVE(pread);
    RESOLVE(pwrite);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    __atomic_store_n(&green__real_resolved, 1, __ATOMIC_RELEASE);
}
