/* collbench's inputs and expected results (reference.h). */
#include "reference.h"

#include <stdio.h>

#include "npuemu/collectives.h"
#include "npuemu/hal.h"

const char* const coll_case_names[COLL_CASE_COUNT] = {
    "all_reduce ring",      "reduce_scatter ring", "all_gather ring",         "all_reduce doubling",
    "broadcast chain",      "all_to_all direct",   "all_reduce hierarchical", "all_reduce tiles",
    "reduce_scatter tiles", "all_gather tiles",    "broadcast tiles",         "all_to_all tiles"};

#define PATTERN (NPUEMU_SCRATCHPAD_BASE) /* a block of the input, replicated over the buffer by the DMA */
#define PATTERN_ELEMENTS 1024u
#define MARK 0xDEADBEEFu /* written where a collective must put data, so a missing write shows */

/* Chip c's element i. FP32: multiples of 1/64 with varied signs, scaled by 2^-12 .. 2^12 differently on each
 * chip, so that sums round and a different order of the additions gives different bits. */
static uint32_t generate(uint32_t chip, uint32_t i, uint32_t dtype) {
    const uint32_t p = i % PATTERN_ELEMENTS;
    const uint32_t mix = (chip + 1u) * 2654435761u ^ (p * 40503u);
    if (dtype == NPU_DTYPE_INT32) return mix;
    union {
        float f;
        uint32_t u;
    } v;
    const uint32_t scale = (p * 5u + chip * 3u) % 25u; /* 2^(scale - 12) */
    v.f = (float)((int32_t)(mix % 20001u) - 10000) / 64.0f * (float)(1u << scale) / 4096.0f;
    return dtype == NPU_DTYPE_BF16 ? v.u >> 16 : v.u; /* BF16: the FP32 value cut to its top half */
}

/* Every chip's pattern block of the current dtype, in the scratchpad (the control core has no FPU: generating an
 * FP32 input costs a soft-float conversion and multiply, which the checks would pay chips times per element). */
#define TABLE (NPUEMU_SCRATCHPAD_BASE + 0x30000u)
#define TABLE_CHIPS 16u
static uint32_t table_dtype = 0xFFFFFFFFu, table_chips = 0;

static void build_table(uint32_t chips, uint32_t dtype) {
    if ((table_dtype == dtype && table_chips >= chips) || chips > TABLE_CHIPS) return;
    volatile uint32_t* table = (volatile uint32_t*)(uintptr_t)TABLE;
    for (uint32_t c = 0; c < chips; ++c) {
        for (uint32_t p = 0; p < PATTERN_ELEMENTS; ++p) table[c * PATTERN_ELEMENTS + p] = generate(c, p, dtype);
    }
    table_dtype = dtype;
    table_chips = chips;
}

static uint32_t input(uint32_t chip, uint32_t i, uint32_t dtype) {
    if (table_dtype != dtype || chip >= table_chips) return generate(chip, i, dtype);
    return ((volatile uint32_t*)(uintptr_t)TABLE)[chip * PATTERN_ELEMENTS + i % PATTERN_ELEMENTS];
}

/* FP32 -> BF16, to nearest, ties to even (the vector unit's vx.convert; no NaN arises from these inputs). */
static uint32_t bf16_of(uint32_t fp32) { return (fp32 + 0x7FFFu + ((fp32 >> 16) & 1u)) >> 16; }

/* One reduction step, as the vector unit does it (collectives.h): INT32 wraps, FP32 rounds to nearest even, BF16
 * adds in FP32 and rounds the sum to BF16. */
static uint32_t add(uint32_t a, uint32_t b, uint32_t dtype) {
    if (dtype == NPU_DTYPE_INT32) return a + b;
    union {
        float f;
        uint32_t u;
    } x, y;
    x.u = dtype == NPU_DTYPE_BF16 ? a << 16 : a;
    y.u = dtype == NPU_DTYPE_BF16 ? b << 16 : b;
    x.f = x.f + y.f;
    return dtype == NPU_DTYPE_BF16 ? bf16_of(x.u) : x.u;
}

static uint32_t element_bytes(uint32_t dtype) { return dtype == NPU_DTYPE_BF16 ? 2u : 4u; }

/* The hart slice element i lies in, and the ring segment within it (the slice cut into chips segments). */
static uint32_t segment_of(uint32_t i, uint32_t count, uint32_t chips, uint32_t harts) {
    uint32_t h = 0;
    while (i >= npu_coll_segment_first(count, harts, h + 1)) ++h;
    const uint32_t first = npu_coll_segment_first(count, harts, h);
    const uint32_t length = npu_coll_segment_first(count, harts, h + 1) - first;
    uint32_t s = 0;
    while (i - first >= npu_coll_segment_first(length, chips, s + 1)) ++s;
    return s;
}

/* The ring's sum of element i (in segment s): x[s+1] + x[s+2] + ... + x[s+chips], left to right. */
static uint32_t ring_sum(uint32_t i, uint32_t s, uint32_t chips, uint32_t dtype) {
    uint32_t sum = input((s + 1) % chips, i, dtype);
    for (uint32_t m = 2; m <= chips; ++m) sum = add(sum, input((s + m) % chips, i, dtype), dtype);
    return sum;
}

/* Recursive doubling's sum of element i: the fold, then the pairwise tree (collectives.h). */
static uint32_t doubling_sum(uint32_t i, uint32_t chips, uint32_t dtype) {
    uint32_t power = 1;
    while (power * 2u <= chips) power *= 2u;
    uint32_t v[NPU_COLL_DOUBLING_MAX_CHIPS], w[NPU_COLL_DOUBLING_MAX_CHIPS];
    for (uint32_t c = 0; c < power; ++c) {
        v[c] = input(c, i, dtype);
        if (c + power < chips) v[c] = add(v[c], input(c + power, i, dtype), dtype);
    }
    for (uint32_t bit = 1; bit < power; bit *= 2u) {
        for (uint32_t c = 0; c < power; ++c) w[c] = add(v[c], v[c ^ bit], dtype);
        for (uint32_t c = 0; c < power; ++c) v[c] = w[c];
    }
    return v[0];
}

/* The hierarchical all-reduce's sum of element i of a count-element buffer (collectives.h); the flat ring's where
 * it falls back to the ring. */
static uint32_t hierarchical_sum(uint32_t i, uint32_t count, uint32_t chips, uint32_t harts, uint32_t dtype) {
    const uint32_t nodes = npu_node_count();
    if (nodes < 2 || chips % nodes != 0 || chips > NPU_COLL_HIERARCHICAL_MAX_CHIPS) {
        return ring_sum(i, segment_of(i, count, chips, harts), chips, dtype);
    }
    const uint32_t per_node = chips / nodes;
    const uint32_t s = segment_of(i, count, per_node, harts); /* the node's segment (the slice in per_node parts) */
    uint32_t h = 0;
    while (i >= npu_coll_segment_first(count, harts, h + 1)) ++h;
    const uint32_t slice = npu_coll_segment_first(count, harts, h);
    const uint32_t length = npu_coll_segment_first(count, harts, h + 1) - slice;
    const uint32_t first = slice + npu_coll_segment_first(length, per_node, s);
    const uint32_t segment_length = npu_coll_segment_length(length, per_node, s);
    uint32_t t = 0; /* the sub-segment (the segment in nodes parts) */
    while (i - first >= npu_coll_segment_first(segment_length, nodes, t + 1)) ++t;
    uint32_t sum = 0;
    for (uint32_t m = 1; m <= nodes; ++m) {
        const uint32_t node = (t + m) % nodes;
        uint32_t node_sum = input(node * per_node + (s + 1) % per_node, i, dtype);
        for (uint32_t q = 2; q <= per_node; ++q) {
            node_sum = add(node_sum, input(node * per_node + (s + q) % per_node, i, dtype), dtype);
        }
        sum = m == 1 ? node_sum : add(sum, node_sum, dtype);
    }
    return sum;
}

/* Fills `count` elements at `at` with this chip's input: one pattern block written by the core, then doubled by
 * the DMA. */
static void fill(uint32_t at, uint32_t chip, uint32_t count, uint32_t dtype) {
    const uint32_t bytes = element_bytes(dtype);
    for (uint32_t i = 0; i < PATTERN_ELEMENTS; ++i) {
        if (bytes == 2u) {
            ((volatile uint16_t*)(uintptr_t)PATTERN)[i] = (uint16_t)input(chip, i, dtype);
        } else {
            ((volatile uint32_t*)(uintptr_t)PATTERN)[i] = input(chip, i, dtype);
        }
    }
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    uint32_t filled = count < PATTERN_ELEMENTS ? count : PATTERN_ELEMENTS;
    npu_dma_shape(bytes * filled, 0, 1, 1);
    npu_dma_copy(PATTERN, at);
    while (filled < count) { /* whole pattern blocks: element i stays pattern element i % PATTERN_ELEMENTS */
        const uint32_t n = count - filled < filled ? count - filled : filled;
        const uint32_t blocks = n / PATTERN_ELEMENTS, rest = n % PATTERN_ELEMENTS;
        if (blocks) { /* rows of one block each: a row holds at most 16 MiB */
            npu_dma_shape(bytes * PATTERN_ELEMENTS, 0, blocks, 1);
            npu_dma_copy(at, at + bytes * filled);
        }
        if (rest) {
            npu_dma_shape(bytes * rest, 0, 1, 1);
            npu_dma_copy(at, at + bytes * (filled + blocks * PATTERN_ELEMENTS));
        }
        filled += n;
    }
    npu_fence(1u << NPU_QUEUE_DMA);
}

/* Marks the first and last element of every one of `harts` slices of `parts` parts of `count` elements at `at`,
 * except part `skip`. */
static void mark_parts(uint32_t at, uint32_t count, uint32_t harts, uint32_t parts, uint32_t skip, int within_slices) {
    for (uint32_t h = 0; h < harts; ++h) {
        for (uint32_t s = 0; s < parts; ++s) {
            if (s == skip) continue;
            uint32_t first, n;
            if (within_slices) { /* part s of hart h's slice (a ring segment) */
                const uint32_t slice = npu_coll_segment_first(count, harts, h);
                const uint32_t length = npu_coll_segment_first(count, harts, h + 1) - slice;
                first = slice + npu_coll_segment_first(length, parts, s);
                n = npu_coll_segment_length(length, parts, s);
            } else { /* hart h's slice of part s (a block of count / parts) */
                const uint32_t block = count / parts;
                first = s * block + npu_coll_segment_first(block, harts, h);
                n = npu_coll_segment_length(block, harts, h);
            }
            volatile uint32_t* p = (volatile uint32_t*)(uintptr_t)(at + 4u * first);
            if (n) {
                p[0] = MARK;
                p[n - 1] = MARK;
            }
        }
    }
}

void prepare(enum coll_case which, uint32_t chip, uint32_t count, uint32_t dtype) {
    const uint32_t chips = npu_chip_count();
    const uint32_t harts = npu_hart_count();
    if (tiles_case(which)) { /* tile t's input is what chip t's would be, and the same marks */
        build_table(harts, dtype);
        for (uint32_t t = 0; t < harts; ++t) {
            const uint32_t at = BUFFER + t * tiles_stride(count, element_bytes(dtype));
            fill(at, t, count, dtype);
            if (which == ALLGATHER_TILES) mark_parts(at, count, 1, harts, t, 1);
            if (which == ALLTOALL_TILES) {
                mark_parts(tiles_alltoall_receive(count, harts) + t * tiles_stride(count, 4u), count, 1, harts, t, 0);
            }
        }
        return;
    }
    build_table(chips, dtype);
    fill(BUFFER, chip, count, dtype);
    /* All-gather: only our own segments hold data; the others must arrive. All-to-all: the receive buffer's
     * blocks from other chips must arrive. */
    if (which == ALLGATHER_RING) mark_parts(BUFFER, count, harts, chips, chip, 1);
    if (which == ALLTOALL_DIRECT) mark_parts(alltoall_receive(count), count, harts, chips, chip, 0);
}

/* The collective across chips whose result a collective across tiles must give, tiles for chips (with one slice). */
static enum coll_case chip_case_of(enum coll_case which) {
    switch (which) {
        case ALLREDUCE_TILES: return ALLREDUCE_RING;
        case REDUCE_SCATTER_TILES: return REDUCE_SCATTER_RING;
        case ALLGATHER_TILES: return ALLGATHER_RING;
        case BROADCAST_TILES: return BROADCAST_CHAIN;
        case ALLTOALL_TILES: return ALLTOALL_DIRECT;
        default: return which;
    }
}

/* What element i must be after `which`; 0 with *defined = 0 where the collective leaves no defined value. */
static uint32_t expected(enum coll_case which, uint32_t i, uint32_t count, uint32_t root, uint32_t chip, uint32_t chips,
                         uint32_t harts, uint32_t dtype, int* defined) {
    *defined = 1;
    switch (which) {
        case ALLREDUCE_RING: return ring_sum(i, segment_of(i, count, chips, harts), chips, dtype);
        case REDUCE_SCATTER_RING: {
            const uint32_t s = segment_of(i, count, chips, harts);
            *defined = s == chip; /* only our segment is defined */
            return *defined ? ring_sum(i, s, chips, dtype) : 0;
        }
        case ALLGATHER_RING: return input(segment_of(i, count, chips, harts), i, dtype); /* segment s: chip s's */
        case ALLREDUCE_DOUBLING:
            return chips > NPU_COLL_DOUBLING_MAX_CHIPS ? ring_sum(i, segment_of(i, count, chips, harts), chips, dtype)
                                                       : doubling_sum(i, chips, dtype);
        case ALLREDUCE_HIERARCHICAL: return hierarchical_sum(i, count, chips, harts, dtype);
        case BROADCAST_CHAIN: return input(root, i, dtype);
        case ALLTOALL_DIRECT: { /* block s came from chip s: its block `chip` */
            const uint32_t block = count / chips;
            if (i >= block * chips) {
                *defined = 0;
                return 0;
            }
            return input(i / block, chip * block + i % block, dtype);
        }
        default: *defined = 0; return 0;
    }
}

static unsigned check_element(enum coll_case which, uint32_t at, uint32_t i, uint32_t count, uint32_t root,
                              uint32_t chip, uint32_t chips, uint32_t harts, uint32_t dtype) {
    const uint32_t got =
        dtype == NPU_DTYPE_BF16 ? ((volatile uint16_t*)(uintptr_t)at)[i] : ((volatile uint32_t*)(uintptr_t)at)[i];
    int defined;
    const uint32_t want = expected(chip_case_of(which), i, count, root, chip, chips, harts, dtype, &defined);
    if (!defined || got == want) return 0;
    printf("FAILED: %s of %u elements: element %u is 0x%08x, expected 0x%08x\n", coll_case_names[which],
           (unsigned)count, (unsigned)i, (unsigned)got, (unsigned)want);
    return 1;
}

unsigned check(enum coll_case which, uint32_t count, uint32_t root, uint32_t chip, uint32_t chips, uint32_t harts,
               uint32_t dtype, int every) {
    if (count == 0) return 0;
    const uint32_t step = every || count <= 16384u ? 1u : count / 256u;
    /* Across tiles tile b's buffer must hold what chip b's would across chips (harts chips, one slice each):
     * collcheck checks every tile's, the bench the first and the last tile's at 257 spread elements (an all-reduce's
     * element is a sum over every tile's input, made on the core in soft float). Else this chip's buffer (all-to-all:
     * its receive buffer). */
    const int tiles = tiles_case(which);
    const uint32_t last = tiles ? harts - 1u : 0u;
    const uint32_t element_step = tiles && !every ? (count + 255u) / 256u : step;
    for (uint32_t b = 0; b <= last; b = every || b == last ? b + 1u : last) {
        const uint32_t stride = tiles_stride(count, element_bytes(dtype));
        const uint32_t at = which == ALLTOALL_DIRECT  ? alltoall_receive(count)
                            : which == ALLTOALL_TILES ? tiles_alltoall_receive(count, harts) + b * stride
                            : tiles                   ? BUFFER + b * stride
                                                      : BUFFER;
        const uint32_t member = tiles ? b : chip, members = tiles ? harts : chips, slices = tiles ? 1u : harts;
        for (uint32_t i = 0; i < count; i += element_step) {
            if (check_element(which, at, i, count, root, member, members, slices, dtype)) return 1;
        }
        if (check_element(which, at, count - 1, count, root, member, members, slices, dtype)) return 1;
    }
    return 0;
}
