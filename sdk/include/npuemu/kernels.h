/* npuemu kernel library: NPU kernels built from the intrinsics in npuemu/npu_isa.h.
 * Every kernel is SPMD: each hart calls it with its own id and the hart count, works on its share, and returns
 * when its share is done (its queues are fenced). Callers synchronise harts with npu_barrier() where needed. */
#ifndef NPUEMU_KERNELS_H
#define NPUEMU_KERNELS_H

#include <stdint.h>

#include "npuemu/npu_isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The NPU's geometry, read from the tile's status registers. */
struct npu_geometry {
    uint32_t rows, cols;          /* systolic array */
    uint32_t scratchpad_bytes, accumulator_bytes;
    uint32_t scratchpad_banks, accumulator_banks; /* contiguous slices that serve accesses in parallel */
    uint32_t vector_lanes;
};
struct npu_geometry npu_read_geometry(void);

/* C[m x n] = A[m x k] x B[k x n] (or A^T x B, A x B^T: a_transposed, b_transposed). A and B are INT8 (C INT32) or BF16 (C FP32), row-major in any memory the DMA
 * reaches, rows lda/ldb/ldc bytes apart. Ragged edges (m, n, k not multiples of the array) are handled.
 * Output blocks are dealt round-robin to the harts; within a hart, k-chunks of A and B are double-buffered in the
 * scratchpad and output blocks in the accumulator, so DMA overlaps the array. */
struct npu_gemm_args {
    uint32_t a, b, c;
    uint32_t m, n, k;
    uint32_t lda, ldb, ldc;
    uint32_t dtype;        /* NPU_DTYPE_INT8 or NPU_DTYPE_BF16 */
    uint32_t b_transposed; /* 0: B is k x n; 1: B is stored as its transpose, n x k (rows ldb apart) */
    /* Epilogue (BF16 inputs only; all 0: none): each finished output block, on the vector unit before it goes out,
     * in npu_rows' order and arithmetic: + bias (an FP32 row of n; 0: none), columns [0, scale_cols) times the FP32
     * scale_bits, then activation (NPU_ACT_*). With c_bf16 the block goes out rounded to BF16 (nearest even) to
     * c_bf16, rows ldc_bf16 bytes apart, and not to c. */
    uint32_t bias;
    uint32_t scale_bits, scale_cols;
    uint32_t activation;
    uint32_t c_bf16, ldc_bf16;
    /* 1: A is stored as its transpose, k x m (rows lda bytes apart), as the activations of a weight gradient
     * dW = X^T dY are: each stage's block of A comes in through the DMA's transposer (dma.shape's transpose field),
     * at the DMA's rate, so the arithmetic and the plan are those of A stored m x k. npu_gemv runs npu_gemm for it. */
    uint32_t a_transposed;
    /* c_tile_rows 0: C (or c_bf16) is one matrix in memory. Else C's rows are spread over the tiles' local memories,
     * c_tile_rows to a tile: row r goes to tile r / c_tile_rows, at the local address c (or c_bf16) + (r mod
     * c_tile_rows) * ldc, and when a block's rows have landed its hart rings doorbell c_tile_flag (dma.doorbell) on
     * each tile that got some of them: a consumer of its rows waits for blocks_n x (the row blocks it overlaps)
     * doorbells, not for a barrier (npu_transformer_block's residual + layernorm passes). */
    uint32_t c_tile_rows, c_tile_flag;
};
void npu_gemm(const struct npu_gemm_args *args, uint32_t hart, uint32_t harts);

/* npu_gemm in two steps. The plan (block sizes, stage depth, where the buffers go) depends only on m, n, k, dtype,
 * b_transposed and the hart count, and choosing it costs the control core a few thousand cycles (it weighs a few
 * dozen block shapes: array time against DMA time, rounds over the harts): code that runs a shape many times, as a
 * model's layers do, plans once and runs npu_gemm_planned with it (npu_gemm does both every call). */
#define NPU_GEMM_STAGES 4u
struct npu_gemm_plan {
    uint32_t elem;                 /* bytes per input element */
    uint32_t bm, bn, bk;           /* output block (bm x bn) and the k-depth of one stage (a multiple of the rows) */
    uint32_t blocks_m, blocks_n, stages_k;
    uint32_t acc_buffers;          /* 2: a block's results go out while the next accumulates; 1: one block per hart */
    uint32_t stage_a[NPU_GEMM_STAGES], stage_b[NPU_GEMM_STAGES], acc[2];
    uint32_t bias[2], out_bf16[2]; /* the epilogue's scratchpad buffers, per accumulator buffer */
};
void npu_gemm_plan(const struct npu_gemm_args *args, uint32_t harts, struct npu_gemm_plan *plan);
void npu_gemm_planned(const struct npu_gemm_args *args, const struct npu_gemm_plan *plan, uint32_t hart,
                      uint32_t harts);

/* GEMV for decode steps: the same C = A x B as npu_gemm, for m <= the array's rows (a few token rows times a weight
 * matrix), memory-bound: it streams B (the weights) through every tile's DMA at the HBM's rate. Each hart takes a
 * contiguous run of B's array-width column groups (with b_transposed, a contiguous run of B^T's rows) and streams
 * it in large 2-D copies through a ring of up to NPU_GEMV_MAX_STAGES scratchpad stages, issued a ring ahead; A stays
 * in the scratchpad. Bit for bit npu_gemm's arithmetic (chunks of the array's rows in k order).
 * npu_gemv_plan() returns 0 when m is larger than the array's rows, A does not fit the scratchpad beside two
 * stages, or an epilogue is asked for (bias, scaling, activation, c_bf16); npu_gemv then runs npu_gemm. The plan depends on the shape, the hart and the hart count: a decode loop
 * plans once per weight matrix and runs npu_gemv_planned every step (planning costs the slow control core ~1-2
 * thousand cycles, a tenth of a 4096 x 4096 GEMV). When x is large (batch 16: m x k x elem >= 32 KiB), the harts
 * share it instead of each reading all of it from memory: each reads a slice of k, rings a doorbell on every other
 * tile, and copies the others' slices from their scratchpads over the mesh just before the stage of W that needs
 * them; before returning a hart waits until every other has copied its slice. */
#define NPU_GEMV_MAX_STAGES 32u
struct npu_gemv_plan {
    uint32_t elem;                 /* bytes per element */
    uint32_t n0, bn;               /* this hart's columns (bn 0: nothing to do) */
    uint32_t sub_bn, subs;         /* columns per sub-block (the accumulator holds m x sub_bn), sub-blocks */
    uint32_t bk;                   /* k per stage (a multiple of the array's rows; less where the stream starts and ends) */
    uint32_t stages, stage_bytes;  /* the ring: stages of stage_bytes from stage_base */
    uint32_t x, acc, stage_base;
    uint32_t hart, harts;
    uint32_t x_piece;              /* 0: every hart reads all of x from memory; else x is shared: hart h reads columns
                                    * [h x_piece, (h + 1) x_piece) of x and the others copy them from its scratchpad */
};
int npu_gemv_plan(const struct npu_gemm_args *args, uint32_t hart, uint32_t harts, struct npu_gemv_plan *plan);
void npu_gemv_planned(const struct npu_gemm_args *args, const struct npu_gemv_plan *plan);
void npu_gemv(const struct npu_gemm_args *args, uint32_t hart, uint32_t harts);

/* Row-wise passes over an FP32 matrix (rows x cols, rows src_ld bytes apart) on the vector unit, staged through
 * the tile's local memories a chunk of rows at a time; each hart takes an even share of the rows. In order:
 *   x = src; x += each of the src_more_count matrices at src_more, src_more + src_more_stride, ... (src's shape and
 *   row stride; partial sums, in order); x += bias (a row); x += residual (FP32 or BF16 rows); rotary embedding of
 *   the first rotary_heads heads of rotary_dim columns (row r at position r; cos and sin: FP32 tables of rows x
 *   rotary_dim / 2; per head, halves x1 and x2: x1' = x1 * cos - x2 * sin, x2' = x2 * cos + x1 * sin, each product
 *   rounded before the sum); x[:, :scale_cols] *= scale; activation (GELU, ReLU, or SiLU as t = x * -1,
 *   t = exp(t), t = t + 1, t = 1 / t, x = x * t); x *= mul_src (FP32 rows mul_ld bytes apart: a gated unit's other half); then the row op: softmax
 *   (x - rowmax, exp, divide by the row sum), layernorm ((x - mean) * rsqrt(var + eps) * gamma + beta, mean and var
 *   as sum * (1/cols)) or RMS norm (x * rsqrt(sum(x * x) * (1/cols) + eps) * gamma); then x goes to dst_fp32
 *   and/or, rounded to BF16, to dst_bf16. Address 0 leaves a step out. Every step is one vector instruction, so a
 *   host reference can follow it exactly (docs/npu.md). */
enum { NPU_ACT_NONE = 0, NPU_ACT_GELU = 1, NPU_ACT_RELU = 2, NPU_ACT_SILU = 3 };
enum { NPU_ROWS_PLAIN = 0, NPU_ROWS_SOFTMAX = 1, NPU_ROWS_LAYERNORM = 2, NPU_ROWS_RMSNORM = 3 };
struct npu_rows_args {
    uint32_t src, src_ld, rows, cols;
    uint32_t bias;
    uint32_t residual, residual_ld, residual_dtype; /* NPU_DTYPE_FP32 or NPU_DTYPE_BF16 */
    uint32_t scale_bits, scale_cols;                /* FP32 bit pattern; scale_cols 0: no scaling */
    uint32_t activation;                            /* NPU_ACT_* */
    uint32_t op;                                    /* NPU_ROWS_* */
    uint32_t gamma, beta, eps_bits;                 /* layernorm */
    uint32_t dst_fp32, dst_fp32_ld, dst_bf16, dst_bf16_ld;
    uint32_t src_more, src_more_count, src_more_stride;  /* up to NPU_ROWS_MAX_MORE further FP32 matrices */
    uint32_t mul_src, mul_ld;
    uint32_t rotary_cos, rotary_sin, rotary_heads, rotary_dim;  /* rotary_cos 0: no rotary embedding */
    /* src_local 1: src and src_more hold only this hart's share of the rows, dense (src_ld = cols * 4), in its own
     * local memory (the hart's first row at src), as a GEMM with c_tile_rows leaves them; the pass works on them in
     * place (they are overwritten) instead of loading them. src_ready_count > 0: the DMA queue takes that many
     * doorbells on semaphore src_ready_flag (the GEMM's c_tile_flag) before the vector unit may start, so the pass
     * needs no barrier after the GEMM. Both per hart. */
    uint32_t src_local, src_ready_flag, src_ready_count;
};
#define NPU_ROWS_MAX_MORE 7u
void npu_rows(const struct npu_rows_args *args, uint32_t hart, uint32_t harts);
/* The same with its plan made once per shape and options (planning costs the control core about a thousand cycles;
 * the plan does not depend on the addresses): where each of the two buffers' pieces live in the local memories. */
struct npu_rows_buffer {
    uint32_t x, t;                    /* accumulator: chunk x cols FP32 each */
    uint32_t spare;                   /* accumulator, 0 if it did not fit: chunk x cols FP32 in another bank, where
                                       * x's steps write (x moves back and forth) so none reads and writes one bank */
    uint32_t more[NPU_ROWS_MAX_MORE]; /* accumulator: the further sources' chunks */
    uint32_t mul;                     /* accumulator: mul_src's chunk */
    uint32_t cos, sin;                /* accumulator: the rotary tables' rows of the chunk */
    uint32_t v1, v2;                  /* scratchpad: one FP32 per row each */
    uint32_t res16, out16;            /* scratchpad: chunk x cols BF16 each */
};
struct npu_rows_plan {
    uint32_t chunk;             /* rows per chunk */
    uint32_t inv_cols_bits;     /* FP32 1 / cols (the control core divides floats in software, slowly) */
    uint32_t bias, gamma, beta; /* scratchpad: one FP32 row each */
    struct npu_rows_buffer buffer[2];
};
void npu_rows_prepare(const struct npu_rows_args *args, uint32_t harts, struct npu_rows_plan *plan);
void npu_rows_planned(const struct npu_rows_args *args, const struct npu_rows_plan *plan, uint32_t hart,
                      uint32_t harts);

/* Backward passes of the row operations, over FP32 matrices of rows x cols (dense rows); each hart takes an even
 * share of the rows, a chunk at a time. x is the forward's input (GELU, layernorm) or its output P (softmax); dy the
 * gradient of the forward's output. Every step is one FP32 vector instruction, in the order of the host references in
 * tests/harness/reference_backward.h:
 *   GELU (the forward's tanh form; tanh(u) as 2 / (1 + exp(-2u)) - 1):
 *     dx = (0.5 (1 + t) + 0.5 x (1 - t^2) 0.7978845608 (1 + 0.134145 x^2)) dy;
 *   softmax: dx = P (dy - rowsum(dy P));
 *   layernorm (gamma; xhat recomputed as the forward does): g = dy gamma, dx = (g - mean(g) - xhat mean(g xhat)) rstd,
 *     and dy xhat to dy_xhat (its column sums are dgamma; dy's are dbeta);
 *   RMS norm (gamma; rstd and xhat = x rstd recomputed as the forward does): g = dy gamma,
 *     dx = (g - xhat mean(g xhat)) rstd, and dy xhat to dy_xhat (dgamma's rows);
 *   SwiGLU (u = silu(gate) up): x rows are [gate | up], 2 cols wide, and so are dx's ([dgate | dup]; dy: cols); with
 *     s = 1 / (1 + exp(gate * -1)) (the forward's SiLU steps): dup = dy (gate s), dgate = (dy up) (s (gate (1 - s) + 1)).
 * Then dx += residual (FP32; 0: none: a residual branch's gradient; not with SwiGLU), and dx goes to dx (FP32) and/or
 * dx_bf16. */
enum {
    NPU_BACKWARD_GELU = 1,
    NPU_BACKWARD_SOFTMAX = 2,
    NPU_BACKWARD_LAYERNORM = 3,
    NPU_BACKWARD_RMSNORM = 4,
    NPU_BACKWARD_SWIGLU = 5
};
struct npu_rows_backward_args {
    uint32_t op; /* NPU_BACKWARD_* */
    uint32_t x, dy, rows, cols;
    uint32_t gamma, eps_bits; /* layernorm */
    uint32_t residual;
    uint32_t dx, dx_bf16, dy_xhat;
    /* Column sums made in the same pass (0: none), each an FP32 row of cols exactly as npu_column_sums makes it (the
     * same shares and order): sum_dy of dy as given (a bias's or beta's gradient), sum_dy_xhat of dy xhat (layernorm:
     * gamma's), sum_dx of dx (residual included; SwiGLU: 2 cols). sum_partials: 3 x harts x cols FP32 of global memory
     * (SwiGLU: 2 cols). With any of
     * them every hart must call it: the partials are added after a barrier inside. */
    uint32_t sum_dy, sum_dy_xhat, sum_dx, sum_partials;
};
void npu_rows_backward(const struct npu_rows_backward_args* args, uint32_t hart, uint32_t harts);

/* Column sums of an FP32 matrix (rows x cols, dense): a bias's gradient (of dy), layernorm's dbeta and dgamma. Hart h
 * sums rows [h s, (h + 1) s), s = ceil(rows / harts), top to bottom from its first row, into a row of `partials`
 * (harts x cols FP32 of global memory); after a barrier inside, each hart adds a slice of the columns' partials in
 * hart order (the harts with rows) into dst. All harts call it. */
struct npu_column_sums_args {
    uint32_t src, rows, cols, dst, partials;
};
void npu_column_sums(const struct npu_column_sums_args* args, uint32_t hart, uint32_t harts);

/* Causal multi-head attention backward, flash-attention-2 style: nothing of size seq x seq leaves the chip. qkv: seq
 * rows, ld bytes apart, BF16 [q | k | v] with heads, kv_heads and kv_heads d_head-wide heads (q already scaled, as
 * npu_flash_attention takes it; query head h uses KV head h / (heads / kv_heads); kv_heads 0: heads); d_out and out:
 * the gradient of the attention's output and the forward's output O, seq x heads * d_head BF16, rows d_out_ld and
 * out_ld apart; row_stats: the forward's row statistics (npu_flash_attention's row_stats: -m and 1/l, 2 x heads x seq
 * FP32). Per query head h, query row r and key c <= r, exactly (each step one FP32 operation, as the units do it):
 *   D_r = rowsum(dO_r * O_r) (BF16 products, exact in FP32, summed left to right from +0), once per row;
 *   S = q_r k_c (the GEMM's chunks of the array's rows over d_head); P = exp(S + -m_r) * (1/l_r), P16 = bf16(P);
 *   dP = dO_r v_c (chunks as S); dS = (dP + -D_r) * P, dS16 = bf16(dS); keys c > r: P = dS = 0;
 *   dv_c = sum of P16 dO_r and dk_c = sum of dS16 q_r over the group's query heads in order and, per head, its rows
 *     in chunks of the array's rows, each chunk summed from +0 and added to the running sum in order (a GEMM with
 *     k = the rows, head after head);
 *   dq_r = B_0 + B_1 + ... (left to right) over the key blocks of BK = npu_flash_attention_block_keys() keys up to
 *     the row's own, B_j = sum of dS16 k_c over block j's keys in chunks of the array's rows, chained in order.
 * d_qkv gets seq rows of FP32 [dq | dk | dv] (heads, kv_heads, kv_heads heads), d_qkv_ld bytes apart (dq with respect
 * to the scaled q). scratch: npu_attention_backward_scratch_bytes() of global memory, of which the first
 * npu_attention_backward_mask_bytes() hold a mask that npu_attention_backward_prepare (all harts, then a barrier)
 * writes once; the rest is overwritten by each call. Work: a unit is one KV head's block of BK keys and values kept
 * on chip with their dk and dv accumulating while the group's query rows stream past in blocks (the diagonal's
 * blocks only as far as they see the keys); dq's B_j go through the scratch and are summed after a barrier. All
 * harts call npu_attention_backward; it returns when every hart is done. A d_head whose unit does not fit the
 * tile's memories stops the run (NPU_EXIT_UNHANDLED_TRAP). */
struct npu_attention_backward_args {
    uint32_t qkv, ld, seq, heads, kv_heads, d_head;
    uint32_t d_out, d_out_ld, out, out_ld, row_stats;
    uint32_t d_qkv, d_qkv_ld;
    uint32_t scratch;
};
uint32_t npu_attention_backward_scratch_bytes(const struct npu_attention_backward_args *args);
uint32_t npu_attention_backward_mask_bytes(void);
void npu_attention_backward_prepare(const struct npu_attention_backward_args *args, uint32_t hart, uint32_t harts);
void npu_attention_backward(const struct npu_attention_backward_args *args, uint32_t hart, uint32_t harts);

/* Attention with the scores kept on chip, for every head: out_h = softmax(q_h k_h^T) v_h, BF16 in and out, FP32
 * scores. q, k and v are seq x (heads * d_head) BF16 matrices with rows `ld` bytes apart (head h in columns
 * h * d_head ...), e.g. the three parts of a fused QKV projection; q already scaled by 1/sqrt(d_head). out gets seq
 * rows of heads * d_head BF16, out_ld bytes apart. Per element the arithmetic is exactly S = npu_gemm(q, k^T),
 * npu_rows' softmax, P rounded to BF16, then npu_gemm(P, v) rounded to BF16. A hart keeps one head's K and V in its
 * scratchpad: npu_attention_plan_rows() is the query rows per block it can take, 0 when they do not fit (then run
 * the unfused steps). All harts call it; it returns when the hart's share is done (callers barrier after it). */
struct npu_attention_args {
    uint32_t q, k, v, ld;
    uint32_t seq, heads, d_head;
    uint32_t out, out_ld;
};
int npu_attention_plan_rows(const struct npu_attention_args *args);
void npu_attention(const struct npu_attention_args *args, uint32_t hart, uint32_t harts);
/* The same with its plan made once per shape (planning costs the control core several hundred cycles): block_rows
 * is npu_attention_plan_rows(), 0 when K and V do not fit. The rest is where its buffers go. */
struct npu_attention_plan {
    uint32_t block_rows, slots; /* query rows per block at most; K/V slots (2, or 1 when two do not fit) */
    uint32_t k_s[2], v_s[2], q_s[2], p_s[2], o16[2], v1, v2; /* scratchpad */
    uint32_t s_acc[2], o_acc[2], t_acc;                        /* accumulator */
};
void npu_attention_prepare(const struct npu_attention_args *args, struct npu_attention_plan *plan);
void npu_attention_planned(const struct npu_attention_args *args, const struct npu_attention_plan *plan,
                           uint32_t hart, uint32_t harts);

/* Decode attention over a KV cache in global memory, BF16 in and out, FP32 scores: for each batch row b and query
 * head h, out[b][h] = softmax(q[b][h] K[b][g]^T) V[b][g] with g = h / (heads / kv_heads) (grouped-query heads; q
 * already scaled by 1/sqrt(d_head)). q and out are batch x heads x d_head; K and V are batch x kv_heads x ctx x
 * d_head (each (b, g) cache contiguous, positions ctx). Per element exactly npu_gemm(q, K^T), npu_rows' softmax, P
 * rounded to BF16, npu_gemm(P, V) rounded to BF16 (with fewer units than harts: see npu_decode_attention_splits).
 * The (b, g) units are split evenly over the harts, each streaming its units' K and V through the scratchpad
 * (sdk/src/kernels/decode_attention.c). All harts call it; it
 * returns when the hart's share is done. npu_decode_attention_supported() is 0 when the heads do not divide into
 * the KV heads, a group has more rows than the array, or the group's scores do not fit the accumulator. */
struct npu_decode_attention_args {
    uint32_t q, k, v, out;
    uint32_t batch, heads, kv_heads, d_head, ctx;
};
int npu_decode_attention_supported(const struct npu_decode_attention_args *args, uint32_t harts);
/* With fewer (batch, KV head) units than harts, each unit's positions are split over this many harts (whole array
 * heights each): each computes exp(S - its row max) in BF16 times its V rows and its row sums, and the unit's first
 * hart combines them: M = max of the maxima in split order, w_s = exp(m_s - M), l = sum of l_s w_s and
 * O = sum of O_s w_s left to right, O x (1 / l), rounded to BF16. 1: no split (the softmax normalises before P V). */
uint32_t npu_decode_attention_splits(const struct npu_decode_attention_args *args, uint32_t harts);
void npu_decode_attention(const struct npu_decode_attention_args *args, uint32_t hart, uint32_t harts);

/* Attention over sequences of any length, optionally causal, with grouped-query heads, keys and values streamed in
 * blocks of BK = npu_flash_attention_block_keys() (4 array widths) with an online softmax. q, k, v: seq rows, `ld`
 * bytes apart, BF16; head h's query in q's columns h * d_head ..., its key and value in columns kvh * d_head ... of
 * k and v, kvh = h / (heads / kv_heads) (kv_heads 0: heads). q already scaled. out: seq rows of heads * d_head BF16,
 * out_ld bytes apart. With causal, key c is seen by query r only if c <= r, and `mask` is global memory of
 * npu_flash_attention_mask_bytes() that npu_flash_attention_prepare() fills (once; all harts, then a barrier).
 * Per query row, exactly (each step one FP32 operation, as the vector and matrix units do it):
 *   for each key block j (up to the row's own on causal): s = q k^T (the GEMM's chunks of the array's rows over
 *   d_head); on the block holding the row's diagonal (causal) s += 0 or -inf; mj = rowmax(s); m = j ? max(m, mj) : mj;
 *   p = exp(s - m); lj = rowsum(p) (left to right); for j > 0: alpha = exp(m_old - m), l = l * alpha + lj (the
 *   product rounded first), O = O * alpha; j = 0: l = lj; P = bf16(p); O += P v, the block's keys in chunks of the
 *   array's rows, each chunk's sum added to O in order (for j = 0, O starts as the first chunk's sum);
 *   then out = bf16(O * (1 / l)).
 * row_stats (0: none; training): 2 x heads x seq FP32 of global memory that gets each row's statistics for the
 * backward, -m (the final running maximum, negated) at row_stats + (h seq + r) 4 and 1/l (the reciprocal above) at
 * row_stats + ((heads + h) seq + r) 4.
 * All harts call it; it returns when the hart's share is done (callers barrier after it). */
struct npu_flash_attention_args {
    uint32_t q, k, v, ld;
    uint32_t seq, heads, kv_heads, d_head;
    uint32_t causal, mask;
    uint32_t out, out_ld;
    uint32_t row_stats;
};
uint32_t npu_flash_attention_block_keys(void);
uint32_t npu_flash_attention_mask_bytes(void);
void npu_flash_attention_prepare(const struct npu_flash_attention_args *args, uint32_t hart, uint32_t harts);
void npu_flash_attention(const struct npu_flash_attention_args *args, uint32_t hart, uint32_t harts);

/* One decoder layer of a GPT-style model (pre-layernorm, GELU MLP), or one tensor-parallel rank's shard of it
 * (heads, kv_heads and d_ff the rank's; the Wo and MLP-down outputs are then partial sums: without tp_coll this
 * single-chip layer leaves them as they are, with tp_coll it all-reduces them over the chips, see below). FP32
 * residual stream, BF16 GEMM inputs, FP32 accumulation:
 *   a = layernorm1(x); qkv = a Wqkv + bqkv, q *= 1/sqrt(d_head) (BF16); o = causal flash attention (q, k, v);
 *   h = o Wo + bo + x; b = layernorm2(h); u = gelu(b W1 + b1) (BF16); out = u W2 + b2 + h.
 * x and out: seq x d_model FP32; Wqkv: d_model x (heads + 2 kv_heads) d_head ([Wq | Wk | Wv]); Wo: heads d_head x
 * d_model; W1: d_model x d_ff; W2: d_ff x d_model (BF16); biases, gammas and betas FP32. Each step is the kernel it
 * names, with that kernel's exact arithmetic (row passes: npu_rows; attention: npu_flash_attention). `scratch`:
 * npu_decoder_scratch_bytes() of global memory. npu_decoder_prepare (all harts, then a barrier) makes the GEMM
 * plans and the attention mask once per shape. */
struct npu_decoder_args {
    uint32_t seq, d_model, heads, kv_heads, d_head, d_ff;
    uint32_t x, out;
    uint32_t ln1_gamma, ln1_beta, wqkv, bqkv, wo, bo;
    uint32_t ln2_gamma, ln2_beta, w1, b1, w2, b2;
    uint32_t eps_bits;
    uint32_t scratch;
    uint32_t phase_cycles;  /* 0, or NPU_DECODER_PHASES uint32 counters (as npu_transformer_args.phase_cycles) */
    uint32_t norm;          /* 0: layernorm (gamma, beta); NPU_ROWS_RMSNORM: RMS norm (gamma only, Llama) */
    uint32_t swiglu;        /* 0: u = gelu(b W1 + b1); 1: W1 is d_model x 2 d_ff = [W_gate | W_up] (b1: 2 d_ff or 0),
                             * g = b W1 + b1 in FP32, u = bf16(silu(g_gate) * g_up) (npu_rows' SiLU, then mul_src) */
    uint32_t rotary_cos, rotary_sin; /* 0: none; else seq x d_head / 2 FP32 tables: q and k get npu_rows' rotary
                                      * embedding (qkv + bqkv in FP32, rotary, q scaled, BF16: a row pass) */
    uint32_t tp_coll; /* 0: one chip's layer. Else the address of a struct npu_coll (npuemu/collectives.h) and every
                       * chip of the system runs its tensor-parallel rank's shard (Megatron's row-parallel Wo and
                       * W2): the Wo and MLP-down GEMMs write their partial sums in BF16 (rounded once), which are
                       * summed over the chips by npu_allreduce_ring (BF16; after npu_coll_barrier), and the residual
                       * passes become h = (x + bo) + a, out = (h + b2) + m (a, m: the all-reduced BF16 sums, widened;
                       * npu_rows' order: src, bias, residual) */
};
enum {
    NPU_DECODER_LN1,
    NPU_DECODER_QKV,
    NPU_DECODER_ATTENTION,
    NPU_DECODER_WO,
    NPU_DECODER_RESIDUAL1,
    NPU_DECODER_LN2,
    NPU_DECODER_MLP_UP,
    NPU_DECODER_MLP_DOWN,
    NPU_DECODER_RESIDUAL2,
    NPU_DECODER_TP_ALLREDUCE_ATTENTION, /* tp_coll: the all-reduce after Wo (in its own counter, not Wo's) */
    NPU_DECODER_TP_ALLREDUCE_MLP,       /* tp_coll: the all-reduce after MLP down */
    NPU_DECODER_PHASES
};
struct npu_decoder_plan {
    struct npu_gemm_plan qkv, wo, up, down;
};
uint32_t npu_decoder_scratch_bytes(const struct npu_decoder_args *args);
void npu_decoder_prepare(const struct npu_decoder_args *args, uint32_t hart, uint32_t harts,
                         struct npu_decoder_plan *plan);
void npu_decoder_layer(const struct npu_decoder_args *args, const struct npu_decoder_plan *plan, uint32_t hart,
                       uint32_t harts);

/* Training: the forward and backward of one GPT- or Llama-style decoder layer (layernorm or RMS norm, GELU or SwiGLU,
 * with or without rotary embeddings; grouped-query heads; npu_decoder_train refuses others with
 * NPU_EXIT_UNHANDLED_TRAP), or of one tensor-parallel rank's shard of it. The forward is npu_decoder_layer's, bit for
 * bit, except that it keeps what the backward reads in the scratch: both norms' BF16 outputs, q k v, the attention's
 * output and its row statistics (-m, 1/l: npu_flash_attention's row_stats), h, and the MLP's pre-activation in FP32:
 * GELU's z = b W1 + b1 (its GEMM writes z, a row pass makes u = bf16(gelu(z))), SwiGLU's [gate | up] (as the forward
 * writes it). The attention's scores are not kept (seq^2 per head; the flash forward never writes them):
 * npu_attention_backward recomputes them block by block from the statistics, and the norms' statistics are
 * recomputed from their kept inputs. Given d_out (FP32 seq x d_model: the loss's gradient of out), the backward, each
 * step the kernel it names with that kernel's arithmetic (dY16 = bf16(dY); norm_backward: layernorm's or RMS norm's):
 *   db2 = colsum(d_out); dW2 = u^T dout16; du = dout16 W2^T;
 *   dz = gelu_backward(z, du) or [dgate | dup] = swiglu_backward(gate, up, du), db1 = colsum(dz);
 *   dW1 = b^T dz16; db = dz16 W1^T;        dh = norm_backward(h, db; gamma2) + d_out, dgamma2 = colsum(db xhat),
 *   dbeta2 = colsum(db) (layernorm), dbo = colsum(dh); dWo = o^T dh16; do16 = bf16(dh16 Wo^T);
 *   d[q|k|v] = npu_attention_backward(qkv, do16); a row pass (FP32 and BF16: dpre): with rotary embeddings dq and dk
 *   rotated back (npu_rows' rotation with the sine negated: x1 = x1' cos + x2' sin, x2 = x2' cos - x1' sin, the
 *   transpose of the forward's), then dq *= 1/sqrt(d_head);
 *   dbqkv = colsum(dpre); dWqkv = a^T dpre16; da = dpre16 Wqkv^T;
 *   dx = norm_backward(x, da; gamma1) + dh, dgamma1 = colsum(da xhat), dbeta1 = colsum(da) (layernorm).
 * With RMS norm d_ln1_beta and d_ln2_beta are not written. With SwiGLU d_w1 and d_b1 are those of W1 = [W_gate | W_up]
 * (d_model x 2 d_ff, 2 d_ff). The weight gradients dW = X^T dY are GEMMs with A transposed (the DMA's transposer),
 * out in BF16 (the epilogue's rounding; npu_adamw takes BF16 gradients), the shapes of the weights; the bias and norm
 * gradients FP32, with npu_column_sums' grouping by hart: db2 and dbqkv by npu_column_sums, the others inside the
 * activation and norm backward passes that read the same rows (npu_rows_backward's sum_* fields). `layer.scratch`:
 * npu_decoder_train_scratch_bytes() of global memory; layer.phase_cycles: the forward's phases; phase_cycles:
 * NPU_TRAIN_PHASES counters of the backward's. */
struct npu_decoder_train_args {
    struct npu_decoder_args layer;
    uint32_t d_out, d_x;                                       /* FP32 seq x d_model */
    uint32_t d_wqkv, d_wo, d_w1, d_w2;                         /* BF16 */
    uint32_t d_bqkv, d_bo, d_b1, d_b2;                         /* FP32 */
    uint32_t d_ln1_gamma, d_ln1_beta, d_ln2_gamma, d_ln2_beta; /* FP32 */
    uint32_t phase_cycles;
};
enum {
    NPU_TRAIN_MLP_DOWN,    /* dout16, dW2, du */
    NPU_TRAIN_GELU,        /* the activation's backward (GELU or SwiGLU) */
    NPU_TRAIN_MLP_UP,      /* dW1, db */
    NPU_TRAIN_LN2,         /* norm 2 backward + the residual's gradient */
    NPU_TRAIN_WO,          /* dWo, do */
    NPU_TRAIN_ATTENTION,   /* npu_attention_backward */
    NPU_TRAIN_QKV,         /* the scale's (and inverse rotation's) row pass, dWqkv, da */
    NPU_TRAIN_LN1,         /* norm 1 backward + the residual's gradient */
    NPU_TRAIN_COLUMN_SUMS, /* the eight bias and norm gradients */
    NPU_TRAIN_PHASES
};
struct npu_decoder_train_plan {
    struct npu_decoder_plan forward;
    struct npu_gemm_plan d_down, w_down, d_up, w_up, d_wo, w_wo, d_qkv, w_qkv; /* d_*: dX GEMMs, w_*: dW GEMMs */
};
/* 0 when npu_decoder_train runs the layer; else which field it cannot take: 1 norm (layernorm or RMS norm only),
 * 5 tp_coll (one chip's whole layer only). (2, 3 and 4 — swiglu, rotary_cos, kv_heads — were refused before their
 * backward was here.) */
uint32_t npu_decoder_train_unsupported(const struct npu_decoder_args *layer);
uint32_t npu_decoder_train_scratch_bytes(const struct npu_decoder_args *layer);
void npu_decoder_train_prepare(const struct npu_decoder_train_args *t, uint32_t hart, uint32_t harts,
                               struct npu_decoder_train_plan *plan);
void npu_decoder_train(const struct npu_decoder_train_args *t, const struct npu_decoder_train_plan *plan,
                       uint32_t hart, uint32_t harts);

/* One transformer encoder layer (post-layernorm, as BERT): BF16 weights and activations, FP32 accumulation and
 *   qkv = x Wqkv + bqkv; q *= 1/sqrt(d_head); per head: p = softmax(q k^T), o_h = p v;
 *   y = layernorm1(o Wo + bo + x); out = layernorm2(gelu(y W1 + b1) W2 + b2 + y).
 * Wqkv is [Wq | Wk | Wv] (d_model x 3 d_model). The output is FP32 (seq x d_model). `scratch` is global memory of
 * npu_transformer_scratch_bytes() bytes. All harts call it; it returns when the layer is done on every hart.
 * ffn2_k_splits (0 or 1: none; at most NPU_TRANSFORMER_MAX_SPLITS) splits the second FFN GEMM's k = d_ff over
 * groups of harts, so a short sequence's few output blocks still keep every tile busy: split s covers k in
 * [s Kp, (s + 1) Kp), Kp = ceil(ceil(d_ff / rows) / splits) x rows (rows: the array's), as many splits as that
 * leaves non-empty; each split's partial product is summed as any GEMM's, and layernorm2's pass adds them in order,
 * ((P0 + P1) + P2) + ..., before b2. */
struct npu_transformer_args {
    uint32_t seq, d_model, heads, d_ff;
    uint32_t x;                           /* BF16 seq x d_model */
    uint32_t wqkv, bqkv, wo, bo, w1, b1, w2, b2; /* BF16 weights, FP32 biases */
    uint32_t gamma1, beta1, gamma2, beta2;       /* FP32 */
    uint32_t eps_bits;
    uint32_t out;                         /* FP32 seq x d_model */
    uint32_t scratch;
    uint32_t phase_cycles;                /* 0, or NPU_TRANSFORMER_PHASES uint32 counters: hart 0 adds each phase's
                                           * cycles (from one barrier to the next) to its counter; with the plan's
                                           * landing there is no barrier after Wo and FFN2, so their phases end when
                                           * hart 0's own GEMM does and the layernorms' phases hold the rest */
    uint32_t ffn2_k_splits;
};
#define NPU_TRANSFORMER_MAX_SPLITS 4u
/* The layer's phases, in order, for phase_cycles. */
enum {
    NPU_PHASE_QKV,       /* the QKV projection GEMM, with + bias, q scaled, to BF16 in its epilogue */
    NPU_PHASE_ATTENTION, /* softmax(q k^T) v per head, O to BF16 */
    NPU_PHASE_WO,        /* the output projection GEMM */
    NPU_PHASE_LN1,       /* + bias + residual, layernorm */
    NPU_PHASE_FFN1,      /* the FFN's first GEMM, with + bias, GELU, to BF16 in its epilogue */
    NPU_PHASE_FFN2,      /* the FFN's second GEMM */
    NPU_PHASE_LN2,       /* + bias + residual, layernorm */
    NPU_TRANSFORMER_PHASES
};
uint32_t npu_transformer_scratch_bytes(const struct npu_transformer_args *args);
/* The layer's GEMM plans (npu_gemm_plan), made once for a layer shape and hart count by npu_transformer_prepare. */
struct npu_transformer_plan {
    struct npu_gemm_plan qkv, wo, ffn1, ffn2[NPU_TRANSFORMER_MAX_SPLITS];
    struct npu_attention_plan attention; /* block_rows 0: attention through global memory */
    struct npu_rows_plan ln1, ln2;
    /* 0: Wo's and FFN2's outputs go through global memory and a barrier before the layernorm that reads them. Else
     * the accumulator address where they land instead, each hart's share of the rows in its own tile (the GEMMs'
     * c_tile_rows, above every buffer of those GEMMs and of the layernorms), and each layernorm starts on its rows
     * when their blocks' doorbells have come (npu_rows' src_local), without a barrier after the GEMM. */
    uint32_t landing;
    uint32_t qkv_scale_bits; /* FP32 1 / sqrt(d_head), made here: the control core's software sqrt is slow */
};
void npu_transformer_prepare(const struct npu_transformer_args *args, uint32_t harts,
                             struct npu_transformer_plan *plan);
/* plan: from npu_transformer_prepare for this shape and hart count, or 0 to plan on the way. */
void npu_transformer_block(const struct npu_transformer_args *args, const struct npu_transformer_plan *plan,
                           uint32_t hart, uint32_t harts);

/* 2-D convolution, NHWC: input h x w x cin, filters kh x kw x cin x cout (HWIO, i.e. a (kh*kw*cin) x cout
 * matrix), stride and zero padding, output oh x ow x cout (INT32 for INT8 inputs, FP32 for BF16). Built as im2col
 * by DMA into `im2col` (oh*ow rows of kh*kw*cin elements, in (ky, kx, ci) order) — per filter row one 3-D copy for
 * all windows inside the input, one copy per border column, padding read from `zeros` — then npu_gemm. The caller
 * provides `im2col` and `zeros` (npu_conv2d_*_bytes() each; `zeros` must hold zeros). Shapes with no output (filter
 * larger than the padded input, stride 0) give 0 x 0 and do nothing. All harts call it; it returns when the output
 * is complete on every hart. */
struct npu_conv2d_args {
    uint32_t input, filters, output, im2col, zeros;
    uint32_t h, w, cin, cout, kh, kw, stride, pad;
    uint32_t dtype; /* NPU_DTYPE_INT8 or NPU_DTYPE_BF16 */
};
uint32_t npu_conv2d_out_h(const struct npu_conv2d_args *args);
uint32_t npu_conv2d_out_w(const struct npu_conv2d_args *args);
uint32_t npu_conv2d_im2col_bytes(const struct npu_conv2d_args *args);
uint32_t npu_conv2d_zeros_bytes(const struct npu_conv2d_args *args);
void npu_conv2d(const struct npu_conv2d_args *args, uint32_t hart, uint32_t harts);

/* One AdamW optimizer step (decoupled weight decay, as torch.optim.AdamW) over `count` parameters, streamed through
 * the vector unit: FP32 master weights w and FP32 moments m and v are updated in place, from gradients g (BF16 or
 * FP32, grad_dtype); w_bf16 (0: none) gets the updated weights rounded to BF16 (nearest, ties to even: vx.convert).
 * The scalars are FP32 bit patterns; step is the step number t >= 1 (bias correction). The control core first makes
 * these FP32 scalars, each operation rounded to FP32, in this order:
 *   p1 = beta1^t, p2 = beta2^t: p = 1, then for each bit of t from the highest set one down: p = p * p, and when
 *   the bit is set p = p * beta;
 *   c1 = 1 - beta1; c2 = 1 - beta2; r2 = 1 / (1 - p2); s = lr / (1 - p1); s = -s; decay = lr * weight_decay;
 *   decay = 1 - decay.
 * Then per element, each step one FP32 vector instruction (vx.*), so a host reference can follow it bit for bit:
 *   g = fp32(g)                       (convert; BF16 gradients only)
 *   a = g * c1;   b = m * beta1;   m = b + a                           m' = beta1 m + (1 - beta1) g
 *   a = g * c2;   a = a * g;   b = v * beta2;   v = b + a             v' = beta2 v + (1 - beta2) g g
 *   a = v * r2;   a = rsqrt(a);   a = recip(a);   a = a + eps;   a = recip(a)    1 / (sqrt(v' / (1 - p2)) + eps)
 *   a = a * m;   a = a * s;   b = w * decay;   w = b + a
 *   w_bf16 = bf16(w)
 * (rsqrt is vx.rsqrt: the square root rounded, then 1 / it; with v' = 0 it gives inf, recip 0, and the step is
 * m' / eps.) So w' = w (1 - lr wd) - lr / (1 - beta1^t) m' / (sqrt(v' / (1 - beta2^t)) + eps), PyTorch's AdamW.
 * Each hart takes a contiguous share of the parameters (a multiple of 128) and streams it in chunks through a ring
 * of three buffers in its local memories (w, m, v and g each in a bank of their own where the banks allow): the DMA
 * loads chunk i + 2 and stores chunk i - 1 while the vector unit works on chunk i. Hart h starts at chunk
 * h x chunks / harts of its share and wraps around (harts in step, their shares a power of two apart, would meet in
 * the same HBM banks: 76.8% of the peak instead of 92.0% on 64 Mi parameters). All harts call it; it returns when the
 * hart's share is done. The arrays may be anywhere the DMA reaches; 4-byte aligned. */
struct npu_adamw_args {
    uint32_t count;                /* parameters */
    uint32_t w, m, v;              /* FP32, count each, updated in place */
    uint32_t g, grad_dtype;        /* gradients: NPU_DTYPE_BF16 or NPU_DTYPE_FP32 */
    uint32_t w_bf16;               /* 0, or count BF16: the updated weights rounded */
    uint32_t lr_bits, beta1_bits, beta2_bits, eps_bits, weight_decay_bits; /* FP32 bit patterns */
    uint32_t step;                 /* t >= 1 */
};
/* The per-call FP32 scalars in the documented order (bit patterns), as the kernel makes them. */
struct npu_adamw_scalars {
    uint32_t c1, c2, r2, s, decay;
};
struct npu_adamw_scalars npu_adamw_make_scalars(const struct npu_adamw_args *args);
void npu_adamw(const struct npu_adamw_args *args, uint32_t hart, uint32_t harts);

#ifdef __cplusplus
}
#endif

#endif
