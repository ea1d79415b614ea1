/*
 * real.c - resolve the table of real libc functions for libgreenrun.so.
 *
 * Every X_HOOK name of sched/real_list.h is also defined by hooks/, so the
 * core and the hooks reach glibc only through this table.  Resolution
 * happens in the constructor, or earlier if a hook runs first (another
 * library's constructor may call read or pthread_mutex_lock before ours):
 * the hooks call green__real_ready() on their pass-through paths.  dlsym
 * takes only glibc's internal locks, which are not interposed, so resolving
 * from inside a hook cannot recurse.
 */
#include <dlfcn.h>
#include <string.h>

#include "raw_x86_64.h"
#include "real.h"
#include "shim.h"

struct green__real_fns green__real;
int green__real_resolved;

/* Each slot of the table, and the name whose next definition fills it. */
static const struct real_slot {
    size_t offset;
    const char *name;
    int hooked; /* libgreenrun.so defines name too */
} slots[] = {
#define X_HOOK(ret, name, params)                                              \
    {offsetof(struct green__real_fns, name), #name, 1},
#define X_REAL(ret, name, params)                                              \
    {offsetof(struct green__real_fns, name), #name, 0},
#include "real_list.h"
};

/* The C library lacks a function greenrun needs.  Report it with raw
 * system calls: write and _exit are our own hooks, which would come back
 * here for the table being filled, over and over until the stack ends. */
void green__real_missing(const char *name)
{
    static const char head[] = "greenrun: cannot find the real ";
    static const char tail[] = " in the C library\n";
    green__raw_write(2, head, sizeof head - 1);
    green__raw_write(2, name, strlen(name));
    green__raw_write(2, tail, sizeof tail - 1);
    green__raw_exit(127);
}

void green__real_resolve(void)
{
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        void *fn = dlsym(RTLD_NEXT, slots[i].name);
        if (!fn)
            green__real_missing(slots[i].name);
        /* A function pointer's bytes, stored whatever its type. */
        memcpy((char *)&green__real + slots[i].offset, &fn, sizeof fn);
    }
    __atomic_store_n(&green__real_resolved, 1, __ATOMIC_RELEASE);
}

void *green__real_hooked(const char *name)
{
    green__real_ready();
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        if (slots[i].hooked && !strcmp(slots[i].name, name)) {
            void *fn;
            memcpy(&fn, (const char *)&green__real + slots[i].offset,
                   sizeof fn);
            return fn;
        }
    }
    return NULL;
}
