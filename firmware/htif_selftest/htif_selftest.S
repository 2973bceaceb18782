/* A riscv-tests-style self test: checks a few RV32IM results, then reports through tohost as the test suites do:
 * tohost = 1 for pass, (n << 1) | 1 for failure of test n. Other harts park, as RVTEST_CODE_BEGIN makes them. */
    .section .text.init
    .globl _start
_start:
    csrr    a0, mhartid
1:  bnez    a0, 1b                  /* only hart 0 runs the test */
    la      t0, trap_vector
    csrw    mtvec, t0

    li      gp, 1                   /* test 1: add */
    li      a1, 40
    li      a2, 2
    add     a3, a1, a2
    li      a4, 42
    bne     a3, a4, fail

    li      gp, 2                   /* test 2: mul with negative numbers */
    li      a1, -7
    li      a2, 6
    mul     a3, a1, a2
    li      a4, -42
    bne     a3, a4, fail

    li      gp, 3                   /* test 3: division by zero gives -1 */
    li      a1, 5
    div     a3, a1, zero
    li      a4, -1
    bne     a3, a4, fail

    li      gp, 4                   /* test 4: ecall traps to mtvec with mcause 11 */
    la      t0, after_ecall
    ecall
after_ecall:
    li      a4, 11
    bne     a5, a4, fail

#ifdef HTIF_FORCE_FAILURE
    li      gp, 5
    j       fail
#endif

pass:
    li      t0, 1
    j       write_tohost
fail:
    slli    t0, gp, 1
    ori     t0, t0, 1
write_tohost:
    la      t1, tohost
    sw      t0, 0(t1)
    sw      zero, 4(t1)
    j       write_tohost

    .align 2
trap_vector:                        /* records mcause in a5 and returns past the trapping instruction */
    csrr    a5, mcause
    csrr    t2, mepc
    addi    t2, t2, 4
    csrw    mepc, t2
    mret

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
tohost: .dword 0
    .align 6
    .globl fromhost
fromhost: .dword 0
