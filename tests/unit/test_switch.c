/*
 * test_switch.c - the context switch keeps each green thread's registers.
 *
 * Two green threads interleave through green_yield while holding different
 * values in the callee-saved registers, in many live locals, in doubles and
 * in the floating-point control registers (MXCSR and the x87 control word,
 * which the SysV ABI makes callee-saved too).  If the switch lost any of it,
 * one thread would see the other's values.
 */
#include <stdint.h>

#include "green.h"
#include "test.h"

enum { ROUNDS = 2000 };

/* ---- Callee-saved integer registers, checked from assembly ------------ */

#if defined(__x86_64__)
/*
 * Load rbx, rbp and r12-r15 with values derived from seed, call fn straight
 * from assembly (so the compiler cannot spill them around the call), and
 * return a bit mask of the registers that came back changed.  fn is C code
 * that blocks, so the check covers everything between it and the switch.
 * The red zone is skipped and the stack aligned before the call; rbp is the
 * frame pointer, so it is saved by hand instead of being a clobber.
 *
 * Stack while fn runs: 0 fn, 8 fn (padding), 16 seed, 24 caller's rsp.
 */
static unsigned long call_checking_registers(void (*fn)(void),
                                             unsigned long seed)
{
    unsigned long bad;
    unsigned long s = seed;
    void (*f)(void) = fn;

    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                     "push %%rbp\n\t"
                     "mov %%rsp, %%rax\n\t"
                     "and $-16, %%rsp\n\t"
                     "push %%rax\n\t"
                     "push %%rsi\n\t"
                     "push %%rdx\n\t"
                     "push %%rdx\n\t"
                     "mov %%rsi, %%rbx\n\t"
                     "mov %%rsi, %%rbp\n\t"
                     "rol $8, %%rbp\n\t"
                     "mov %%rsi, %%r12\n\t"
                     "rol $16, %%r12\n\t"
                     "mov %%rsi, %%r13\n\t"
                     "rol $24, %%r13\n\t"
                     "mov %%rsi, %%r14\n\t"
                     "rol $32, %%r14\n\t"
                     "mov %%rsi, %%r15\n\t"
                     "rol $40, %%r15\n\t"
                     "call *(%%rsp)\n\t"
                     "mov 16(%%rsp), %%rsi\n\t"
                     "xor %%eax, %%eax\n\t"
                     "cmp %%rsi, %%rbx\n\t"
                     "je 1f\n\t"
                     "or $1, %%eax\n"
                     "1:\n\t"
                     "mov %%rsi, %%rcx\n\t"
                     "rol $8, %%rcx\n\t"
                     "cmp %%rcx, %%rbp\n\t"
                     "je 2f\n\t"
                     "or $2, %%eax\n"
                     "2:\n\t"
                     "mov %%rsi, %%rcx\n\t"
                     "rol $16, %%rcx\n\t"
                     "cmp %%rcx, %%r12\n\t"
                     "je 3f\n\t"
                     "or $4, %%eax\n"
                     "3:\n\t"
                     "mov %%rsi, %%rcx\n\t"
                     "rol $24, %%rcx\n\t"
                     "cmp %%rcx, %%r13\n\t"
                     "je 4f\n\t"
                     "or $8, %%eax\n"
                     "4:\n\t"
                     "mov %%rsi, %%rcx\n\t"
                     "rol $32, %%rcx\n\t"
                     "cmp %%rcx, %%r14\n\t"
                     "je 5f\n\t"
                     "or $16, %%eax\n"
                     "5:\n\t"
                     "mov %%rsi, %%rcx\n\t"
                     "rol $40, %%rcx\n\t"
                     "cmp %%rcx, %%r15\n\t"
                     "je 6f\n\t"
                     "or $32, %%eax\n"
                     "6:\n\t"
                     "mov 24(%%rsp), %%rsp\n\t"
                     "pop %%rbp\n\t"
                     "lea 128(%%rsp), %%rsp\n\t"
                     : "=a"(bad), "+S"(s), "+d"(f)
                     :
                     : "rbx", "rcx", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3",
                       "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                       "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory",
                       "cc");
    return bad;
}

static green_mutex_t reg_mutex = GREEN_MUTEX_INIT;

static void sleep_briefly(void)
{
    ASSERT_EQ(green_sleep(1000), 0);
}

/* The other thread holds the mutex across a yield, so this blocks. */
static void lock_across_yield(void)
{
    ASSERT_EQ(green_mutex_lock(&reg_mutex), 0);
    green_yield();
    ASSERT_EQ(green_mutex_unlock(&reg_mutex), 0);
}

/* Each way of giving up the CPU reaches the switch through different C
 * code, which saves different registers on the way: try several. */
static void (*const blockers[])(void) = {green_yield, sleep_briefly,
                                         lock_across_yield};

static void *register_worker(void *arg)
{
    unsigned long seed = (unsigned long)(uintptr_t)arg;

    for (int i = 0; i < ROUNDS; i++) {
        unsigned long bad =
            call_checking_registers(blockers[i % 3], seed + (unsigned long)i);
        if (bad != 0)
            fprintf(stderr,
                    "blocker %d: changed register mask %#lx "
                    "(rbx rbp r12 r13 r14 r15 = bits 0-5)\n",
                    i % 3, bad);
        ASSERT_EQ(bad, 0);
    }
    return NULL;
}
#endif

/* ---- Many live locals ------------------------------------------------- */

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Mix twelve locals that all stay live across each yield: more than there
 * are callee-saved registers, so some also live in the stack frame. */
static __attribute__((noinline)) uint64_t locals_checksum(uint64_t seed,
                                                          int yield)
{
    uint64_t a = seed, b = seed * 3, c = seed ^ 0x5555, d = seed + 7;
    uint64_t e = ~seed, f = seed << 3, g = seed >> 2, h = seed * 11;
    uint64_t i2 = seed ^ 0xabcdef, j = seed + 0x1234, k = seed * 0x101;
    uint64_t l = seed | 1;

    for (int r = 0; r < ROUNDS; r++) {
        a = a * UINT64_C(6364136223846793005) + 1;
        b ^= a >> 7;
        c += b * 31;
        d = rotl64(d ^ c, 13);
        e += d;
        f ^= e << 3;
        g += f ^ (uint64_t)r;
        h = h * 5 + g;
        i2 = rotl64(i2 + h, 7);
        j ^= i2 * 3;
        k += j >> 5;
        l = l * k + a;
        if (yield)
            green_yield();
    }
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i2 ^ j ^ k ^ l;
}

/* Doubles are caller-saved in the SysV ABI, so across green_yield they live
 * in the stack frame: this checks that each thread gets its own frame back
 * bit for bit. */
static __attribute__((noinline)) double doubles_checksum(double seed, int yield)
{
    double x = seed, y = seed / 3.0, z = seed * 1.5, w = -seed;

    for (int r = 0; r < ROUNDS; r++) {
        x = x * 1.0000001 + 0.5;
        y = y / 3.0 + x;
        z = z * 0.999 + y / 7.0;
        w = w - z / 11.0 + (double)r;
        if (yield)
            green_yield();
    }
    return x + y * 3.0 + z * 5.0 + w * 7.0;
}

struct locals_arg {
    uint64_t seed;
    uint64_t got;
    double dseed;
    double dgot;
};

static void *locals_worker(void *arg)
{
    struct locals_arg *la = arg;

    la->got = locals_checksum(la->seed, 1);
    la->dgot = doubles_checksum(la->dseed, 1);
    return NULL;
}

static void *locals_main(void *arg)
{
    struct locals_arg *la = arg;
    green_t *t[2];

    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_spawn(&t[i], locals_worker, &la[i], NULL), 0);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(switch_preserves_registers)
{
    struct locals_arg la[2] = {
        {UINT64_C(0x0123456789abcdef), 0, 1.25, 0},
        {UINT64_C(0xfedcba9876543210), 0, -7.75, 0},
    };

    test_run_green(locals_main, la);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(la[i].got, locals_checksum(la[i].seed, 0));
        double want = doubles_checksum(la[i].dseed, 0);
        ASSERT(memcmp(&la[i].dgot, &want, sizeof(want)) == 0);
    }
    ASSERT_NE(la[0].got, la[1].got);
}

#if defined(__x86_64__)
static void *callee_saved_main(void *arg)
{
    green_t *t[2];

    (void)arg;
    ASSERT_EQ(green_spawn(&t[0], register_worker,
                          (void *)(uintptr_t)UINT64_C(0x1111222233334444),
                          NULL),
              0);
    ASSERT_EQ(green_spawn(&t[1], register_worker,
                          (void *)(uintptr_t)UINT64_C(0x9999aaaabbbbcccc),
                          NULL),
              0);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}
#endif

TEST(switch_preserves_callee_saved)
{
#if defined(__x86_64__)
    test_run_green(callee_saved_main, NULL);
#endif
}

/* ---- Floating-point control state ------------------------------------- */

#define MXCSR_RC_MASK 0x6000u
#define MXCSR_RC_DOWN 0x2000u
#define MXCSR_RC_UP 0x4000u
#define X87_RC_MASK 0x0c00u
#define X87_RC_DOWN 0x0400u
#define X87_RC_UP 0x0800u

static unsigned get_mxcsr(void)
{
    unsigned v;

    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void set_mxcsr(unsigned v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static unsigned short get_x87cw(void)
{
    unsigned short v;

    __asm__ volatile("fnstcw %0" : "=m"(v));
    return v;
}

static void set_x87cw(unsigned short v)
{
    __asm__ volatile("fldcw %0" : : "m"(v));
}

struct fp_arg {
    int up;       /* 1: round up, 0: round down */
    double third; /* 1.0 / 3.0 as computed after the last yield */
    long double lthird;
};

static volatile double one = 1.0, three = 3.0;
static volatile long double lone = 1.0L, lthree = 3.0L;

static void *fp_worker(void *arg)
{
    struct fp_arg *fa = arg;
    unsigned mx = get_mxcsr();
    unsigned short cw = get_x87cw();
    unsigned rc = fa->up ? MXCSR_RC_UP : MXCSR_RC_DOWN;
    unsigned short xrc = fa->up ? X87_RC_UP : X87_RC_DOWN;

    set_mxcsr((mx & ~MXCSR_RC_MASK) | rc);
    set_x87cw((unsigned short)((cw & ~X87_RC_MASK) | xrc));
    double first = one / three;
    long double lfirst = lone / lthree;
    for (int i = 0; i < ROUNDS; i++) {
        green_yield();
        ASSERT_EQ(get_mxcsr() & MXCSR_RC_MASK, rc);
        ASSERT_EQ(get_x87cw() & X87_RC_MASK, xrc);
        fa->third = one / three;
        fa->lthird = lone / lthree;
        ASSERT(fa->third == first);
        ASSERT(fa->lthird == lfirst);
    }
    set_mxcsr(mx);
    set_x87cw(cw);
    return NULL;
}

static void *fp_main(void *arg)
{
    struct fp_arg *fa = arg;
    green_t *t[2];

    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_spawn(&t[i], fp_worker, &fa[i], NULL), 0);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(switch_preserves_fp_control)
{
    struct fp_arg fa[2] = {{1, 0, 0}, {0, 0, 0}};

    test_run_green(fp_main, fa);
    /* Each thread really computed in its own mode after all the yields.
     * Valgrind keeps the control bits but always rounds to nearest. */
    if (test_under_valgrind())
        return;
    ASSERT(fa[0].third > fa[1].third);
    ASSERT(fa[0].lthird > fa[1].lthird);
}

/*
 * The switch loads the incoming thread's words only where they differ from
 * the outgoing one's, so each pairing matters: four threads take turns,
 * one with only its MXCSR rounding changed, one with only an MXCSR status
 * flag set, one with only its x87 rounding changed, one with neither.  The
 * turns pass between threads whose words differ in MXCSR alone, in the x87
 * word alone, in a status flag alone, and in both.  Each thread must find
 * its own words, every bit of them, after every yield.
 */
#define MXCSR_ZE 0x0004u /* divide-by-zero status flag */

struct fp_alone_arg {
    unsigned mx_or;
    unsigned short cw_or;
    unsigned mx_seen; /* the first word that differed, or the expected */
    unsigned short cw_seen;
};

static void *fp_alone_worker(void *arg)
{
    struct fp_alone_arg *fa = arg;
    unsigned mx0 = get_mxcsr();
    unsigned short cw0 = get_x87cw();
    unsigned mx = mx0 | fa->mx_or;
    unsigned short cw = (unsigned short)(cw0 | fa->cw_or);

    set_mxcsr(mx);
    set_x87cw(cw);
    fa->mx_seen = mx;
    fa->cw_seen = cw;
    for (int i = 0; i < ROUNDS; i++) {
        green_yield();
        unsigned now_mx = get_mxcsr();
        unsigned short now_cw = get_x87cw();
        if (now_mx != mx || now_cw != cw) {
            fa->mx_seen = now_mx;
            fa->cw_seen = now_cw;
            break;
        }
    }
    set_mxcsr(mx0);
    set_x87cw(cw0);
    return NULL;
}

static void *fp_alone_main(void *arg)
{
    struct fp_alone_arg *fa = arg;
    green_t *t[4];

    for (int i = 0; i < 4; i++)
        ASSERT_EQ(green_spawn(&t[i], fp_alone_worker, &fa[i], NULL), 0);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(green_join(t[i], NULL), 0);
    return NULL;
}

TEST(switch_keeps_fp_words_that_differ_alone)
{
    /* In turn order: MXCSR rounding, a status flag, x87 rounding, none. */
    struct fp_alone_arg fa[4] = {
        {MXCSR_RC_UP, 0, 0, 0},
        {MXCSR_ZE, 0, 0, 0},
        {0, X87_RC_DOWN, 0, 0},
        {0, 0, 0, 0},
    };
    unsigned mx0 = get_mxcsr();
    unsigned short cw0 = get_x87cw();

    /* Valgrind keeps no MXCSR status flags. */
    if (test_under_valgrind())
        fa[1].mx_or = MXCSR_RC_DOWN;
    test_run_green(fp_alone_main, fa);
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(fa[i].mx_seen, mx0 | fa[i].mx_or);
        ASSERT_EQ(fa[i].cw_seen, (unsigned short)(cw0 | fa[i].cw_or));
    }
}
