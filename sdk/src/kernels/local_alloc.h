/* Placing buffers in a tile's banked local memory (scratchpad or accumulator): a bank is a contiguous slice that
 * serves one access at a time, so buffers that one instruction reads and writes together, or that the DMA fills
 * while a unit works on others, go to different banks where they fit. Internal to the kernel library. */
#ifndef NPUEMU_KERNELS_LOCAL_ALLOC_H
#define NPUEMU_KERNELS_LOCAL_ALLOC_H

#include <stdint.h>

struct local_alloc {
    uint32_t base, size_bytes, bank_bytes;
    uint32_t next; /* offset of the first free byte */
    int failed;    /* a request did not fit */
};

static inline struct local_alloc local_alloc_make(uint32_t base, uint32_t size_bytes, uint32_t banks) {
    struct local_alloc a = {base, size_bytes, banks ? size_bytes / banks : size_bytes, 0, 0};
    return a;
}

/* bytes at the next 256-byte boundary (DMA bursts), or at the next bank boundary with own_bank when the buffer fits
 * in one bank; 0 and `failed` when the memory is full. */
static inline uint32_t local_take(struct local_alloc* a, uint32_t bytes, int own_bank) {
    uint32_t at = (a->next + 255u) & ~255u;
    if (own_bank && bytes <= a->bank_bytes) {
        /* Banks are usually a power of two in size: a mask, not a division (the control core divides slowly). */
        const uint32_t into_bank =
            (a->bank_bytes & (a->bank_bytes - 1)) == 0 ? at & (a->bank_bytes - 1) : at % a->bank_bytes;
        if (into_bank != 0) at += a->bank_bytes - into_bank;
    }
    if (at > a->size_bytes || bytes > a->size_bytes - at) {
        a->failed = 1;
        return 0;
    }
    a->next = at + bytes;
    return a->base + at;
}

#endif
