/* Exercises the trap and interrupt machinery on every hart:
 *   1. exceptions caught by the SDK's trap dispatcher: ecall, ebreak, an illegal instruction, a misaligned load;
 *   2. timer interrupts: each hart arms its CLINT timer TICKS times, sleeps in wfi and counts the interrupts, and
 *      checks that none came early (mtime >= mtimecmp when taken);
 *   3. software interrupts in a ring: hart h interrupts hart (h + 1) % n and waits to be interrupted itself.
 * Each hart prints one line per check; exit code 0 only if every check passed. */
#include <stdio.h>

#include "npuemu/hal.h"

#define TICKS 5
#define TICK_INTERVAL 200 /* mtime ticks */

static volatile uint32_t expected_cause[NPUEMU_MAX_TILES];
static volatile uint32_t last_cause[NPUEMU_MAX_TILES];
static volatile uint32_t last_tval[NPUEMU_MAX_TILES];
static volatile uint32_t timer_ticks[NPUEMU_MAX_TILES];
static volatile uint32_t early_ticks[NPUEMU_MAX_TILES];
static volatile uint32_t ipis_received[NPUEMU_MAX_TILES];
static volatile uint64_t timer_deadline[NPUEMU_MAX_TILES];

uint32_t npu_handle_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
    const uint32_t hart = npu_hart_id();
    if (mcause & NPU_MCAUSE_INTERRUPT) {
        const uint32_t code = mcause & ~NPU_MCAUSE_INTERRUPT;
        if (code == NPU_CAUSE_MACHINE_TIMER) {
            if (npu_mtime() < timer_deadline[hart]) early_ticks[hart]++;
            timer_ticks[hart]++;
            npu_disarm_timer();
        } else if (code == NPU_CAUSE_MACHINE_SOFTWARE) {
            ipis_received[hart]++;
            npu_clear_ipi(hart);
        } else {
            printf("hart %u: unexpected interrupt %u\n", (unsigned)hart, (unsigned)code);
            npu_abort_run(2);
        }
        return mepc; /* resume where the interrupt came */
    }
    last_cause[hart] = mcause;
    last_tval[hart] = mtval;
    if (mcause != expected_cause[hart]) {
        printf("hart %u: unexpected exception mcause %u at 0x%08x\n", (unsigned)hart, (unsigned)mcause,
               (unsigned)mepc);
        npu_abort_run(3);
    }
    return mepc + 4; /* skip the instruction that trapped */
}

static int check(uint32_t hart, const char *what, int ok) {
    printf("hart %u: %-28s %s\n", (unsigned)hart, what, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

static int test_exceptions(uint32_t hart) {
    int failures = 0;
    expected_cause[hart] = NPU_CAUSE_ECALL_M;
    __asm__ volatile("ecall");
    failures += check(hart, "ecall", last_cause[hart] == NPU_CAUSE_ECALL_M);

    expected_cause[hart] = NPU_CAUSE_BREAKPOINT;
    __asm__ volatile("ebreak");
    failures += check(hart, "ebreak", last_cause[hart] == NPU_CAUSE_BREAKPOINT);

    expected_cause[hart] = NPU_CAUSE_ILLEGAL_INSTRUCTION;
    __asm__ volatile(".word 0xffffffff");
    failures += check(hart, "illegal instruction",
                      last_cause[hart] == NPU_CAUSE_ILLEGAL_INSTRUCTION && last_tval[hart] == 0xffffffffu);

    expected_cause[hart] = NPU_CAUSE_LOAD_MISALIGNED;
    static volatile uint32_t word[2];
    const uint32_t address = (uint32_t)(uintptr_t)&word[0] + 1;
    uint32_t value;
    __asm__ volatile("lw %0, 0(%1)" : "=r"(value) : "r"(address) : "memory");
    (void)value;
    failures += check(hart, "misaligned load",
                      last_cause[hart] == NPU_CAUSE_LOAD_MISALIGNED && last_tval[hart] == address);
    return failures;
}

static int test_timer(uint32_t hart) {
    npu_csr_set(mie, NPU_MIE_MTIE);
    npu_irq_enable();
    for (int i = 0; i < TICKS; ++i) {
        const uint32_t before = timer_ticks[hart];
        timer_deadline[hart] = npu_mtime() + TICK_INTERVAL;
        npu_set_timer(timer_deadline[hart]);
        while (timer_ticks[hart] == before) npu_wfi();
    }
    npu_csr_clear(mie, NPU_MIE_MTIE);
    return check(hart, "timer interrupts", timer_ticks[hart] == TICKS && early_ticks[hart] == 0);
}

static int test_software_interrupts(uint32_t hart, uint32_t harts) {
    npu_csr_set(mie, NPU_MIE_MSIE);
    npu_irq_enable();
    npu_send_ipi((hart + 1) % harts);
    while (ipis_received[hart] == 0) npu_wfi();
    npu_csr_clear(mie, NPU_MIE_MSIE);
    return check(hart, "software interrupt (ring)", ipis_received[hart] == 1);
}

int main(void) {
    const uint32_t hart = npu_hart_id();
    const uint32_t harts = npu_hart_count();
    npu_install_trap_dispatcher();
    int failures = test_exceptions(hart);
    failures += test_timer(hart);
    failures += test_software_interrupts(hart, harts);
    printf("hart %u: %s\n", (unsigned)hart, failures ? "FAILED" : "all interrupt checks passed");
    return failures ? 1 : 0;
}
