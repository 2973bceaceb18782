/* Forward and backward of one GPT- or Llama-style decoder layer for training (see npuemu/kernels.h for the steps).
 * The forward is decoder.c's over a layout that keeps the activations the backward reads; the backward chains the
 * GEMMs (dX with B transposed, dW with A transposed), npu_rows_backward (the activation's and the norms' backward,
 * six of the eight bias and norm gradients made in its passes), npu_attention_backward, npu_rows (dq's scale, and
 * with rotary embeddings the inverse rotation of dq and dk) and npu_column_sums, each step on all harts and ending in
 * a barrier. Its buffers follow the forward's in the scratch; a buffer whose contents are dead is reused where that
 * keeps a GPT-3 175B rank's layer at seq 2048 inside a 2 GiB window:
 *   mlp32: z | du (then dz); SwiGLU: du, then [dgate | dup] in BF16 (the forward's g32 keeps [gate | up]);
 *   g16: dout16, then dh16, beside the attention backward's scratch (mask first, kept from prepare);
 *   the forward's a32 (GEMM outputs): db, then da; u16: dz16 once dW2 is made (GELU);
 *   rotary: the forward's FP32 q k v (qkv32): d[q|k|v] from the attention backward. */
#include "decoder_internal.h"
#include "kernel_common.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

struct train_layout {
    struct decoder_layout f;
    uint32_t mlp32, z32, du32;
    uint32_t dz16; /* the MLP up's gradient in BF16: GELU over u16, SwiGLU ([dgate | dup], 2 d_ff) over du32 */
    uint32_t attention, g16; /* attention backward's scratch; g16 past its mask */
    uint32_t dh32, do16, dqkv32, dqkv16, partials;
    uint32_t neg_sin; /* rotary: -sin, so that npu_rows' rotation by it is the inverse rotation */
    uint32_t end;
};

static uint32_t round_4k(uint32_t bytes) { return (bytes + 4095u) & ~4095u; }
static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

static struct npu_attention_backward_args train_attention_of(const struct npu_decoder_args* d,
                                                             const struct train_layout* l) {
    const uint32_t W = decoder_qkv_width(d), Q = d->heads * d->d_head;
    const struct npu_attention_backward_args a = {.qkv = l->f.qkv16,
                                                  .ld = W * 2,
                                                  .seq = d->seq,
                                                  .heads = d->heads,
                                                  .kv_heads = d->kv_heads,
                                                  .d_head = d->d_head,
                                                  .d_out = l->do16,
                                                  .d_out_ld = Q * 2,
                                                  .out = l->f.o16,
                                                  .out_ld = Q * 2,
                                                  .row_stats = l->f.row_stats,
                                                  .d_qkv = l->dqkv32,
                                                  .d_qkv_ld = W * 4,
                                                  .scratch = l->attention};
    return a;
}

static struct train_layout train_layout_of(const struct npu_decoder_args* d) {
    struct train_layout l;
    const uint32_t L = d->seq, D = d->d_model, F = d->d_ff, W = decoder_qkv_width(d), Q = d->heads * d->d_head;
    const uint32_t F1 = d->swiglu ? 2 * F : F;
    l.f = decoder_layout_of(d, 1);
    uint32_t at = l.f.end;
    /* GELU: the forward's z32 in mlp32, du beside it (dz16 over u16). SwiGLU: the forward keeps [gate | up] in its
     * g32; du alone, then [dgate | dup] in BF16 over it (the same bytes per row). */
    l.mlp32 = at;
    l.z32 = d->swiglu ? 0 : at;
    l.du32 = d->swiglu ? at : at + round_4k(L * F * 4);
    l.dz16 = d->swiglu ? l.du32 : l.f.u16;
    at += (d->swiglu ? 1 : 2) * round_4k(L * F * 4);
    l.f.z32 = l.z32;
    l.attention = at;
    const uint32_t kept = round_4k(npu_attention_backward_mask_bytes());
    l.g16 = at + kept;
    {
        const struct npu_attention_backward_args a = {
            .seq = L, .heads = d->heads, .kv_heads = d->kv_heads, .d_head = d->d_head, .scratch = at};
        at += max_u32(round_4k(npu_attention_backward_scratch_bytes(&a)), kept + round_4k(L * D * 2));
    }
    l.dh32 = at;
    at += round_4k(L * D * 4);
    l.do16 = at;
    at += round_4k(L * Q * 2);
    if (d->rotary_cos) { /* the forward's FP32 q k v, dead after its rotary pass */
        l.dqkv32 = l.f.qkv32;
    } else {
        l.dqkv32 = at;
        at += round_4k(L * W * 4);
    }
    l.dqkv16 = at;
    at += round_4k(L * W * 2);
    l.partials = at;
    at += round_4k(3 * NPUEMU_MAX_TILES * max_u32(max_u32(D, F1), W) * 4); /* three sums' partials at once */
    l.neg_sin = d->rotary_cos ? at : 0;
    at += d->rotary_cos ? round_4k(L * d->d_head / 2 * 4) : 0;
    l.end = at;
    return l;
}

uint32_t npu_decoder_train_unsupported(const struct npu_decoder_args* d) {
    if (d->norm != 0 && d->norm != NPU_ROWS_RMSNORM) return 1;
    /* 2, 3 and 4 (swiglu, rotary_cos, kv_heads) are no longer refused: their backward is here. */
    if (d->tp_coll) return 5;
    return 0;
}

uint32_t npu_decoder_train_scratch_bytes(const struct npu_decoder_args* d) {
    return train_layout_of(d).end - d->scratch;
}

/* The backward's eight GEMMs. */
struct train_gemms {
    struct npu_gemm_args d_down, w_down, d_up, w_up, d_wo, w_wo, d_qkv, w_qkv;
};

/* dW (k_rows x n, BF16) = X^T dY: X stored seq x k_rows (A transposed), dY seq x n. */
static struct npu_gemm_args weight_gradient(uint32_t x16, uint32_t k_rows, uint32_t dy16, uint32_t n, uint32_t seq,
                                            uint32_t dw) {
    struct npu_gemm_args g = gemm_args(x16, k_rows * 2, dy16, n * 2, 0, 0, k_rows, n, seq);
    g.a_transposed = 1;
    g.c_bf16 = dw;
    g.ldc_bf16 = n * 2;
    return g;
}

/* dX (seq x k_rows, FP32) = dY W^T: W stored k_rows x n (B transposed). */
static struct npu_gemm_args data_gradient(uint32_t dy16, uint32_t n, uint32_t w, uint32_t k_rows, uint32_t seq,
                                          uint32_t dx32) {
    struct npu_gemm_args g = gemm_args(dy16, n * 2, w, n * 2, dx32, k_rows * 4, seq, k_rows, n);
    g.b_transposed = 1;
    return g;
}

static struct train_gemms train_gemms_of(const struct npu_decoder_train_args* t, const struct train_layout* l) {
    const struct npu_decoder_args* d = &t->layer;
    const uint32_t L = d->seq, D = d->d_model, F = d->d_ff, W = decoder_qkv_width(d), Q = d->heads * d->d_head;
    const uint32_t F1 = d->swiglu ? 2 * F : F;
    struct train_gemms g;
    g.w_down = weight_gradient(l->f.u16, F, l->g16, D, L, t->d_w2);
    g.d_down = data_gradient(l->g16, D, d->w2, F, L, l->du32);
    g.w_up = weight_gradient(l->f.ln2_16, D, l->dz16, F1, L, t->d_w1);
    g.d_up = data_gradient(l->dz16, F1, d->w1, D, L, l->f.a32);
    g.w_wo = weight_gradient(l->f.o16, Q, l->g16, D, L, t->d_wo); /* dh16 in g16 */
    g.d_wo = data_gradient(l->g16, D, d->wo, Q, L, 0);
    g.d_wo.c_bf16 = l->do16;
    g.d_wo.ldc_bf16 = Q * 2;
    g.w_qkv = weight_gradient(l->f.ln16, D, l->dqkv16, W, L, t->d_wqkv);
    g.d_qkv = data_gradient(l->dqkv16, W, d->wqkv, D, L, l->f.a32);
    return g;
}

void npu_decoder_train_prepare(const struct npu_decoder_train_args* t, uint32_t hart, uint32_t harts,
                               struct npu_decoder_train_plan* plan) {
    const struct train_layout l = train_layout_of(&t->layer);
    decoder_prepare_with(&t->layer, &l.f, hart, harts, &plan->forward);
    const struct train_gemms g = train_gemms_of(t, &l);
    npu_gemm_plan(&g.d_down, harts, &plan->d_down);
    npu_gemm_plan(&g.w_down, harts, &plan->w_down);
    npu_gemm_plan(&g.d_up, harts, &plan->d_up);
    npu_gemm_plan(&g.w_up, harts, &plan->w_up);
    npu_gemm_plan(&g.d_wo, harts, &plan->d_wo);
    npu_gemm_plan(&g.w_wo, harts, &plan->w_wo);
    npu_gemm_plan(&g.d_qkv, harts, &plan->d_qkv);
    npu_gemm_plan(&g.w_qkv, harts, &plan->w_qkv);
    const struct npu_attention_backward_args a = train_attention_of(&t->layer, &l);
    npu_attention_backward_prepare(&a, hart, harts);
}

/* Two GEMMs that read the same gradient, then a barrier. */
static void train_gemm_pair(const struct npu_gemm_args* a, const struct npu_gemm_plan* pa,
                            const struct npu_gemm_args* b, const struct npu_gemm_plan* pb, uint32_t hart,
                            uint32_t harts) {
    npu_gemm_planned(a, pa, hart, harts);
    npu_gemm_planned(b, pb, hart, harts);
    npu_barrier();
}

static void train_column_sums(uint32_t src, uint32_t rows, uint32_t cols, uint32_t dst, const struct train_layout* l,
                              uint32_t hart, uint32_t harts) {
    if (!dst) return; /* a bias the caller keeps no gradient of */
    const struct npu_column_sums_args c = {src, rows, cols, dst, l->partials};
    npu_column_sums(&c, hart, harts);
    npu_barrier(); /* the partials are reused by the next sum */
}

/* The layer's norm's backward (layernorm or RMS norm) with the residual branch's gradient added, dx FP32 (and BF16
 * to dx16 unless 0), with dgamma, dbeta (layernorm) and (unless 0) the sum of dx as column sums in the same pass. */
static void norm_backward(const struct npu_decoder_args* d, uint32_t x, uint32_t dy, uint32_t gamma, uint32_t residual,
                          uint32_t dx, uint32_t dx16, uint32_t d_gamma, uint32_t d_beta, uint32_t sum_dx,
                          const struct train_layout* l, uint32_t hart, uint32_t harts) {
    const int rms = d->norm == NPU_ROWS_RMSNORM;
    const struct npu_rows_backward_args r = {rms ? NPU_BACKWARD_RMSNORM : NPU_BACKWARD_LAYERNORM,
                                             x,
                                             dy,
                                             d->seq,
                                             d->d_model,
                                             gamma,
                                             d->eps_bits,
                                             residual,
                                             dx,
                                             dx16,
                                             0,
                                             rms ? 0 : d_beta,
                                             d_gamma,
                                             sum_dx,
                                             l->partials};
    npu_rows_backward(&r, hart, harts);
    npu_barrier();
}

static void train_backward(const struct npu_decoder_train_args* t, const struct npu_decoder_train_plan* plan,
                           const struct train_layout* l, uint32_t hart, uint32_t harts) {
    const struct npu_decoder_args* d = &t->layer;
    const uint32_t L = d->seq, D = d->d_model, W = decoder_qkv_width(d), Q = d->heads * d->d_head;
    const struct train_gemms g = train_gemms_of(t, l);
    const uint32_t phases = t->phase_cycles;
    uint64_t clock = hart == 0 && phases ? npu_read_mcycle() : 0;
#define PHASE(name) mark_phase(phases, name, hart, &clock)

    struct npu_rows_args r;
    if (d->rotary_cos) { /* -sin for the inverse rotation (exact: a sign) */
        r = rows_of(d->rotary_sin, L, d->d_head / 2);
        r.scale_bits = float_bits(-1.0f);
        r.scale_cols = d->d_head / 2;
        r.dst_fp32 = l->neg_sin;
        r.dst_fp32_ld = d->d_head / 2 * 4;
        npu_rows(&r, hart, harts); /* read after the attention backward's barriers */
    }
    /* MLP down: dout16, then dW2 and du. */
    r = rows_of(t->d_out, L, D);
    r.dst_bf16 = l->g16;
    r.dst_bf16_ld = D * 2;
    rows_all(&r, hart, harts);
    train_gemm_pair(&g.w_down, &plan->w_down, &g.d_down, &plan->d_down, hart, harts);
    PHASE(NPU_TRAIN_MLP_DOWN);
    train_column_sums(t->d_out, L, D, t->d_b2, l, hart, harts);
    PHASE(NPU_TRAIN_COLUMN_SUMS);
    /* GELU: dz (FP32 over du, BF16 over u), db1 its column sums. SwiGLU: [dgate | dup] in BF16 over du (its FP32
     * rows only summed into db1). */
    const struct npu_rows_backward_args act = {.op = d->swiglu ? NPU_BACKWARD_SWIGLU : NPU_BACKWARD_GELU,
                                               .x = d->swiglu ? l->f.g32 : l->z32,
                                               .dy = l->du32,
                                               .rows = L,
                                               .cols = d->d_ff,
                                               .dx = d->swiglu ? 0 : l->du32,
                                               .dx_bf16 = l->dz16,
                                               .sum_dx = t->d_b1,
                                               .sum_partials = l->partials};
    npu_rows_backward(&act, hart, harts);
    npu_barrier();
    PHASE(NPU_TRAIN_GELU);
    /* MLP up: dW1 and db (into a32). */
    train_gemm_pair(&g.w_up, &plan->w_up, &g.d_up, &plan->d_up, hart, harts);
    PHASE(NPU_TRAIN_MLP_UP);
    /* Norm 2: dh = its backward + d_out (the residual). */
    norm_backward(d, l->f.h32, l->f.a32, d->ln2_gamma, t->d_out, l->dh32, l->g16, t->d_ln2_gamma, t->d_ln2_beta,
                  t->d_bo, l, hart, harts);
    PHASE(NPU_TRAIN_LN2);
    /* Wo: dWo and do16. */
    train_gemm_pair(&g.w_wo, &plan->w_wo, &g.d_wo, &plan->d_wo, hart, harts);
    PHASE(NPU_TRAIN_WO);
    const struct npu_attention_backward_args a = train_attention_of(d, l);
    npu_attention_backward(&a, hart, harts);
    PHASE(NPU_TRAIN_ATTENTION);
    /* QKV: dq scaled as q was (FP32 in place, and BF16), after the inverse rotation of dq and dk with rotary
     * embeddings (npu_rows' rotation by -sin), dWqkv and da (into a32). */
    r = rows_of(l->dqkv32, L, W);
    if (d->rotary_cos) {
        r.rotary_cos = d->rotary_cos;
        r.rotary_sin = l->neg_sin;
        r.rotary_heads = d->heads + d->kv_heads;
        r.rotary_dim = d->d_head;
    }
    r.scale_bits = float_bits(1.0f / __builtin_sqrtf((float)d->d_head));
    r.scale_cols = Q;
    r.dst_fp32 = l->dqkv32;
    r.dst_fp32_ld = W * 4;
    r.dst_bf16 = l->dqkv16;
    r.dst_bf16_ld = W * 2;
    rows_all(&r, hart, harts);
    train_gemm_pair(&g.w_qkv, &plan->w_qkv, &g.d_qkv, &plan->d_qkv, hart, harts);
    PHASE(NPU_TRAIN_QKV);
    train_column_sums(l->dqkv32, L, W, t->d_bqkv, l, hart, harts);
    PHASE(NPU_TRAIN_COLUMN_SUMS);
    /* Norm 1: dx = its backward + dh. */
    norm_backward(d, d->x, l->f.a32, d->ln1_gamma, l->dh32, t->d_x, 0, t->d_ln1_gamma, t->d_ln1_beta, 0, l, hart,
                  harts);
    PHASE(NPU_TRAIN_LN1);
#undef PHASE
}

void npu_decoder_train(const struct npu_decoder_train_args* t, const struct npu_decoder_train_plan* plan, uint32_t hart,
                       uint32_t harts) {
    if (npu_decoder_train_unsupported(&t->layer)) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP);
    const struct train_layout l = train_layout_of(&t->layer);
    decoder_forward_with(&t->layer, &plan->forward, &l.f, hart, harts);
    train_backward(t, plan, &l, hart, harts);
}
