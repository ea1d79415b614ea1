/*
 * dns.c - name resolution: getaddrinfo, getnameinfo, gethostbyname,
 * gethostbyname_r, gethostbyname2_r, res_query, res_search.
 *
 * glibc's resolver opens, polls and reads its own sockets through calls
 * inside libc that no hook sees (docs/DESIGN.md pitfall 8), so one lookup
 * waiting on a slow DNS server would stop every green thread of the hub.
 * A green thread that may park therefore has the real function run on the
 * offload pool (sched/offload.c) and parks meanwhile: fifty threads looking
 * up fifty names wait for the server side by side, as native threads would.
 * Everyone else calls straight through: native threads (the pool's own
 * included), and a green thread that is alone, with nobody to run while it
 * waits.  Calls that cannot wait on anything (numeric hosts and services)
 * skip the pool and its thread switch.
 *
 * What the caller sees is what the call left on the pool thread: the
 * result, h_errno for the functions that set it, and errno when the call
 * failed.  Two things differ from a call made on the caller's own thread:
 *
 * - The lookup runs with the pool thread's resolver state, which glibc
 *   loads from /etc/resolv.conf (and reloads when that changes) as for any
 *   new thread.  Changes a program makes to _res itself (res_init, then
 *   _res.nsaddr_list, _res.options...) are not seen by these calls; the
 *   res_n* functions, which take the state as an argument, are not hooked
 *   and keep working as natively.
 * - The lookup cannot be cancelled or interrupted by a signal: natively
 *   these are cancellation points in name only, and glibc restarts its
 *   polls after a signal.
 *
 * gethostbyname returns a static struct hostent.  glibc's is one per
 * process, filled under a lock held across the lookup; ours is too (a
 * green mutex, so that waiting for it parks), built on gethostbyname_r run
 * on the pool.  Native threads and a lone green thread still get glibc's.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"
#include "offload.h"

/* What a call left behind on the pool thread, for the caller. */
struct outcome {
    int err;  /* errno */
    int herr; /* h_errno */
};

static void note(struct outcome *o)
{
    o->err = errno;
    o->herr = h_errno;
}

/* Run fn(call) on h's pool.  0 when it ran there; -1 when the caller must
 * make the call itself (h NULL: not a green thread that may park; or no
 * pool thread to be had).  The hooks pass hook__parkable(): it notes them
 * for the monitor. */
static int on_pool(struct green__hub *h, void (*fn)(void *), void *call)
{
    int saved_errno = errno;
    if (!h || green__offload(h, fn, call) < 0)
        return -1;
    errno = saved_errno;
    return 0;
}

static int digits_only(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* ---- getaddrinfo, getnameinfo -------------------------------------------- */

struct addrinfo_call {
    struct outcome o;
    const char *node, *service;
    const struct addrinfo *hints;
    struct addrinfo **res;
    int result;
};

static void run_getaddrinfo(void *arg)
{
    struct addrinfo_call *c = arg;
    c->result = real()->getaddrinfo(c->node, c->service, c->hints, c->res);
    note(&c->o);
}

/* An IPv4 address in any form inet_aton takes ("127.0.0.1", "127.1",
 * "0x7f000001").  glibc's getaddrinfo parses the host with inet_aton too,
 * but insists on the whole string: inet_aton alone would accept trailing
 * blanks and words, so the characters are checked first. */
static int numeric_ipv4(const char *node)
{
    struct in_addr addr;
    return *node && strspn(node, "0123456789abcdefABCDEFxX.") == strlen(node) &&
           inet_aton(node, &addr);
}

/* An IPv6 address, with or without a scope after '%' ("fe80::1%2",
 * "fe80::1%lo").  glibc maps a scope that names an interface with
 * if_nametoindex, an ioctl on a local socket that cannot wait for the
 * network, so any non-empty scope counts as numeric. */
static int numeric_ipv6(const char *node)
{
    struct in6_addr addr;
    char text[INET6_ADDRSTRLEN];
    const char *scope = strchr(node, '%');
    size_t len = scope ? (size_t)(scope - node) : strlen(node);
    if (len >= sizeof text || (scope && !scope[1]))
        return 0;
    memcpy(text, node, len);
    text[len] = '\0';
    return inet_pton(AF_INET6, text, &addr) == 1;
}

/* Neither the host nor the service needs NSS: glibc answers from the
 * strings alone, whatever the flags (AI_ADDRCONFIG asks the kernel over
 * netlink, or a local nscd; AI_CANONNAME copies the host string), so the
 * call is made in place, without a trip to the pool. */
static int numeric_addrinfo(const char *node, const char *service,
                            const struct addrinfo *hints)
{
    int flags = hints ? hints->ai_flags : 0;
    return (!node || (flags & AI_NUMERICHOST) || numeric_ipv4(node) ||
            numeric_ipv6(node)) &&
           (!service || (flags & AI_NUMERICSERV) || digits_only(service));
}

HOOK int getaddrinfo(const char *node, const char *service,
                     const struct addrinfo *hints, struct addrinfo **res)
{
    struct addrinfo_call c = {
        .node = node, .service = service, .hints = hints, .res = res};
    if (numeric_addrinfo(node, service, hints) ||
        on_pool(hook__parkable(), run_getaddrinfo, &c) < 0)
        return real()->getaddrinfo(node, service, hints, res);
    if (c.result == EAI_SYSTEM)
        errno = c.o.err;
    return c.result;
}

struct nameinfo_call {
    struct outcome o;
    const struct sockaddr *addr;
    socklen_t alen;
    char *host;
    socklen_t hostlen;
    char *serv;
    socklen_t servlen;
    int flags;
    int result;
};

static void run_getnameinfo(void *arg)
{
    struct nameinfo_call *c = arg;
    c->result = real()->getnameinfo(c->addr, c->alen, c->host, c->hostlen,
                                    c->serv, c->servlen, c->flags);
    note(&c->o);
}

HOOK int getnameinfo(const struct sockaddr *addr, socklen_t alen, char *host,
                     socklen_t hostlen, char *serv, socklen_t servlen,
                     int flags)
{
    struct nameinfo_call c = {{0, 0}, addr,    alen,  host, hostlen,
                              serv,   servlen, flags, 0};
    int numeric = (!host || !hostlen || (flags & NI_NUMERICHOST)) &&
                  (!serv || !servlen || (flags & NI_NUMERICSERV));
    if (numeric || on_pool(hook__parkable(), run_getnameinfo, &c) < 0)
        return real()->getnameinfo(addr, alen, host, hostlen, serv, servlen,
                                   flags);
    if (c.result == EAI_SYSTEM)
        errno = c.o.err;
    return c.result;
}

/* ---- gethostbyname and friends ------------------------------------------- */

struct hostent_call {
    struct outcome o;
    const char *name;
    int af; /* -1: gethostbyname_r, else gethostbyname2_r */
    struct hostent *ret;
    char *buf;
    size_t buflen;
    struct hostent **result;
    int *h_errnop;
    int status;
};

static void run_gethostbyname(void *arg)
{
    struct hostent_call *c = arg;
    if (c->af < 0)
        c->status = real()->gethostbyname_r(c->name, c->ret, c->buf, c->buflen,
                                            c->result, c->h_errnop);
    else
        c->status = real()->gethostbyname2_r(c->name, c->af, c->ret, c->buf,
                                             c->buflen, c->result, c->h_errnop);
    note(&c->o);
}

/* gethostbyname_r or gethostbyname2_r, on the pool when possible. */
static int hostent_lookup(struct green__hub *h, struct hostent_call *c)
{
    if (on_pool(h, run_gethostbyname, c) < 0)
        run_gethostbyname(c);
    else if (c->status != 0)
        errno = c->o.err;
    return c->status;
}

HOOK int gethostbyname_r(const char *name, struct hostent *ret, char *buf,
                         size_t buflen, struct hostent **result, int *h_errnop)
{
    struct hostent_call c = {{0, 0}, name,   -1,       ret, buf,
                             buflen, result, h_errnop, 0};
    return hostent_lookup(hook__parkable(), &c);
}

HOOK int gethostbyname2_r(const char *name, int af, struct hostent *ret,
                          char *buf, size_t buflen, struct hostent **result,
                          int *h_errnop)
{
    struct hostent_call c = {{0, 0}, name,   af,       ret, buf,
                             buflen, result, h_errnop, 0};
    return hostent_lookup(hook__parkable(), &c);
}

static green_mutex_t static_lock = GREEN_MUTEX_INIT;
static struct hostent static_hostent;
static char *static_buf;
static size_t static_len;

/* Make the static buffer larger (1 KiB first, then twice as large). */
static int grow_static(void)
{
    size_t len = static_len ? static_len * 2 : 1024;
    char *buf = realloc(static_buf, len);
    if (!buf)
        return -1;
    static_buf = buf;
    static_len = len;
    return 0;
}

/* Fill the static hostent, growing its buffer as glibc does. */
static struct hostent *static_lookup(struct green__hub *h, const char *name)
{
    struct hostent *result = NULL;
    int herr = NETDB_INTERNAL;
    if (!static_buf && grow_static() < 0)
        goto out;
    for (;;) {
        struct hostent_call c = {{0, 0},          name,       -1,
                                 &static_hostent, static_buf, static_len,
                                 &result,         &herr,      0};
        if (hostent_lookup(h, &c) != ERANGE || herr != NETDB_INTERNAL)
            break;
        if (grow_static() < 0)
            break;
    }
out:
    h_errno = herr;
    return result;
}

HOOK struct hostent *gethostbyname(const char *name)
{
    struct green__hub *h = hook__parkable();
    if (!h)
        return real()->gethostbyname(name);
    green_mutex_lock(&static_lock);
    struct hostent *result = static_lookup(h, name);
    green_mutex_unlock(&static_lock);
    return result;
}

/* ---- res_query, res_search ----------------------------------------------- */

struct res_call {
    struct outcome o;
    int search; /* res_search rather than res_query */
    const char *name;
    int class, type;
    unsigned char *answer;
    int len;
    int result;
};

static void run_res(void *arg)
{
    struct res_call *c = arg;
    if (c->search)
        c->result =
            real()->res_search(c->name, c->class, c->type, c->answer, c->len);
    else
        c->result =
            real()->res_query(c->name, c->class, c->type, c->answer, c->len);
    note(&c->o);
}

static int res_call(struct green__hub *h, int search, const char *name,
                    int class, int type, unsigned char *answer, int len)
{
    struct res_call c = {{0, 0}, search, name, class, type, answer, len, 0};
    if (on_pool(h, run_res, &c) < 0) {
        run_res(&c);
        return c.result;
    }
    h_errno = c.o.herr;
    if (c.result < 0)
        errno = c.o.err;
    return c.result;
}

HOOK int res_query(const char *name, int class, int type, unsigned char *answer,
                   int len)
{
    return res_call(hook__parkable(), 0, name, class, type, answer, len);
}

HOOK int res_search(const char *name, int class, int type,
                    unsigned char *answer, int len)
{
    return res_call(hook__parkable(), 1, name, class, type, answer, len);
}

/* The names programs built before glibc 2.34 call (resolv.h used to
 * #define res_query __res_query). */
HOOK int __res_query(const char *name, int class, int type,
                     unsigned char *answer, int len)
    __attribute__((alias("res_query"), copy(res_query)));
HOOK int __res_search(const char *name, int class, int type,
                      unsigned char *answer, int len)
    __attribute__((alias("res_search"), copy(res_search)));
