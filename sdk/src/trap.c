/* The default C trap handler of the dispatcher: firmware overrides npu_handle_trap() to handle what it expects.
 * Anything else is a bug worth stopping for, with the facts printed. */
#include <stdio.h>

#include "npuemu/hal.h"

__attribute__((weak)) uint32_t npu_handle_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
    printf("unhandled trap on hart %u: mcause 0x%08x mepc 0x%08x mtval 0x%08x\n", (unsigned)npu_hart_id(),
           (unsigned)mcause, (unsigned)mepc, (unsigned)mtval);
    npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    return mepc;
}

void npu_install_trap_dispatcher(void) {
    extern void npu_trap_entry(void);
    npu_csr_write(mtvec, (uint32_t)(uintptr_t)&npu_trap_entry);
}
