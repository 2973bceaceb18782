/* stdin/stdout/stderr of picolibc on the console UART. Unbuffered: each character goes out at once, and the UART
 * groups characters into lines per hart, so harts printing at the same time do not garble each other. */
#include <stdio.h>

#include "npuemu/hal.h"

static int uart_put(char c, FILE *file) {
    (void)file;
    npu_mmio_write32(NPUEMU_UART_BASE + NPUEMU_UART_TXDATA_OFFSET, (uint8_t)c);
    return (unsigned char)c;
}

static FILE console = FDEV_SETUP_STREAM(uart_put, NULL, NULL, _FDEV_SETUP_WRITE);

FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
