/*
 * dlsym.c - a library's dlsym(RTLD_NEXT, ...) of a hooked name finds the
 * hook, not glibc's function past it.
 *
 * RTLD_NEXT looks for the next definition after the object that asks.
 * Asked from a library loaded after libgreenrun.so (which the preload puts
 * right after the program), it skips greenrun: jemalloc finds its
 * pthread_create that way, and its background thread became a native
 * thread among green ones, waiting in glibc's pthread_cond_wait on a mutex
 * green threads lock the green way (redis-server crashed at start).
 *
 * So when the answer would be the very function greenrun wraps (the one in
 * its table of real functions), the hook is given instead: the caller then
 * calls through greenrun to the same function, as a call by name would.
 * Any other answer stands, and the lookup is glibc's own, made for the
 * caller: the stub below jumps to glibc's dlsym with the caller's return
 * address in place, which is how glibc knows who asks.  That covers every
 * other handle, a name greenrun does not hook, greenrun's own lookups (its
 * table is made of exactly the functions past it), an object before
 * greenrun (the program, whose next definition is the hook already), and
 * a library between greenrun and glibc that wraps the function itself or
 * is a wrapper greenrun's table points to (it means to skip greenrun, and
 * greenrun calls it: giving it the hook would loop).
 */
#include <dlfcn.h>
#include <link.h>

#include "shim.h" /* not hook.h: libev's EV_NONE and <elf.h>'s collide */

typedef void *dlsym_fn(void *handle, const char *name);

/* AddressSanitizer's runtime finds its own real functions with
 * dlsym(RTLD_NEXT) before it is set up, so this file's code must not
 * touch its shadow memory; nor is it one of greenrun's frames (trap.c),
 * since a lookup runs in glibc for the program. */
#define OUTSIDE __attribute__((no_sanitize_address, no_instrument_function))

/* The hook to give in place of what dlsym(handle, name) would return to
 * the code at caller_pc, or NULL if that answer stands. */
__attribute__((visibility("hidden"))) OUTSIDE void *
hook__dlsym_hooked(void *handle, const char *name, const void *caller_pc);

/* glibc's dlsym, which the stub jumps to when the answer stands. */
__attribute__((visibility("hidden"))) dlsym_fn *hook__real_dlsym;

/* The stub: the exported dlsym.  It asks hook__dlsym_hooked for a hook to
 * give (with the return address, which names the caller), and returns
 * that; or else jumps to glibc's dlsym with the stack as it came, so that
 * glibc sees the caller as its own. */
__asm__(".pushsection .text\n"
        ".globl dlsym\n"
        ".type dlsym, @function\n"
        "dlsym:\n"
        "    .cfi_startproc\n"
        "    push %rdi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    push %rsi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    sub $8, %rsp\n" /* the call's 16-byte alignment */
        "    .cfi_adjust_cfa_offset 8\n"
        "    mov 24(%rsp), %rdx\n"
        "    call hook__dlsym_hooked\n"
        "    add $8, %rsp\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    pop %rsi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    pop %rdi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  jmp *hook__real_dlsym(%rip)\n"
        "    .cfi_endproc\n"
        ".size dlsym, . - dlsym\n"
        ".popsection\n");

/* glibc's dlsym, the default version first (glibc 2.34 moved it from
 * libdl into libc). */
OUTSIDE static void find_real_dlsym(void)
{
    dlsym_fn *fn = (dlsym_fn *)dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
    if (!fn)
        fn = (dlsym_fn *)dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5");
    if (!fn)
        green__real_missing("dlsym"); /* the stub would jump to NULL */
    __atomic_store_n(&hook__real_dlsym, fn, __ATOMIC_RELEASE);
}

OUTSIDE static struct link_map *object_of(const void *addr)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (!addr || !dladdr1(addr, &info, (void **)&map, RTLD_DL_LINKMAP))
        return NULL;
    return map;
}

/* name as found through map's handle, NULL if not found.  A lookup
 * through a handle begins with the object, then its dependencies.  The
 * handle comes from dlopen: an object loaded at start has no list of its
 * own to look in until then. */
OUTSIDE static void *lookup_from(struct link_map *map, const char *name,
                                 int *opened)
{
    void *handle = dlopen(map->l_name, RTLD_LAZY | RTLD_NOLOAD);
    *opened = handle != NULL;
    if (!handle)
        return NULL;
    void *found = hook__real_dlsym(handle, name);
    dlclose(handle);
    return found;
}

/* Whether map may define name itself; one that cannot be opened again
 * may. */
OUTSIDE static int may_define(struct link_map *map, const char *name)
{
    int opened;
    void *found = lookup_from(map, name, &opened);
    return !opened || object_of(found) == map;
}

/* Whether owner comes after the caller in the global scope with no object
 * between them that defines name: then RTLD_NEXT from the caller finds
 * owner's definition. */
OUTSIDE static int next_is(struct link_map *caller, struct link_map *owner,
                           const char *name)
{
    for (struct link_map *m = caller->l_next; m; m = m->l_next) {
        if (m == owner)
            return 1;
        if (may_define(m, name))
            return 0;
    }
    return 0; /* owner comes before the caller */
}

/* Whether map comes after greenrun's own object in the global scope. */
OUTSIDE static int after(struct link_map *own, struct link_map *map)
{
    for (struct link_map *m = own->l_next; m; m = m->l_next)
        if (m == map)
            return 1;
    return 0;
}

void *hook__dlsym_hooked(void *handle, const char *name, const void *caller_pc)
{
    if (!__atomic_load_n(&hook__real_dlsym, __ATOMIC_ACQUIRE))
        find_real_dlsym();
    if (handle != RTLD_NEXT || !name)
        return NULL;
#ifdef __SANITIZE_ADDRESS__
    /* ASan's interceptors stand between greenrun and glibc: greenrun's
     * table holds them, never what a lookup past them finds. */
    return NULL;
#endif
    struct link_map *own = object_of((const void *)find_real_dlsym);
    struct link_map *caller = object_of(caller_pc);
    /* Greenrun's own lookups fill the table: they go on as they are. */
    if (!own || !caller || caller == own || !after(own, caller))
        return NULL;
    void *wrapped = green__real_hooked(name);
    struct link_map *owner = object_of(wrapped);
    if (!owner || !next_is(caller, owner, name))
        return NULL;
    int opened;
    return lookup_from(own, name, &opened);
}
