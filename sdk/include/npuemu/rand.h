/* Seeded pseudo-random numbers for firmware (test data, random access patterns): Marsaglia's xorshift32. Plain C,
 * header-only, so host programs that check firmware results (tests/) draw the same sequence. */
#ifndef NPUEMU_RAND_H
#define NPUEMU_RAND_H

#include <stdint.h>

/* The next value of the sequence; *state must not be 0 (it never becomes 0). */
static inline uint32_t npu_xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

#endif
