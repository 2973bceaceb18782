/* The collectives' shared helpers (coll_internal.h): labels, groups, slices, copies and tile-window addresses. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

static _Thread_local uint32_t calls;

uint32_t coll_next_label(uint32_t kind) { return (kind << 24) | (++calls & 0xFFFFFFu); }

uint32_t coll_element_bytes(uint32_t dtype) { return dtype == NPU_DTYPE_BF16 ? 2u : 4u; }

void coll_slice(uint32_t* buffer, uint32_t* count, uint32_t element_bytes, uint32_t hart, uint32_t harts) {
    const uint32_t first = npu_coll_segment_first(*count, harts, hart);
    *buffer += element_bytes * first;
    *count = npu_coll_segment_first(*count, harts, hart + 1) - first;
}

void coll_copy(uint32_t src, uint32_t dst, uint32_t bytes, uint32_t dst_chip) {
    if (dst_chip != NPU_CHIP_SELF) npu_dma_chips(NPU_CHIP_SELF, dst_chip);
    npu_dma_shape(bytes, 0, 1, 1);
    npu_dma_copy(src, dst);
    if (dst_chip != NPU_CHIP_SELF) npu_dma_chips(NPU_CHIP_SELF, NPU_CHIP_SELF);
}

uint32_t coll_scratch_remote(uint32_t tile, uint32_t address) {
    return NPUEMU_TILE_SRAM_GLOBAL_BASE + tile * NPUEMU_TILE_LOCAL_WINDOW_BYTES + NPUEMU_TILE_SCRATCHPAD_OFFSET +
           (address - NPUEMU_SCRATCHPAD_BASE);
}

struct coll_peer coll_peer_of(struct coll_group group, uint32_t from, uint32_t position, uint32_t tile) {
    struct coll_peer peer;
    position %= group.size;
    const uint32_t member = group.first + position * group.stride;
    peer.chip = group.tiles ? NPU_CHIP_SELF : member;
    peer.tile = group.tiles ? member : tile;
    peer.buffer_delta = group.tiles ? (position - from) * group.buffer_stride : 0u; /* modulo 2^32 */
    return peer;
}

struct coll_group coll_all_chips(void) {
    struct coll_group group = {0, 1, npu_chip_count(), 0, 0};
    return group;
}
