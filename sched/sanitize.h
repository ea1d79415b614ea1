/*
 * sanitize.h - telling AddressSanitizer and ThreadSanitizer about stack
 * switches.
 */
#ifndef GREEN_SANITIZE_H
#define GREEN_SANITIZE_H

#include "hub.h"

#if defined(__SANITIZE_ADDRESS__)
#define GREEN__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GREEN__ASAN 1
#endif
#endif

#ifdef GREEN__ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(const volatile void *addr, size_t size);
/* A reused stack still carries the redzones of its last thread's frames. */
static inline void green__asan_fresh_stack(const struct green__stack *s)
{
    __asan_unpoison_memory_region(s->lo, (size_t)(s->hi - s->lo));
}
static inline void green__asan_leave(struct green *from, struct green *to)
{
    /* An ending thread passes NULL: its fake stack can go. */
    int ended = from->state == GREEN__DONE || from->hub->exiting == from;
    __sanitizer_start_switch_fiber(ended ? NULL : &from->asan_fake_stack,
                                   to->stack.lo,
                                   (size_t)(to->stack.hi - to->stack.lo));
}
static inline void green__asan_arrive(struct green *self, struct green *from)
{
    const void *lo;
    size_t size;
    __sanitizer_finish_switch_fiber(self->asan_fake_stack, &lo, &size);
    /* Adopted contexts learn their own stack bounds on first switch. */
    if (from && !from->stack.map && !from->stack.lo) {
        from->stack.lo = (char *)lo;
        from->stack.hi = (char *)lo + size;
    }
}
#else
static inline void green__asan_fresh_stack(const struct green__stack *s)
{
    (void)s;
}
static inline void green__asan_leave(struct green *from, struct green *to)
{
    (void)from;
    (void)to;
}
static inline void green__asan_arrive(struct green *self, struct green *from)
{
    (void)self;
    (void)from;
}
#endif

/* ThreadSanitizer follows green threads as fibers (make tsan). */
#if defined(__SANITIZE_THREAD__)
#define GREEN__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GREEN__TSAN 1
#endif
#endif

#ifdef GREEN__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
static inline void green__tsan_created(struct green *g, int adopted)
{
    g->tsan_fiber =
        adopted ? __tsan_get_current_fiber() : __tsan_create_fiber(0);
}
static inline void green__tsan_released(struct green *g)
{
    if (g->stack.map)
        __tsan_destroy_fiber(g->tsan_fiber);
}
static inline void green__tsan_switch(struct green *to)
{
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
}
#else
static inline void green__tsan_created(struct green *g, int adopted)
{
    (void)g;
    (void)adopted;
}
static inline void green__tsan_released(struct green *g)
{
    (void)g;
}
static inline void green__tsan_switch(struct green *to)
{
    (void)to;
}
#endif

#endif
