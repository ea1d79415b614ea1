/*
 * switch_x86_64.S - the context switch between green threads.
 *
 * Only what the System V ABI makes callee-saved is kept: rbx, rbp, r12-r15,
 * the stack pointer, and the control bits of MXCSR and the x87 FPU (rounding
 * mode and exception masks belong to the thread).  Everything else the
 * compiler already assumes a call destroys.  The CFI lets gdb and
 * backtrace() walk through a switch; the trampoline marks the outermost
 * frame of every green stack with an undefined return address, so unwinding
 * stops there instead of wandering into the stack's header.
 *
 * Storing MXCSR and the x87 control word is cheap, loading them is not
 * (ldmxcsr and fldcw cost more than the rest of the switch together), and
 * nearly every switch is between threads whose words are equal.  So both
 * are stored on every switch, since the thread may have changed them since
 * its last one (fesetround), and loaded only if the incoming thread's saved
 * words differ from the ones just stored, which are what the FPU holds.
 * MXCSR is compared whole, status flags included, so each thread keeps its
 * own flags as before.
 *
 * Frame left on a switched-out stack, from its saved sp upwards:
 *   +0 mxcsr (4 bytes) and x87 control word (2 bytes, padded)
 *   +8 r15, +16 r14, +24 r13, +32 r12, +40 rbx, +48 rbp, +56 return address
 */

    .text

/* void green__switch(void **save_sp, void *new_sp) */
    .globl  green__switch
    .hidden green__switch
    .type   green__switch, @function
    .p2align 4
green__switch:
    .cfi_startproc
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    subq    $8, %rsp
    .cfi_adjust_cfa_offset 8
    .cfi_remember_state
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movl    (%rsi), %eax
    cmpl    (%rsp), %eax
    jne     .Lload_fpu
    movzwl  4(%rsi), %eax
    cmpw    4(%rsp), %ax
    jne     .Lload_fpu
.Lfpu_loaded:

    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    /* From here on the same CFI describes the new stack's identical frame. */

    addq    $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq    %r15
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r15
    popq    %r14
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r14
    popq    %r13
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r13
    popq    %r12
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r12
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbx
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbp
    ret

    /* Out of line: the frame is still the outgoing thread's, whole. */
    .cfi_restore_state
.Lload_fpu:
    ldmxcsr (%rsi)
    fldcw   4(%rsi)
    jmp     .Lfpu_loaded
    .cfi_endproc
    .size   green__switch, .-green__switch

/* void *green__stack_init(void *top): build the frame green__switch pops on
 * a new stack, returning into the trampoline, and above it a return address
 * for green__start, which the trampoline enters by a jump (see there).  The
 * FPU control state is inherited from the creating thread. */
    .globl  green__stack_init
    .hidden green__stack_init
    .type   green__stack_init, @function
    .p2align 4
green__stack_init:
    .cfi_startproc
    leaq    green__trampoline_end(%rip), %rax
    movq    %rax, -8(%rdi)
    leaq    green__trampoline(%rip), %rax
    movq    %rax, -16(%rdi)
    xorl    %eax, %eax
    movq    %rax, -24(%rdi)     /* rbp = 0: frame-pointer walks stop here */
    movq    %rax, -32(%rdi)
    movq    %rax, -40(%rdi)
    movq    %rax, -48(%rdi)
    movq    %rax, -56(%rdi)
    movq    %rax, -64(%rdi)
    movq    %rax, -72(%rdi)
    stmxcsr -72(%rdi)
    fnstcw  -68(%rdi)
    leaq    -72(%rdi), %rax
    ret
    .cfi_endproc
    .size   green__stack_init, .-green__stack_init

/* A jump, not a call: a thread's first return (into here) takes one entry
 * off the CPU's return stack buffer, and the call to green__switch it ends
 * with (green__start tail-calls green__schedule) puts back one, at the site
 * its creator's switch was called from, so that the creator's returns after
 * the thread ends stay predicted.  A call here would add an entry, and
 * mispredict every return of a joiner's chain: a third of a spawn+join.
 * green__start finds green__trampoline_end as its return address. */
    .type   green__trampoline, @function
    .p2align 4
green__trampoline:
    .cfi_startproc
    .cfi_undefined %rip
    jmp     green__start@PLT
green__trampoline_end:
    call    green__start_returned@PLT  /* never returns */
    ud2
    .cfi_endproc
    .size   green__trampoline, .-green__trampoline

    .section .note.GNU-stack, "", @progbits
