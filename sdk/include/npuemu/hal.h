/* npuemu hardware abstraction layer: hart identity, counters, the CLINT timer and software interrupts, interrupt
 * control, the trap dispatcher and exit. Header-only inline functions, except where noted. */
#ifndef NPUEMU_HAL_H
#define NPUEMU_HAL_H

#include <stdint.h>

#include "npuemu/memory_map.h"
#include "npuemu/riscv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CSRs ---------------------------------------------------------------------------------------------------- */
#define NPU_STRINGIFY_(x) #x
#define NPU_STRINGIFY(x) NPU_STRINGIFY_(x)
#define npu_csr_read(csr) \
    ({ uint32_t npu_v_; __asm__ volatile("csrr %0, " NPU_STRINGIFY(csr) : "=r"(npu_v_)); npu_v_; })
#define npu_csr_write(csr, value) __asm__ volatile("csrw " NPU_STRINGIFY(csr) ", %0" : : "r"((uint32_t)(value)))
#define npu_csr_set(csr, bits) __asm__ volatile("csrs " NPU_STRINGIFY(csr) ", %0" : : "r"((uint32_t)(bits)))
#define npu_csr_clear(csr, bits) __asm__ volatile("csrc " NPU_STRINGIFY(csr) ", %0" : : "r"((uint32_t)(bits)))

/* CSR numbers, bits and trap causes: npuemu/riscv.h (generated from isa/riscv.yaml, shared with the model). */

/* ---- Memory-mapped I/O --------------------------------------------------------------------------------------- */
static inline void npu_mmio_write32(uint32_t addr, uint32_t value) { *(volatile uint32_t *)(uintptr_t)addr = value; }
static inline uint32_t npu_mmio_read32(uint32_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }

/* ---- Identity and chip description ---------------------------------------------------------------------------- */
static inline uint32_t npu_hart_id(void) { return npu_csr_read(mhartid); }
static inline uint32_t npu_hart_count(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_TILE_COUNT_OFFSET);
}
static inline uint32_t npu_local_sram_bytes(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_LOCAL_SRAM_BYTES_OFFSET);
}
static inline uint32_t npu_clock_khz(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_CLOCK_KHZ_OFFSET);
}
/* The memory system: HBM peak (MB/s), pseudo channels, bytes per column command, the mesh's size, and the address
 * of a row of one bank (bank 0 of pseudo channel 0; 0 if outside global memory), whatever the mapping's hashing. */
static inline uint32_t npu_hbm_peak_mbps(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_HBM_PEAK_MBPS_OFFSET);
}
static inline uint32_t npu_hbm_pseudo_channels(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_HBM_PSEUDO_CHANNELS_OFFSET);
}
static inline uint32_t npu_hbm_access_bytes(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_HBM_ACCESS_BYTES_OFFSET);
}
static inline uint32_t npu_hbm_row_address(uint32_t row) {
    npu_mmio_write32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_HBM_PROBE_ROW_OFFSET, row);
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_HBM_PROBE_ADDRESS_OFFSET);
}
static inline uint32_t npu_mesh_cols(void) { return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_MESH_COLS_OFFSET); }
static inline uint32_t npu_mesh_rows(void) { return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_MESH_ROWS_OFFSET); }
static inline uint32_t npu_global_memory_bytes(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_GLOBAL_MEM_BYTES_OFFSET);
}
/* Where this chip sits in a system of chips (`npuemu run --system`): chip 0 of 1, node 0 of 1 and no link ports when
 * it runs alone. A link port leads to a peer chip, to the node switch (NPU_LINK_TO_SWITCH) or nowhere
 * (NPU_LINK_UNCONNECTED). */
/* dma.chips / dma.doorbell: this chip, whatever its id. */
#define NPU_CHIP_SELF 0xFFFFu
#define NPU_LINK_TO_SWITCH 0xFFFFFFFEu
#define NPU_LINK_UNCONNECTED 0xFFFFFFFFu
static inline uint32_t npu_chip_id(void) { return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_CHIP_ID_OFFSET); }
static inline uint32_t npu_chip_count(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_CHIP_COUNT_OFFSET);
}
static inline uint32_t npu_node_id(void) { return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_NODE_ID_OFFSET); }
static inline uint32_t npu_node_count(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_NODE_COUNT_OFFSET);
}
static inline uint32_t npu_link_ports(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_LINK_PORTS_OFFSET);
}
static inline uint32_t npu_link_peer(uint32_t port) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_LINK_PEER_OFFSET + 4u * port);
}
static inline uint32_t npu_timer_frequency_hz(void) {
    return npu_mmio_read32(NPUEMU_CHIPINFO_BASE + NPUEMU_CHIPINFO_TIMER_HZ_OFFSET);
}

/* ---- Counters ------------------------------------------------------------------------------------------------- */
static inline uint64_t npu_read_mcycle(void) {
    uint32_t hi, lo, hi2;
    do {
        hi = npu_csr_read(mcycleh);
        lo = npu_csr_read(mcycle);
        hi2 = npu_csr_read(mcycleh);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t npu_read_minstret(void) {
    uint32_t hi, lo, hi2;
    do {
        hi = npu_csr_read(minstreth);
        lo = npu_csr_read(minstret);
        hi2 = npu_csr_read(minstreth);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* ---- Timer (CLINT mtime / mtimecmp) --------------------------------------------------------------------------- */
static inline uint64_t npu_mtime(void) {
    const uint32_t base = NPUEMU_CLINT_BASE + NPUEMU_CLINT_MTIME_OFFSET;
    uint32_t hi, lo, hi2;
    do {
        hi = npu_mmio_read32(base + 4);
        lo = npu_mmio_read32(base);
        hi2 = npu_mmio_read32(base + 4);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}
/* Arms this hart's timer: a machine timer interrupt is pending once mtime >= when. */
static inline void npu_set_timer(uint64_t when) {
    const uint32_t base = NPUEMU_CLINT_BASE + NPUEMU_CLINT_MTIMECMP_OFFSET + 8u * npu_hart_id();
    npu_mmio_write32(base + 4, 0xFFFFFFFFu); /* no spurious interrupt between the two halves */
    npu_mmio_write32(base, (uint32_t)when);
    npu_mmio_write32(base + 4, (uint32_t)(when >> 32));
}
static inline void npu_disarm_timer(void) { npu_set_timer(UINT64_MAX); }

/* ---- Software interrupts between harts ------------------------------------------------------------------------ */
static inline void npu_send_ipi(uint32_t hart) {
    npu_mmio_write32(NPUEMU_CLINT_BASE + NPUEMU_CLINT_MSIP_OFFSET + 4u * hart, 1);
}
static inline void npu_clear_ipi(uint32_t hart) {
    npu_mmio_write32(NPUEMU_CLINT_BASE + NPUEMU_CLINT_MSIP_OFFSET + 4u * hart, 0);
}

/* ---- Interrupts and traps ------------------------------------------------------------------------------------- */
static inline void npu_wfi(void) { __asm__ volatile("wfi"); }
static inline void npu_irq_enable(void) { npu_csr_set(mstatus, NPU_MSTATUS_MIE); }
static inline void npu_irq_disable(void) { npu_csr_clear(mstatus, NPU_MSTATUS_MIE); }

/* Points mtvec at the SDK's trap entry, which saves registers and calls npu_handle_trap(). Without it (or a
 * handler of the firmware's own) a trap stops the run with a fault report. */
void npu_install_trap_dispatcher(void);
/* Handles a trap and returns the pc to resume at (mepc to retry or return from an interrupt, mepc + 4 to skip the
 * faulting instruction). The SDK's weak default prints the trap and aborts the run; firmware overrides it. */
uint32_t npu_handle_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);

/* ---- Exit ---------------------------------------------------------------------------------------------------- */
#define NPU_EXIT_UNHANDLED_TRAP 99
/* Ends the whole run at once with this exit code (exit() ends only the calling hart; the run ends when all have). */
void npu_abort_run(int code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif
