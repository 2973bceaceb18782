/* One transformer encoder layer from GEMMs and row passes (see npuemu/kernels.h). The projections and the FFN run
 * on all harts and end with a barrier, so the next step sees complete inputs. Attention gives each head to one hart
 * (heads are independent; a head's GEMMs are too small to spread well): S = Q_h K_h^T uses the GEMM's transposed-B
 * mode (K_h is read as it lies in qkv), softmax rows, then O_h = P V_h into O's columns. */
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

struct layout {
    uint32_t qkv32, qkv16, s32, p16, o32, o16, a32, y32, y16, h32, h16, f32, end;
};

static struct layout make_layout(const struct npu_transformer_args *t) {
    struct layout l;
    const uint32_t L = t->seq, D = t->d_model, F = t->d_ff;
    uint32_t at = t->scratch;
#define TAKE(field, bytes) do { l.field = at; at += ((bytes) + 255u) & ~255u; } while (0)
    TAKE(qkv32, L * 3 * D * 4);
    TAKE(qkv16, L * 3 * D * 2);
    TAKE(s32, t->heads * L * L * 4);  /* one S and P per head: heads run in parallel */
    TAKE(p16, t->heads * L * L * 2);
    TAKE(o32, L * D * 4);
    TAKE(o16, L * D * 2);
    TAKE(a32, L * D * 4);
    TAKE(y32, L * D * 4);
    TAKE(y16, L * D * 2);
    TAKE(h32, L * F * 4);
    TAKE(h16, L * F * 2);
    TAKE(f32, L * D * 4);
#undef TAKE
    l.end = at;
    return l;
}

uint32_t npu_transformer_scratch_bytes(const struct npu_transformer_args *t) {
    const struct layout l = make_layout(t);
    return l.end - t->scratch;
}

static void gemm(uint32_t a, uint32_t lda, uint32_t b, uint32_t ldb, int b_transposed, uint32_t c, uint32_t ldc,
                 uint32_t m, uint32_t n, uint32_t k, uint32_t hart, uint32_t harts) {
    const struct npu_gemm_args g = {a, b, c, m, n, k, lda, ldb, ldc, NPU_DTYPE_BF16, (uint32_t)b_transposed};
    npu_gemm(&g, hart, harts);
    npu_barrier();
}

static struct npu_rows_args rows_of(uint32_t src, uint32_t rows, uint32_t cols) {
    struct npu_rows_args r = {0};
    r.src = src;
    r.src_ld = cols * 4;
    r.rows = rows;
    r.cols = cols;
    return r;
}

static void rows(const struct npu_rows_args *r, uint32_t hart, uint32_t harts) {
    npu_rows(r, hart, harts);
    npu_barrier();
}

static uint32_t float_bits(float value) {
    union { float f; uint32_t u; } v = {value};
    return v.u;
}

void npu_transformer_block(const struct npu_transformer_args *t, uint32_t hart, uint32_t harts) {
    const struct layout l = make_layout(t);
    const uint32_t L = t->seq, D = t->d_model, F = t->d_ff, dh = D / t->heads;

    /* qkv = x Wqkv + bqkv, q scaled by 1/sqrt(d_head); BF16 copy for the attention GEMMs. */
    gemm(t->x, D * 2, t->wqkv, 3 * D * 2, 0, l.qkv32, 3 * D * 4, L, 3 * D, D, hart, harts);
    struct npu_rows_args r = rows_of(l.qkv32, L, 3 * D);
    r.bias = t->bqkv;
    r.scale_bits = float_bits(1.0f / __builtin_sqrtf((float)dh));
    r.scale_cols = D;
    r.dst_bf16 = l.qkv16;
    r.dst_bf16_ld = 3 * D * 2;
    rows(&r, hart, harts);

    for (uint32_t h = hart; h < t->heads; h += harts) {
        const uint32_t q = l.qkv16 + h * dh * 2, k = l.qkv16 + (D + h * dh) * 2, v = l.qkv16 + (2 * D + h * dh) * 2;
        const uint32_t s32 = l.s32 + h * L * L * 4, p16 = l.p16 + h * L * L * 2;
        const struct npu_gemm_args scores = {q, k, s32, L, L, dh, 3 * D * 2, 3 * D * 2, L * 4, NPU_DTYPE_BF16, 1};
        npu_gemm(&scores, 0, 1);
        r = rows_of(s32, L, L);
        r.op = NPU_ROWS_SOFTMAX;
        r.dst_bf16 = p16;
        r.dst_bf16_ld = L * 2;
        npu_rows(&r, 0, 1);
        const struct npu_gemm_args context = {p16, v, l.o32 + h * dh * 4, L, dh, L, L * 2, 3 * D * 2, D * 4,
                                              NPU_DTYPE_BF16, 0};
        npu_gemm(&context, 0, 1);
    }
    npu_barrier();
    r = rows_of(l.o32, L, D);
    r.dst_bf16 = l.o16;
    r.dst_bf16_ld = D * 2;
    rows(&r, hart, harts);

    /* y = layernorm1(o Wo + bo + x) */
    gemm(l.o16, D * 2, t->wo, D * 2, 0, l.a32, D * 4, L, D, D, hart, harts);
    r = rows_of(l.a32, L, D);
    r.bias = t->bo;
    r.residual = t->x;
    r.residual_ld = D * 2;
    r.residual_dtype = NPU_DTYPE_BF16;
    r.op = NPU_ROWS_LAYERNORM;
    r.gamma = t->gamma1;
    r.beta = t->beta1;
    r.eps_bits = t->eps_bits;
    r.dst_fp32 = l.y32;
    r.dst_fp32_ld = D * 4;
    r.dst_bf16 = l.y16;
    r.dst_bf16_ld = D * 2;
    rows(&r, hart, harts);

    /* out = layernorm2(gelu(y W1 + b1) W2 + b2 + y) */
    gemm(l.y16, D * 2, t->w1, F * 2, 0, l.h32, F * 4, L, F, D, hart, harts);
    r = rows_of(l.h32, L, F);
    r.bias = t->b1;
    r.activation = NPU_ACT_GELU;
    r.dst_bf16 = l.h16;
    r.dst_bf16_ld = F * 2;
    rows(&r, hart, harts);
    gemm(l.h16, F * 2, t->w2, D * 2, 0, l.f32, D * 4, L, D, F, hart, harts);
    r = rows_of(l.f32, L, D);
    r.bias = t->b2;
    r.residual = l.y32;
    r.residual_ld = D * 4;
    r.residual_dtype = NPU_DTYPE_FP32;
    r.op = NPU_ROWS_LAYERNORM;
    r.gamma = t->gamma2;
    r.beta = t->beta2;
    r.eps_bits = t->eps_bits;
    r.dst_fp32 = t->out;
    r.dst_fp32_ld = D * 4;
    rows(&r, hart, harts);
}
