/* The work of cpubench, in plain C with no SDK dependency, so the host can compile the same code and compute the
 * checksum the emulated harts must print (tests/integration: an end-to-end check of the ISS). */
#ifndef CPUBENCH_KERNEL_H
#define CPUBENCH_KERNEL_H

#include <stdint.h>

#define CPUBENCH_ROUNDS 40
#define CPUBENCH_BUFFER_BYTES 4096
#define CPUBENCH_SIEVE_LIMIT 8192
#define CPUBENCH_SORT_COUNT 256
#define CPUBENCH_MATRIX_N 16

struct cpubench_workspace {
    uint8_t buffer[CPUBENCH_BUFFER_BYTES];
    uint8_t sieve[CPUBENCH_SIEVE_LIMIT];
    int32_t sort[CPUBENCH_SORT_COUNT];
    int32_t a[CPUBENCH_MATRIX_N][CPUBENCH_MATRIX_N];
    int32_t b[CPUBENCH_MATRIX_N][CPUBENCH_MATRIX_N];
    int32_t c[CPUBENCH_MATRIX_N][CPUBENCH_MATRIX_N];
};

#ifdef __cplusplus
extern "C" {
#endif

/* Runs `rounds` rounds of CRC-32, sieve, insertion sort and integer matmul; returns their checksum. */
uint32_t cpubench_run(struct cpubench_workspace *w, int rounds);

#ifdef __cplusplus
}
#endif

#endif
