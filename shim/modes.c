/*
 * modes.c - choose how green threads run: their thread-local storage
 * (GREENRUN_TLS), the syscall trap (GREENRUN_SYSCALL_TRAP) and time slices
 * (GREENRUN_SLICE_MS); each says under --debug what it could enable.
 *
 * For private TLS, the loader's _dl_allocate_tls family and libthread_db's
 * layout descriptors are GLIBC_PRIVATE: stable enough that debuggers and
 * sanitizer runtimes rely on them, but not promised.  Each is looked up by
 * name and version; if one is missing, green threads share the OS
 * thread's TLS as before, and --debug says why.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "preempt.h"
#include "sanitize.h"
#include "shim.h"
#include "tls.h"
#include "trap.h"

static void *private_symbol(void *handle, const char *name)
{
    return dlvsym(handle, name, "GLIBC_PRIVATE");
}

/* A libthread_db descriptor: {bits, count, offset} for a field, or the
 * size of a struct. */
static uint32_t field_offset(const char *name)
{
    const uint32_t *d = private_symbol(RTLD_DEFAULT, name);
    return d ? d[2] : 0;
}

static void find_abi(struct green__tls_abi *abi)
{
    const uint32_t *size =
        private_symbol(RTLD_DEFAULT, "_thread_db_sizeof_pthread");
    const int *rseq = dlvsym(RTLD_DEFAULT, "__rseq_offset", "GLIBC_2.35");
    abi->allocate =
        (void *(*)(void *))private_symbol(RTLD_DEFAULT, "_dl_allocate_tls");
    abi->deallocate = (void (*)(void *, bool))private_symbol(
        RTLD_DEFAULT, "_dl_deallocate_tls");
    abi->call_dtors =
        (void (*)(void))private_symbol(RTLD_DEFAULT, "__call_tls_dtors");
    abi->pthread_size = size ? *size : 0;
    abi->tid_offset = field_offset("_thread_db_pthread_tid");
    abi->list_offset = field_offset("_thread_db_pthread_list");
    abi->rseq_offset = rseq ? *rseq : 0;
    if (!abi->tid_offset || !abi->list_offset)
        abi->pthread_size = 0; /* incomplete: refuse */
}

#define SHARED "shared by the green threads of an OS thread"

static void debug_mode(const char *mode, const char *why)
{
    green__debug_say("thread-local storage", mode, why);
}

void green__shim_trap_setup(struct green__hub *h)
{
    const char *why = "GREENRUN_SYSCALL_TRAP=0";
    if (!green__config.syscall_trap || (why = hook__trap_enable(h)) != NULL) {
        green__debug_say("system calls below the hooks", "not trapped", why);
        return;
    }
    green__debug_say("system calls below the hooks",
                     "trapped (Syscall User Dispatch)", NULL);
}

void green__shim_preempt_setup(struct green__hub *h)
{
    const char *why = hook__preempt_enable(h, green__config.slice_ms);
    if (why) {
        green__debug_say("preemption", "off", why);
        return;
    }
    /* "at safe points, after a slice of N ms", built without stdio. */
    static const char head[] = "at safe points, after a slice of ";
    char mode[sizeof head + 24], digits[16];
    const char *n = green__format_decimal(digits + sizeof digits - 1,
                                          green__config.slice_ms);
    digits[sizeof digits - 1] = '\0';
    memcpy(mode, head, sizeof head - 1);
    strcpy(mode + sizeof head - 1, n);
    strcat(mode, " ms");
    green__debug_say("preemption", mode, NULL);
}

void green__shim_tls_setup(struct green__hub *h)
{
    struct green__tls_abi abi = {0};
    if (green__config.tls_shared) {
        debug_mode(SHARED, "GREENRUN_TLS=shared");
        return;
    }
#ifdef GREEN__ASAN
    /* Its runtime finds its per-thread records through the OS thread's
     * TLS: a green thread with its own would have none. */
    debug_mode(SHARED, "the AddressSanitizer build");
    return;
#endif
    find_abi(&abi);
    const char *why = green__tls_enable(&abi);
    if (why) {
        green__say("greenrun: green threads share the OS thread's "
                   "thread-local storage: ");
        green__say(why);
        green__say(" (set GREENRUN_TLS=shared to silence this)\n");
        return;
    }
    h->private_tls = 1;
    debug_mode("private per green thread", green__tls_fast_switch()
                                               ? "switched with wrfsbase"
                                               : "switched with arch_prctl: "
                                                 "wrfsbase is not enabled");
}
