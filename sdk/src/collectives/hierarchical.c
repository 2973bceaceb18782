/* Two-level all-reduce across the nodes of a system (npuemu/collectives.h): a ring reduce-scatter among the chips
 * of each node, a ring all-reduce of each chip's segment among the chips with the same place in the other nodes
 * (over the switch), and a ring all-gather inside the node. Each chip sends only 1 / chips_per_node of the slice
 * across the switch, and every chip's switch port carries its share at once.
 *
 * Between phases a chip tells the peers that will write to it that it is done with the phase before: the phases
 * share semaphores (the rings' slots and the all-gather's flag), and a doorbell of the next phase must not reach a
 * chip still counting the previous one's. */
#include "coll_internal.h"

#include "npuemu/hal.h"
#include "npuemu/npu_isa.h"

/* A doorbell to the chip before us in `group` that we are past a phase, and the wait for the one after us. */
static void handshake(struct coll_group group, uint32_t position, uint32_t tile, uint32_t flag) {
    if (group.size < 2) return;
    npu_dma_doorbell(group.first + (position + group.size - 1u) % group.size * group.stride, tile, flag);
    npu_wait(NPU_QUEUE_DMA, flag);
}

void npu_allreduce_hierarchical(const struct npu_coll* coll, uint32_t buffer, uint32_t count, uint32_t dtype,
                                uint32_t hart, uint32_t harts) {
    const uint32_t chip = npu_chip_id(), chips = npu_chip_count(), nodes = npu_node_count();
    if (chips < 2) return;
    if (nodes < 2 || chips % nodes != 0 || chips > NPU_COLL_HIERARCHICAL_MAX_CHIPS ||
        npu_node_id() != chip / (chips / nodes)) {
        npu_allreduce_ring(coll, buffer, count, dtype, hart, harts); /* one level: the flat ring */
        return;
    }
    const uint32_t per_node = chips / nodes, node = chip / per_node, local = chip % per_node;
    const struct coll_group in_node = {node * per_node, 1, per_node, 0, 0};
    const struct coll_group across = {local, per_node, nodes, 0, 0};
    const uint32_t element_bytes = coll_element_bytes(dtype);
    coll_slice(&buffer, &count, element_bytes, hart, harts);
    const uint32_t label = coll_next_label(COLL_KIND_ALLREDUCE_HIERARCHICAL);
    /* Phase 0: after it segment `local` of the slice (cut in per_node parts) holds the node's sum. */
    coll_reduce_scatter_ring(coll, in_node, local, hart, buffer, count, dtype, label, 0u << 8);
    npu_dma_tag(label, 1u << 8);
    handshake(across, node, hart, COLL_FLAG_READY);
    /* Phases 1 and 2: that segment summed over the nodes. */
    const uint32_t segment = buffer + element_bytes * npu_coll_segment_first(count, per_node, local);
    const uint32_t segment_count = npu_coll_segment_length(count, per_node, local);
    coll_reduce_scatter_ring(coll, across, node, hart, segment, segment_count, dtype, label, 1u << 8);
    coll_allgather_ring(coll, across, node, hart, segment, segment_count, element_bytes, label, 2u << 8);
    npu_dma_tag(label, 3u << 8);
    handshake(in_node, local, hart, COLL_FLAG_NODE_READY);
    /* Phase 3: every chip's segment to the rest of its node. */
    coll_allgather_ring(coll, in_node, local, hart, buffer, count, element_bytes, label, 3u << 8);
    npu_dma_tag(0, 0);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}
