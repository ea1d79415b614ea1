/*
 * fortify.c - the fortified variants of the hooked functions.
 *
 * A program built with _FORTIFY_SOURCE (Debian builds nearly everything so)
 * calls __read_chk where its source says read, whenever the compiler knows
 * the size of the buffer but cannot prove that the length fits.  glibc's
 * __read_chk checks the length and then calls its internal __read, which no
 * preloaded library can interpose: the call would block the OS thread and
 * every green thread on it.  Each variant here makes glibc's check, calls
 * glibc's own __chk_fail on overflow (the same message, the same abort),
 * and then calls the plain hook, which goes green or passes through exactly
 * as for a program built without fortification.
 *
 * __fdelt_chk, the check behind FD_SET, FD_CLR and FD_ISSET, is left to
 * glibc: it only checks a descriptor number against FD_SETSIZE and never
 * blocks, and the select or pselect that follows calls the plain, hooked
 * name.  glibc has no fortified variant of any other hooked function.
 */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hook.h"

/* glibc declares these only to fortified programs; the types are its own. */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t len, off_t offset, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t offset,
                      size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                       struct sockaddr *addr, socklen_t *alen);
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout_ms, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                const sigset_t *mask, size_t fdslen);

HOOK ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    if (len > buflen)
        real()->__chk_fail();
    return read(fd, buf, len);
}

HOOK ssize_t __pread_chk(int fd, void *buf, size_t len, off_t offset,
                         size_t buflen)
{
    if (len > buflen)
        real()->__chk_fail();
    return pread(fd, buf, len, offset);
}

HOOK ssize_t __pread64_chk(int fd, void *buf, size_t len, off64_t offset,
                           size_t buflen)
{
    if (len > buflen)
        real()->__chk_fail();
    return pread64(fd, buf, len, offset);
}

HOOK ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
    if (len > buflen)
        real()->__chk_fail();
    return recv(fd, buf, len, flags);
}

HOOK ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
                            int flags, struct sockaddr *addr, socklen_t *alen)
{
    if (len > buflen)
        real()->__chk_fail();
    return recvfrom(fd, buf, len, flags, addr, alen);
}

/* glibc divides rather than multiplies, so a huge n cannot overflow. */
HOOK int __poll_chk(struct pollfd *fds, nfds_t n, int timeout_ms, size_t fdslen)
{
    if (fdslen / sizeof *fds < n)
        real()->__chk_fail();
    return poll(fds, n, timeout_ms);
}

HOOK int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
                     const sigset_t *mask, size_t fdslen)
{
    if (fdslen / sizeof *fds < n)
        real()->__chk_fail();
    return ppoll(fds, n, ts, mask);
}
