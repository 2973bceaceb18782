/* Attention with the scores kept on chip (see npuemu/kernels.h).
 *
 * The (head, query row) pairs are split evenly over the harts; a hart takes its pairs a block of query rows of one
 * head at a time: K_h and V_h (seq x d_head) sit in its scratchpad while it works on that head, the block's scores
 * S = Q K^T (FP32) in the accumulator, the softmax runs on them in place on the vector unit and leaves P in BF16 in
 * the scratchpad, O = P V goes to the accumulator and, rounded to BF16, out. Per element the arithmetic is the
 * GEMM's and npu_rows' softmax exactly (the same chunks of the array's rows, in the same order), so the result
 * equals the unfused S -> softmax -> P V through global memory bit for bit.
 * Semaphores: LOADED (DMA -> MATRIX: Q, and K and V when the head changes, are in), S (MATRIX -> VECTOR), P (VECTOR
 * -> MATRIX), O (MATRIX -> VECTOR), OUT (VECTOR -> DMA: O in BF16 is ready). One block at a time: each step waits
 * for the one before, and the DMA queue's next loads sit behind the block's store. */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum { FLAG_LOADED = 20, FLAG_S = 21, FLAG_P = 22, FLAG_O = 23, FLAG_OUT = 24 };

struct attention_plan {
    uint32_t block_rows;                /* query rows per block */
    uint32_t k_s, v_s, q_s, p_s, o16_s; /* scratchpad */
    uint32_t v1, v2;                    /* scratchpad: per-row max and sum */
    uint32_t s_acc, o_acc;              /* accumulator */
};

/* Lays out the buffers for blocks of `rows` query rows, each in a bank of its own with own_banks; 0 if they do not
 * fit. */
static int layout(const struct npu_attention_args* a, const struct npu_geometry* geo, uint32_t rows, int own_banks,
                  struct attention_plan* p) {
    const uint32_t L = a->seq, dh = a->d_head;
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    p->block_rows = rows;
    p->k_s = local_take(&sp, L * dh * 2, own_banks);
    p->v_s = local_take(&sp, L * dh * 2, own_banks);
    p->q_s = local_take(&sp, rows * dh * 2, own_banks);
    p->p_s = local_take(&sp, rows * L * 2, own_banks);
    p->o16_s = local_take(&sp, rows * dh * 2, own_banks);
    p->v1 = local_take(&sp, rows * 4, 0);
    p->v2 = local_take(&sp, rows * 4, 0);
    p->s_acc = local_take(&acc, rows * L * 4, own_banks);
    p->o_acc = local_take(&acc, rows * dh * 4, own_banks);
    return !sp.failed && !acc.failed;
}

/* The most query rows per block (up to 256) whose buffers fit, in banks of their own if they can; 0 if none. */
static uint32_t plan_attention(const struct npu_attention_args* a, const struct npu_geometry* geo,
                               struct attention_plan* p) {
    for (int own_banks = 1; own_banks >= 0; --own_banks) {
        for (uint32_t rows = min_u32(a->seq, 256); rows > 0; rows = rows > 16 ? rows - rows / 4 : rows - 1) {
            if (layout(a, geo, rows, own_banks, p)) return rows;
        }
    }
    return 0;
}

int npu_attention_plan_rows(const struct npu_attention_args* a) {
    const struct npu_geometry geo = npu_read_geometry();
    struct attention_plan p;
    return (int)plan_attention(a, &geo, &p);
}

/* npu_rows' softmax on the block's scores (n rows of L in the accumulator), then P in BF16 into the scratchpad. */
static void softmax_block(const struct attention_plan* p, uint32_t L, uint32_t n) {
    const uint32_t row32 = L * 4, x = p->s_acc;
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
    npu_vx_rowmax(p->v1, x);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
    npu_vx_sub_rowb(x, x, p->v1);
    npu_vx_exp(x, x);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
    npu_vx_rowsum(p->v2, x);
    vx(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
    npu_vx_recip(p->v2, p->v2);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
    npu_vx_mul_rowb(x, x, p->v2);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, L * 2, row32, 0);
    npu_vx_convert(p->p_s, x);
}

void npu_attention(const struct npu_attention_args* a, uint32_t hart, uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    struct attention_plan p;
    if (plan_attention(a, &geo, &p) == 0) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* K and V do not fit: unfused */
    const uint32_t L = a->seq, dh = a->d_head, total = a->heads * L;
    const uint32_t share = (total + harts - 1) / harts;
    const uint32_t end = min_u32(total, (hart + 1) * share);
    uint32_t loaded_head = ~0u;
    for (uint32_t pos = min_u32(total, hart * share); pos < end;) {
        const uint32_t h = pos / L, r0 = pos - h * L;
        const uint32_t n = min_u32(min_u32(end - pos, L - r0), p.block_rows);
        const uint32_t col = h * dh * 2;
        /* DMA: this head's K and V (once per head), the block's Q. */
        if (h != loaded_head) {
            dma_block(a->k + col, a->ld, p.k_s, dh * 2, L, dh * 2);
            dma_block(a->v + col, a->ld, p.v_s, dh * 2, L, dh * 2);
            loaded_head = h;
        }
        dma_block(a->q + r0 * a->ld + col, a->ld, p.q_s, dh * 2, n, dh * 2);
        npu_signal(NPU_QUEUE_DMA, FLAG_LOADED);
        /* MATRIX: S = Q K^T, per array-width group of keys, d_head in chunks of the array's rows. */
        npu_wait(NPU_QUEUE_MATRIX, FLAG_LOADED);
        npu_mx_config(NPU_DTYPE_BF16, dh * 2, L * 4);
        for (uint32_t j = 0; j < L; j += geo.cols) {
            for (uint32_t c = 0; c < dh; c += geo.rows) {
                npu_mx_load_weights(p.k_s + (j * dh + c) * 2, min_u32(geo.rows, dh - c), min_u32(geo.cols, L - j), 1,
                                    dh * 2);
                npu_mx_matmul(p.q_s + c * 2, p.s_acc + j * 4, n, c > 0);
            }
        }
        npu_signal(NPU_QUEUE_MATRIX, FLAG_S);
        /* VECTOR: softmax, P in BF16. */
        npu_wait(NPU_QUEUE_VECTOR, FLAG_S);
        softmax_block(&p, L, n);
        npu_signal(NPU_QUEUE_VECTOR, FLAG_P);
        /* MATRIX: O = P V, per array-width group of d_head, the keys in chunks of the array's rows. */
        npu_wait(NPU_QUEUE_MATRIX, FLAG_P);
        npu_mx_config(NPU_DTYPE_BF16, L * 2, dh * 4);
        for (uint32_t g = 0; g < dh; g += geo.cols) {
            for (uint32_t c = 0; c < L; c += geo.rows) {
                npu_mx_load_weights(p.v_s + (c * dh + g) * 2, min_u32(geo.rows, L - c), min_u32(geo.cols, dh - g), 0,
                                    dh * 2);
                npu_mx_matmul(p.p_s + c * 2, p.o_acc + g * 4, n, c > 0);
            }
        }
        npu_signal(NPU_QUEUE_MATRIX, FLAG_O);
        /* VECTOR: O in BF16; DMA: out. */
        npu_wait(NPU_QUEUE_VECTOR, FLAG_O);
        vx(dh, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, dh * 2, dh * 4, 0);
        npu_vx_convert(p.o16_s, p.o_acc);
        npu_signal(NPU_QUEUE_VECTOR, FLAG_OUT);
        npu_wait(NPU_QUEUE_DMA, FLAG_OUT);
        dma_block(p.o16_s, dh * 2, a->out + r0 * a->out_ld + h * dh * 2, a->out_ld, n, dh * 2);
        pos += n;
    }
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
