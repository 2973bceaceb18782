/* The C half of start-up. Hart 0 initialises the shared image (copies .data, clears .bss, runs constructors) while the
 * other harts sleep in wfi; hart 0 then wakes them with a software interrupt. Every hart then calls main(). */
#include <picolibc.h> /* defines PICOLIBC_TLS, which picotls.h needs */
#include <picotls.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npuemu/hal.h"

extern char __data_start[], __data_source[], __data_size[];
extern char __bss_start[], __bss_size[];
extern void __libc_init_array(void);
extern int main(void);

static volatile uint32_t boot_done;

void __npuemu_start(uint32_t hart) __attribute__((noreturn, used));

void __npuemu_start(uint32_t hart) {
    void *tls;
    __asm__ volatile("mv %0, tp" : "=r"(tls));
    _init_tls(tls);
    _set_tls(tls);

    if (hart == 0) {
        memcpy(__data_start, __data_source, (size_t)(uintptr_t)__data_size);
        memset(__bss_start, 0, (size_t)(uintptr_t)__bss_size);
        __libc_init_array();
        boot_done = 1;
        const uint32_t harts = npu_hart_count();
        for (uint32_t h = 1; h < harts; ++h) npu_send_ipi(h);
    } else {
        /* Sleep until hart 0 says the image is ready. The interrupt only needs to be enabled in mie to end a
         * wfi; with mstatus.MIE off no handler runs. */
        npu_csr_set(mie, NPU_MIE_MSIE);
        while (!boot_done) npu_wfi();
        npu_clear_ipi(hart);
        npu_csr_clear(mie, NPU_MIE_MSIE);
    }

    const int code = main();
    if (hart == 0) exit(code); /* atexit handlers and destructors run once, on hart 0 */
    _exit(code);
}
