/* One decoder layer of a GPT-style model, pre-layernorm, from the SDK's kernels (see npuemu/kernels.h). Every step
 * runs on all harts and ends with a barrier, so the next sees complete inputs:
 *   norm 1 (row pass) -> QKV GEMM (epilogue: bias, q scaled, BF16) -> causal flash attention -> Wo GEMM ->
 *   h = . + bo + x (row pass) -> norm 2 (row pass) -> MLP up GEMM (epilogue: bias, GELU, BF16; or, SwiGLU: bias
 *   in FP32, then silu(gate) * up in BF16 by a row pass) -> MLP down GEMM -> out = . + b2 + h (row pass).
 * The norms are layernorm or RMS norm. A tensor-parallel rank (tp_coll) writes the Wo and MLP-down GEMMs' partial
 * sums in BF16 and all-reduces them over the chips before each residual pass (Megatron's row-parallel layers). */
#include "decoder_internal.h"
#include "kernel_common.h"
#include "npuemu/collectives.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

uint32_t decoder_qkv_width(const struct npu_decoder_args* d) { return (d->heads + 2 * d->kv_heads) * d->d_head; }

struct decoder_layout decoder_layout_of(const struct npu_decoder_args* d, int train) {
    struct decoder_layout l;
    const uint32_t L = d->seq, D = d->d_model, F = d->d_ff;
    uint32_t at = d->scratch;
#define TAKE(field, bytes)                \
    do {                                  \
        l.field = at;                     \
        at += ((bytes) + 4095u) & ~4095u; \
    } while (0)
    TAKE(ln16, L * D * 2); /* layernorm 1 (and 2 when not training) */
    TAKE(ln2_16, train ? L * D * 2 : 0);
    if (!train) l.ln2_16 = l.ln16;
    l.z32 = 0; /* training places it (decoder_train.c) */
    TAKE(qkv16, L * decoder_qkv_width(d) * 2);
    TAKE(o16, L * d->heads * d->d_head * 2);
    TAKE(a32, L * D * 4); /* the Wo GEMM's output, then the MLP down GEMM's */
    TAKE(h32, L * D * 4); /* the residual stream after attention */
    TAKE(u16, L * F * 2);
    TAKE(g32, d->swiglu ? L * 2 * F * 4 : 0);                      /* SwiGLU: the gate and up projections in FP32 */
    TAKE(qkv32, d->rotary_cos ? L * decoder_qkv_width(d) * 4 : 0); /* rotary: q, k, v in FP32 before the row pass */
    TAKE(mask, npu_flash_attention_mask_bytes());
    TAKE(a16, d->tp_coll ? L * D * 2 : 0); /* tensor parallel: the Wo and MLP-down partial sums in BF16, all-reduced */
    TAKE(row_stats, train ? 2 * d->heads * L * 4 : 0); /* training: the attention's row statistics */
    if (!train) l.row_stats = 0;
#undef TAKE
    l.end = at;
    return l;
}

uint32_t npu_decoder_scratch_bytes(const struct npu_decoder_args* d) {
    const struct decoder_layout l = decoder_layout_of(d, 0);
    return l.end - d->scratch;
}

struct decoder_gemms decoder_gemms_of(const struct npu_decoder_args* d, const struct decoder_layout* l) {
    const uint32_t L = d->seq, D = d->d_model, F = d->d_ff, W = decoder_qkv_width(d), Q = d->heads * d->d_head;
    struct decoder_gemms g;
    if (d->rotary_cos) { /* + bqkv in FP32; the rotary embedding, the scale and BF16 in a row pass */
        g.qkv = gemm_args(l->ln16, D * 2, d->wqkv, W * 2, l->qkv32, W * 4, L, W, D);
        g.qkv.bias = d->bqkv;
    } else {
        g.qkv = gemm_args(l->ln16, D * 2, d->wqkv, W * 2, 0, 0, L, W, D);
        g.qkv.bias = d->bqkv;
        g.qkv.scale_bits = float_bits(1.0f / __builtin_sqrtf((float)d->d_head));
        g.qkv.scale_cols = Q;
        g.qkv.c_bf16 = l->qkv16;
        g.qkv.ldc_bf16 = W * 2;
    }
    g.wo = gemm_args(l->o16, Q * 2, d->wo, D * 2, l->a32, D * 4, L, D, Q);
    if (d->swiglu) {
        g.up = gemm_args(l->ln2_16, D * 2, d->w1, 2 * F * 2, l->g32, 2 * F * 4, L, 2 * F, D);
        g.up.bias = d->b1;
    } else if (l->z32) { /* training: z = b W1 + b1 kept in FP32; GELU and BF16 in a row pass */
        g.up = gemm_args(l->ln2_16, D * 2, d->w1, F * 2, l->z32, F * 4, L, F, D);
        g.up.bias = d->b1;
    } else {
        g.up = gemm_args(l->ln2_16, D * 2, d->w1, F * 2, 0, 0, L, F, D);
        g.up.bias = d->b1;
        g.up.activation = NPU_ACT_GELU;
        g.up.c_bf16 = l->u16;
        g.up.ldc_bf16 = F * 2;
    }
    g.down = gemm_args(l->u16, F * 2, d->w2, D * 2, l->a32, D * 4, L, D, F);
    if (d->tp_coll) { /* the partial sums go out in BF16, as Megatron all-reduces them */
        g.wo.c = g.down.c = 0;
        g.wo.ldc = g.down.ldc = 0;
        g.wo.c_bf16 = g.down.c_bf16 = l->a16;
        g.wo.ldc_bf16 = g.down.ldc_bf16 = D * 2;
    }
    return g;
}

struct npu_flash_attention_args decoder_attention_of(const struct npu_decoder_args* d, const struct decoder_layout* l) {
    const uint32_t dh = d->d_head;
    struct npu_flash_attention_args a = {0};
    a.q = l->qkv16;
    a.k = l->qkv16 + d->heads * dh * 2;
    a.v = a.k + d->kv_heads * dh * 2;
    a.ld = decoder_qkv_width(d) * 2;
    a.seq = d->seq;
    a.heads = d->heads;
    a.kv_heads = d->kv_heads;
    a.d_head = dh;
    a.causal = 1;
    a.mask = l->mask;
    a.out = l->o16;
    a.out_ld = d->heads * dh * 2;
    a.row_stats = l->row_stats;
    return a;
}

void decoder_prepare_with(const struct npu_decoder_args* d, const struct decoder_layout* layout, uint32_t hart,
                          uint32_t harts, struct npu_decoder_plan* plan) {
    const struct decoder_layout l = *layout;
    const struct decoder_gemms g = decoder_gemms_of(d, &l);
    npu_gemm_plan(&g.qkv, harts, &plan->qkv);
    npu_gemm_plan(&g.wo, harts, &plan->wo);
    npu_gemm_plan(&g.up, harts, &plan->up);
    npu_gemm_plan(&g.down, harts, &plan->down);
    const struct npu_flash_attention_args a = decoder_attention_of(d, &l);
    npu_flash_attention_prepare(&a, hart, harts);
}

void npu_decoder_prepare(const struct npu_decoder_args* d, uint32_t hart, uint32_t harts,
                         struct npu_decoder_plan* plan) {
    const struct decoder_layout l = decoder_layout_of(d, 0);
    decoder_prepare_with(d, &l, hart, harts, plan);
}

/* The layer's norm (layernorm or RMS norm) of FP32 rows, out in BF16. */
static void normalize(const struct npu_decoder_args* d, uint32_t src, uint32_t gamma, uint32_t beta, uint32_t dst16,
                      uint32_t hart, uint32_t harts) {
    struct npu_rows_args r = rows_of(src, d->seq, d->d_model);
    r.op = d->norm == NPU_ROWS_RMSNORM ? NPU_ROWS_RMSNORM : NPU_ROWS_LAYERNORM;
    r.gamma = gamma;
    r.beta = r.op == NPU_ROWS_LAYERNORM ? beta : 0;
    r.eps_bits = d->eps_bits;
    r.dst_bf16 = dst16;
    r.dst_bf16_ld = d->d_model * 2;
    rows_all(&r, hart, harts);
}

/* dst = (src + bias) + residual: FP32 rows of d_model, the residual FP32 or BF16 (npu_rows widens it). */
static void residual(const struct npu_decoder_args* d, uint32_t src, uint32_t bias, uint32_t residual_at,
                     uint32_t dtype, uint32_t dst, uint32_t hart, uint32_t harts) {
    struct npu_rows_args r = rows_of(src, d->seq, d->d_model);
    r.bias = bias;
    r.residual = residual_at;
    r.residual_ld = d->d_model * (dtype == NPU_DTYPE_BF16 ? 2u : 4u);
    r.residual_dtype = dtype;
    r.dst_fp32 = dst;
    r.dst_fp32_ld = d->d_model * 4;
    rows_all(&r, hart, harts);
}

/* Tensor parallel: the BF16 partial sums at a16 summed over the chips. Every chip's tile `hart` meets the others
 * first: the all-reduce writes into the next chip's scratchpad, which must be past its GEMM. */
static void tp_all_reduce(const struct npu_decoder_args* d, uint32_t a16, uint32_t hart, uint32_t harts) {
    const struct npu_coll* coll = (const struct npu_coll*)(uintptr_t)d->tp_coll;
    npu_coll_barrier(coll, hart);
    npu_allreduce_ring(coll, a16, d->seq * d->d_model, NPU_DTYPE_BF16, hart, harts);
    npu_barrier();
}

static void gemm_all(const struct npu_gemm_args* g, const struct npu_gemm_plan* plan, uint32_t hart, uint32_t harts) {
    npu_gemm_planned(g, plan, hart, harts);
    npu_barrier();
}

void decoder_forward_with(const struct npu_decoder_args* d, const struct npu_decoder_plan* plan,
                          const struct decoder_layout* layout, uint32_t hart, uint32_t harts) {
    const struct decoder_layout l = *layout;
    const struct decoder_gemms g = decoder_gemms_of(d, &l);
    const struct npu_flash_attention_args a = decoder_attention_of(d, &l);
    uint64_t clock = hart == 0 && d->phase_cycles ? npu_read_mcycle() : 0;

    normalize(d, d->x, d->ln1_gamma, d->ln1_beta, l.ln16, hart, harts);
    mark_phase(d->phase_cycles, NPU_DECODER_LN1, hart, &clock);
    gemm_all(&g.qkv, &plan->qkv, hart, harts);
    if (d->rotary_cos) { /* q and k rotated, q scaled, all in BF16 */
        struct npu_rows_args r = rows_of(l.qkv32, d->seq, decoder_qkv_width(d));
        r.rotary_cos = d->rotary_cos;
        r.rotary_sin = d->rotary_sin;
        r.rotary_heads = d->heads + d->kv_heads;
        r.rotary_dim = d->d_head;
        r.scale_bits = float_bits(1.0f / __builtin_sqrtf((float)d->d_head));
        r.scale_cols = d->heads * d->d_head;
        r.dst_bf16 = l.qkv16;
        r.dst_bf16_ld = decoder_qkv_width(d) * 2;
        rows_all(&r, hart, harts);
    }
    mark_phase(d->phase_cycles, NPU_DECODER_QKV, hart, &clock);
    npu_flash_attention(&a, hart, harts);
    npu_barrier();
    mark_phase(d->phase_cycles, NPU_DECODER_ATTENTION, hart, &clock);
    gemm_all(&g.wo, &plan->wo, hart, harts);
    mark_phase(d->phase_cycles, NPU_DECODER_WO, hart, &clock);
    if (d->tp_coll) {
        tp_all_reduce(d, l.a16, hart, harts);
        mark_phase(d->phase_cycles, NPU_DECODER_TP_ALLREDUCE_ATTENTION, hart, &clock);
        residual(d, d->x, d->bo, l.a16, NPU_DTYPE_BF16, l.h32, hart, harts); /* (x + bo) + a */
    } else {
        residual(d, l.a32, d->bo, d->x, NPU_DTYPE_FP32, l.h32, hart, harts);
    }
    mark_phase(d->phase_cycles, NPU_DECODER_RESIDUAL1, hart, &clock);
    normalize(d, l.h32, d->ln2_gamma, d->ln2_beta, l.ln2_16, hart, harts);
    mark_phase(d->phase_cycles, NPU_DECODER_LN2, hart, &clock);
    gemm_all(&g.up, &plan->up, hart, harts);
    if (d->swiglu) { /* u = silu(gate) * up, in BF16 */
        struct npu_rows_args r = rows_of(l.g32, d->seq, d->d_ff);
        r.src_ld = 2 * d->d_ff * 4;
        r.activation = NPU_ACT_SILU;
        r.mul_src = l.g32 + d->d_ff * 4;
        r.mul_ld = 2 * d->d_ff * 4;
        r.dst_bf16 = l.u16;
        r.dst_bf16_ld = d->d_ff * 2;
        rows_all(&r, hart, harts);
    } else if (l.z32) { /* training: u = gelu(z) in BF16, z kept */
        struct npu_rows_args r = rows_of(l.z32, d->seq, d->d_ff);
        r.activation = NPU_ACT_GELU;
        r.dst_bf16 = l.u16;
        r.dst_bf16_ld = d->d_ff * 2;
        rows_all(&r, hart, harts);
    }
    mark_phase(d->phase_cycles, NPU_DECODER_MLP_UP, hart, &clock);
    gemm_all(&g.down, &plan->down, hart, harts);
    mark_phase(d->phase_cycles, NPU_DECODER_MLP_DOWN, hart, &clock);
    if (d->tp_coll) {
        tp_all_reduce(d, l.a16, hart, harts);
        mark_phase(d->phase_cycles, NPU_DECODER_TP_ALLREDUCE_MLP, hart, &clock);
        residual(d, l.h32, d->b2, l.a16, NPU_DTYPE_BF16, d->out, hart, harts);
    } else {
        residual(d, l.a32, d->b2, l.h32, NPU_DTYPE_FP32, d->out, hart, harts);
    }
    mark_phase(d->phase_cycles, NPU_DECODER_RESIDUAL2, hart, &clock);
}

void npu_decoder_layer(const struct npu_decoder_args* d, const struct npu_decoder_plan* plan, uint32_t hart,
                       uint32_t harts) {
    const struct decoder_layout l = decoder_layout_of(d, 0);
    decoder_forward_with(d, plan, &l, hart, harts);
}
