/* The AdamW optimizer step on the vector unit (see npuemu/kernels.h for the arithmetic, step by step).
 *
 * The step is memory-bound: per parameter it reads w, m, v (FP32) and g (BF16 or FP32) and writes w, m, v and the
 * BF16 copy, 28 bytes (30 with FP32 gradients), for 18 vector instructions. Each hart streams a contiguous share
 * through a ring of NPU_ADAMW_BUFFERS chunk buffers: the DMA queue holds the loads of the next chunks while the
 * vector unit works on one, and stores a chunk as soon as its results are ready (OUT[b], VECTOR -> DMA), before it
 * loads the chunk that reuses the buffer (IN[b], DMA -> VECTOR). In the accumulator, w, m, v and g of every buffer
 * and the three temporaries each go to a bank slot of their own (slot k in bank k mod banks), so an instruction's
 * operands and the DMA's transfers rarely queue for one bank; the BF16 gradient and weight copies go to the
 * scratchpad. Each hart starts at its own place in its share (chunk hart x chunks / harts) and wraps around, so the
 * harts' streams are not in step. Copies are 1-D (a chunk of one array is contiguous), the DMA's strides left 0. */
#include "kernel_common.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

#define NPU_ADAMW_BUFFERS 3u
#define ADAMW_MAX_CHUNK 8192u     /* elements; vx.shape's cols hold up to 65535 */
#define ADAMW_ALIGN_ELEMENTS 128u /* a hart's share starts on a 256-byte burst of its BF16 arrays */

enum { FLAG_IN = 16, FLAG_OUT = FLAG_IN + NPU_ADAMW_BUFFERS }; /* + buffer */
enum { SLOT_W, SLOT_M, SLOT_V, SLOT_G, SLOT_A, SLOT_B, SLOT_C, ACC_SLOTS };

static float bits_float(uint32_t bits) {
    union {
        uint32_t u;
        float f;
    } v = {bits};
    return v.f;
}

/* beta^t by square-and-multiply over t's bits from the highest set one; every product rounded to FP32. */
static float power_u32(float beta, uint32_t t) {
    float p = 1.0f;
    for (int bit = 31; bit >= 0; --bit) {
        if ((t >> bit) == 0) continue;
        p = p * p;
        if ((t >> bit) & 1u) p = p * beta;
    }
    return p;
}

struct npu_adamw_scalars npu_adamw_make_scalars(const struct npu_adamw_args* a) {
    const float lr = bits_float(a->lr_bits), beta1 = bits_float(a->beta1_bits), beta2 = bits_float(a->beta2_bits);
    const float p1 = power_u32(beta1, a->step), p2 = power_u32(beta2, a->step);
    struct npu_adamw_scalars s;
    s.c1 = float_bits(1.0f - beta1);
    s.c2 = float_bits(1.0f - beta2);
    s.r2 = float_bits(1.0f / (1.0f - p2));
    float step_size = lr / (1.0f - p1);
    step_size = -step_size;
    s.s = float_bits(step_size);
    float decay = lr * bits_float(a->weight_decay_bits);
    decay = 1.0f - decay;
    s.decay = float_bits(decay);
    return s;
}

struct adamw_buffer {
    uint32_t w, m, v, g; /* accumulator: chunk FP32 each */
    uint32_t g16, w16;   /* scratchpad: chunk BF16 each */
};

struct adamw_plan {
    uint32_t chunk;   /* elements per chunk */
    uint32_t a, b, c; /* accumulator temporaries */
    struct adamw_buffer buffer[NPU_ADAMW_BUFFERS];
};

/* Per-bank bump allocation: `bytes` in bank `bank` (256-byte aligned), 0 and `failed` when it is full. */
struct bank_fill {
    uint32_t base, bank_bytes, banks;
    uint32_t used[16];
    int failed;
};

static uint32_t bank_take(struct bank_fill* f, uint32_t slot, uint32_t bytes) {
    const uint32_t bank = slot % f->banks;
    const uint32_t at = (f->used[bank] + 255u) & ~255u;
    if (at > f->bank_bytes || bytes > f->bank_bytes - at) {
        f->failed = 1;
        return 0;
    }
    f->used[bank] = at + bytes;
    return f->base + bank * f->bank_bytes + at;
}

static struct bank_fill bank_fill_make(uint32_t base, uint32_t size_bytes, uint32_t banks) {
    struct bank_fill f = {0};
    f.base = base;
    f.banks = banks < 1 ? 1 : banks > 16 ? 16 : banks;
    f.bank_bytes = size_bytes / f.banks;
    return f;
}

static int layout_adamw(const struct npu_geometry* geo, uint32_t chunk, struct adamw_plan* p) {
    struct bank_fill acc = bank_fill_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    struct bank_fill sp = bank_fill_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    const uint32_t bytes32 = chunk * 4, bytes16 = chunk * 2;
    p->chunk = chunk;
    for (uint32_t b = 0; b < NPU_ADAMW_BUFFERS; ++b) {
        struct adamw_buffer* buf = &p->buffer[b];
        buf->w = bank_take(&acc, SLOT_W, bytes32);
        buf->m = bank_take(&acc, SLOT_M, bytes32);
        buf->v = bank_take(&acc, SLOT_V, bytes32);
        buf->g = bank_take(&acc, SLOT_G, bytes32);
        buf->g16 = bank_take(&sp, 2 * b, bytes16);
        buf->w16 = bank_take(&sp, 2 * b + 1, bytes16);
    }
    p->a = bank_take(&acc, SLOT_A, bytes32);
    p->b = bank_take(&acc, SLOT_B, bytes32);
    p->c = bank_take(&acc, SLOT_C, bytes32);
    return !acc.failed && !sp.failed;
}

/* The largest chunk (a multiple of 128 elements, at most ADAMW_MAX_CHUNK and the share rounded up) whose buffers fit:
 * the bank that gets the most arrays decides (bank slot k in bank k mod banks), computed directly, as the control
 * core divides slowly; layout_adamw then places them. */
static uint32_t chunk_limit(uint32_t bank_bytes, uint32_t banks, uint32_t slots, uint32_t arrays_per_slot,
                            uint32_t elem_bytes) {
    const uint32_t most = (slots + banks - 1) / banks * arrays_per_slot; /* arrays in the fullest bank */
    return bank_bytes / (most * elem_bytes) & ~(ADAMW_ALIGN_ELEMENTS - 1);
}

static struct adamw_plan plan_adamw(uint32_t share) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t acc_banks = geo.accumulator_banks ? geo.accumulator_banks : 1;
    const uint32_t sp_banks = geo.scratchpad_banks ? geo.scratchpad_banks : 1;
    /* Accumulator: w, m, v, g slots hold a buffer each, the temporaries one array (counted as a buffer each: safe). */
    uint32_t chunk = min_u32(ADAMW_MAX_CHUNK, (share + ADAMW_ALIGN_ELEMENTS - 1) & ~(ADAMW_ALIGN_ELEMENTS - 1));
    chunk = min_u32(chunk, chunk_limit(geo.accumulator_bytes / acc_banks, acc_banks, ACC_SLOTS, NPU_ADAMW_BUFFERS, 4));
    chunk = min_u32(chunk, chunk_limit(geo.scratchpad_bytes / sp_banks, sp_banks, 2 * NPU_ADAMW_BUFFERS, 1, 2));
    struct adamw_plan p;
    if (chunk == 0 || !layout_adamw(&geo, chunk, &p)) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* memories too small */
    return p;
}

/* A contiguous copy of `bytes` (the DMA's strides stay 0: one row). */
static void copy_1d(uint32_t src, uint32_t dst, uint32_t bytes) {
    npu_dma_shape(bytes, 0, 1, 1);
    npu_dma_copy(src, dst);
}

static void load_chunk(const struct npu_adamw_args* a, const struct adamw_buffer* buf, uint32_t first, uint32_t n) {
    const int bf16 = a->grad_dtype == NPU_DTYPE_BF16;
    copy_1d(a->w + first * 4, buf->w, n * 4);
    copy_1d(a->m + first * 4, buf->m, n * 4);
    copy_1d(a->v + first * 4, buf->v, n * 4);
    if (bf16)
        copy_1d(a->g + first * 2, buf->g16, n * 2);
    else
        copy_1d(a->g + first * 4, buf->g, n * 4);
}

static void store_chunk(const struct npu_adamw_args* a, const struct adamw_buffer* buf, uint32_t first, uint32_t n) {
    copy_1d(buf->w, a->w + first * 4, n * 4);
    copy_1d(buf->m, a->m + first * 4, n * 4);
    copy_1d(buf->v, a->v + first * 4, n * 4);
    if (a->w_bf16) copy_1d(buf->w16, a->w_bf16 + first * 2, n * 2);
}

static void fp32_shape(uint32_t n) { npu_vx_shape(n, 1, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 0, 0); }

/* The documented steps on one chunk of n elements (a, b, c: the plan's temporaries). */
static void compute_chunk(const struct npu_adamw_args* args, const struct npu_adamw_scalars* s,
                          const struct adamw_plan* p, const struct adamw_buffer* buf, uint32_t n) {
    const uint32_t a = p->a, b = p->b, c = p->c;
    if (args->grad_dtype == NPU_DTYPE_BF16) {
        npu_vx_shape(n, 1, NPU_DTYPE_BF16, NPU_DTYPE_FP32, 0, 0);
        npu_vx_convert(buf->g, buf->g16);
    }
    fp32_shape(n);
    npu_vx_mul_scalar(a, buf->g, s->c1); /* m' = beta1 m + (1 - beta1) g */
    npu_vx_mul_scalar(b, buf->m, args->beta1_bits);
    npu_vx_add(buf->m, b, a);
    npu_vx_mul_scalar(a, buf->g, s->c2); /* v' = beta2 v + (1 - beta2) g g */
    npu_vx_mul(b, a, buf->g);
    npu_vx_mul_scalar(c, buf->v, args->beta2_bits);
    npu_vx_add(buf->v, c, b);
    npu_vx_mul_scalar(a, buf->v, s->r2); /* 1 / (sqrt(v' / (1 - beta2^t)) + eps) */
    npu_vx_rsqrt(b, a);
    npu_vx_recip(a, b);
    npu_vx_add_scalar(b, a, args->eps_bits);
    npu_vx_recip(a, b);
    npu_vx_mul(b, a, buf->m); /* the step, times -lr / (1 - beta1^t) */
    npu_vx_mul_scalar(a, b, s->s);
    npu_vx_mul_scalar(b, buf->w, s->decay); /* w' = w (1 - lr wd) + step */
    npu_vx_add(buf->w, b, a);
    if (args->w_bf16) {
        npu_vx_shape(n, 1, NPU_DTYPE_FP32, NPU_DTYPE_BF16, 0, 0);
        npu_vx_convert(buf->w16, buf->w);
    }
}

void npu_adamw(const struct npu_adamw_args* args, uint32_t hart, uint32_t harts) {
    if (args->grad_dtype != NPU_DTYPE_BF16 && args->grad_dtype != NPU_DTYPE_FP32)
        npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    const uint32_t per_hart = (args->count + harts - 1) / harts;
    const uint32_t share = (per_hart + ADAMW_ALIGN_ELEMENTS - 1) & ~(ADAMW_ALIGN_ELEMENTS - 1);
    const uint32_t first = min_u32(hart * share, args->count), end = min_u32(first + share, args->count);
    if (first == end) return;
    const struct adamw_plan p = plan_adamw(end - first);
    const struct npu_adamw_scalars s = npu_adamw_make_scalars(args);
    const uint32_t chunks = (end - first + p.chunk - 1) / p.chunk;
    const uint32_t ahead = NPU_ADAMW_BUFFERS - 1;    /* chunks loaded ahead of the one being computed */
    const uint32_t rotation = hart * chunks / harts; /* tiles start at different places of their shares */
#define CHUNK_INDEX(i) ((i) + rotation < chunks ? (i) + rotation : (i) + rotation - chunks)
#define CHUNK_FIRST(i) (first + CHUNK_INDEX(i) * p.chunk)
#define CHUNK_SIZE(i) min_u32(p.chunk, end - CHUNK_FIRST(i))
    npu_dma_src_stride(0, 0);
    npu_dma_dst_stride(0, 0);
    npu_vx_strides(0, 0, 0);
    for (uint32_t i = 0; i < ahead && i < chunks; ++i) {
        load_chunk(args, &p.buffer[i], CHUNK_FIRST(i), CHUNK_SIZE(i));
        npu_signal(NPU_QUEUE_DMA, FLAG_IN + i);
    }
    for (uint32_t i = 0; i < chunks; ++i) {
        const uint32_t b = i % NPU_ADAMW_BUFFERS;
        if (i > 0) { /* the previous chunk's results out: its buffer takes the chunk `ahead` on */
            const uint32_t prev = (i - 1) % NPU_ADAMW_BUFFERS;
            npu_wait(NPU_QUEUE_DMA, FLAG_OUT + prev);
            store_chunk(args, &p.buffer[prev], CHUNK_FIRST(i - 1), CHUNK_SIZE(i - 1));
        }
        if (i + ahead < chunks) {
            const uint32_t next = (i + ahead) % NPU_ADAMW_BUFFERS;
            load_chunk(args, &p.buffer[next], CHUNK_FIRST(i + ahead), CHUNK_SIZE(i + ahead));
            npu_signal(NPU_QUEUE_DMA, FLAG_IN + next);
        }
        npu_wait(NPU_QUEUE_VECTOR, FLAG_IN + b);
        compute_chunk(args, &s, &p, &p.buffer[b], CHUNK_SIZE(i));
        npu_signal(NPU_QUEUE_VECTOR, FLAG_OUT + b);
    }
    const uint32_t last = chunks - 1;
    npu_wait(NPU_QUEUE_DMA, FLAG_OUT + last % NPU_ADAMW_BUFFERS);
    store_chunk(args, &p.buffer[last % NPU_ADAMW_BUFFERS], CHUNK_FIRST(last), CHUNK_SIZE(last));
#undef CHUNK_INDEX
#undef CHUNK_FIRST
#undef CHUNK_SIZE
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_VECTOR));
}
