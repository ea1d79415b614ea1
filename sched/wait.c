/*
 * wait.c - yield, sleep and fd readiness waits of the explicit API.
 *
 * Outside a green thread these fall back to the blocking system calls, so a
 * helper that waits works whether or not it runs under green_main.
 */
#include <limits.h>

#include "fd.h"
#include "real.h"
#include "world.h"

GREEN_EXPORT void green_yield(void)
{
    green__yield(green__hub);
}

GREEN_EXPORT int green_sleep(int64_t ns)
{
    struct green *self = green__current();
    if (ns < 0)
        return green__api_result(-EINVAL);
    if (!self) {
        struct timespec ts = {ns / 1000000000, ns % 1000000000};
        while (green__real.nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        return 0;
    }
    green__arm_timeout(self, ns);
    green__lock();
    green__park(self->hub);
    green__unlock();
    return 0;
}

static int poll_fd(int fd, int events, int64_t timeout_ns)
{
    struct pollfd p = {.fd = fd, .events = 0};
    int ms = -1;
    if (events & GREEN_READ)
        p.events |= POLLIN;
    if (events & GREEN_WRITE)
        p.events |= POLLOUT;
    if (timeout_ns >= 0)
        ms = timeout_ns / 1000000 >= INT_MAX
                 ? INT_MAX
                 : (int)((timeout_ns + 999999) / 1000000);
    int n = green__real.poll(&p, 1, ms);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ETIMEDOUT;
    if (p.revents & POLLNVAL)
        return -EBADF;
    /* Errors and hang-ups make both directions "ready": the next call
     * reports what happened, as after a libev wake-up. */
    if (p.revents & (POLLERR | POLLHUP))
        return events;
    return ((p.revents & POLLIN) ? GREEN_READ : 0) |
           ((p.revents & POLLOUT) ? GREEN_WRITE : 0);
}

GREEN_EXPORT int green_wait_fd(int fd, int events, int64_t timeout_ns)
{
    if (!(events & (GREEN_READ | GREEN_WRITE)) || fd < 0)
        return -EINVAL;
    if (!green__current())
        return poll_fd(fd, events & (GREEN_READ | GREEN_WRITE), timeout_ns);
    return green__wait_fd(green__hub, fd, events, timeout_ns);
}
