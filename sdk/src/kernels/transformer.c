/* One transformer encoder layer from GEMMs and row passes (see npuemu/kernels.h). The projections and the FFN run
 * on all harts and end with a barrier, so the next step sees complete inputs. Attention runs on all harts too, with
 * the scores kept on chip (npu_attention); when a head's K and V do not fit a tile, each head goes to one hart
 * through global memory: S = Q_h K_h^T (the GEMM's transposed-B mode reads K_h as it lies in
 * qkv), softmax rows, then O_h = P V_h into O's columns. The arithmetic is the same either way. */
#include "kernel_common.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

struct layout {
    uint32_t qkv16, s32, p16, o32, o16, a32, y32, y16, h16, f32, end;
};

static struct layout make_layout(const struct npu_transformer_args* t) {
    struct layout l;
    const uint32_t L = t->seq, D = t->d_model, F = t->d_ff;
    uint32_t at = t->scratch;
#define TAKE(field, bytes)              \
    do {                                \
        l.field = at;                   \
        at += ((bytes) + 255u) & ~255u; \
    } while (0)
    TAKE(qkv16, L * 3 * D * 2);
    TAKE(s32, t->heads * L * L * 4); /* one S and P per head: heads run in parallel */
    TAKE(p16, t->heads * L * L * 2);
    TAKE(o32, L * D * 4);
    TAKE(o16, L * D * 2);
    TAKE(a32, L * D * 4);
    TAKE(y32, L * D * 4);
    TAKE(y16, L * D * 2);
    TAKE(h16, L * F * 2);
    TAKE(f32, L * D * 4 * NPU_TRANSFORMER_MAX_SPLITS); /* FFN2's partial products */
#undef TAKE
    l.end = at;
    return l;
}

uint32_t npu_transformer_scratch_bytes(const struct npu_transformer_args* t) {
    const struct layout l = make_layout(t);
    return l.end - t->scratch;
}

/* The layer's four projections, with any addresses (plans depend on the shapes only). */
struct projections {
    struct npu_gemm_args qkv, wo, ffn1, ffn2[NPU_TRANSFORMER_MAX_SPLITS];
    uint32_t splits; /* FFN2's k splits that are not empty */
};

/* FP32 1 / sqrt(d_head): q's scale. */
static uint32_t qkv_scale_of(const struct npu_transformer_args* t) {
    return float_bits(1.0f / __builtin_sqrtf((float)(t->d_model / t->heads)));
}

/* The layer's projections into *p (filled in place: returned by value, the 600-byte struct was copied word by word
 * on the control core at the start of every layer). */
static void projections_of(const struct npu_transformer_args* t, const struct layout* l, uint32_t qkv_scale_bits,
                           struct projections* p) {
    const uint32_t L = t->seq, D = t->d_model, F = t->d_ff;
    /* qkv = x Wqkv + bqkv, q scaled by 1/sqrt(d_head), to BF16: the GEMM's epilogue. */
    p->qkv = gemm_args(t->x, D * 2, t->wqkv, 3 * D * 2, 0, 0, L, 3 * D, D);
    p->qkv.bias = t->bqkv;
    p->qkv.scale_bits = qkv_scale_bits;
    p->qkv.scale_cols = D;
    p->qkv.c_bf16 = l->qkv16;
    p->qkv.ldc_bf16 = 3 * D * 2;
    p->wo = gemm_args(l->o16, D * 2, t->wo, D * 2, l->a32, D * 4, L, D, D);
    /* h = gelu(y W1 + b1) in BF16: the GEMM's epilogue. */
    p->ffn1 = gemm_args(l->y16, D * 2, t->w1, F * 2, 0, 0, L, F, D);
    p->ffn1.bias = t->b1;
    p->ffn1.activation = NPU_ACT_GELU;
    p->ffn1.c_bf16 = l->h16;
    p->ffn1.ldc_bf16 = F * 2;
    /* FFN2 as `splits` partial products over ranges of k (npu_transformer_args.ffn2_k_splits). */
    const uint32_t rows = npu_read_geometry().rows, chunks = (F + rows - 1) / rows;
    const uint32_t wanted = t->ffn2_k_splits > 1 ? min_u32(t->ffn2_k_splits, NPU_TRANSFORMER_MAX_SPLITS) : 1;
    const uint32_t part = (chunks + wanted - 1) / wanted * rows;
    p->splits = (F + part - 1) / part;
    for (uint32_t s = 0; s < p->splits; ++s) {
        const uint32_t k0 = s * part;
        p->ffn2[s] = gemm_args(l->h16 + k0 * 2, F * 2, t->w2 + k0 * D * 2, D * 2, l->f32 + s * L * D * 4, D * 4, L, D,
                               min_u32(part, F - k0));
    }
}

/* Which harts compute FFN2's split s: with at least as many harts as splits, the harts h with h % splits == s (ids
 * h / splits among them); with fewer, hart s % harts alone. `member` says whether `hart` is one of them. */
struct split_group {
    int member;
    uint32_t id, harts;
};

static struct split_group split_group_of(uint32_t s, uint32_t splits, uint32_t hart, uint32_t harts) {
    struct split_group g;
    if (harts >= splits) {
        g.member = hart % splits == s;
        g.id = hart / splits;
        g.harts = (harts - s + splits - 1) / splits;
    } else {
        g.member = hart == s % harts;
        g.id = 0;
        g.harts = 1;
    }
    return g;
}

/* y = layernorm1(a + bo + x): FP32 and BF16 out. */
static struct npu_rows_args layernorm1_of(const struct npu_transformer_args* t, const struct layout* l) {
    const uint32_t D = t->d_model;
    struct npu_rows_args r = rows_of(l->a32, t->seq, D);
    r.bias = t->bo;
    r.residual = t->x;
    r.residual_ld = D * 2;
    r.residual_dtype = NPU_DTYPE_BF16;
    r.op = NPU_ROWS_LAYERNORM;
    r.gamma = t->gamma1;
    r.beta = t->beta1;
    r.eps_bits = t->eps_bits;
    r.dst_fp32 = l->y32;
    r.dst_fp32_ld = D * 4;
    r.dst_bf16 = l->y16;
    r.dst_bf16_ld = D * 2;
    return r;
}

/* out = layernorm2(FFN2's partial products, added in order, + b2 + y). */
static struct npu_rows_args layernorm2_of(const struct npu_transformer_args* t, const struct layout* l,
                                          uint32_t splits) {
    const uint32_t L = t->seq, D = t->d_model;
    struct npu_rows_args r = rows_of(l->f32, L, D);
    r.src_more = l->f32 + L * D * 4;
    r.src_more_count = splits - 1;
    r.src_more_stride = L * D * 4;
    r.bias = t->b2;
    r.residual = l->y32;
    r.residual_ld = D * 4;
    r.residual_dtype = NPU_DTYPE_FP32;
    r.op = NPU_ROWS_LAYERNORM;
    r.gamma = t->gamma2;
    r.beta = t->beta2;
    r.eps_bits = t->eps_bits;
    r.dst_fp32 = t->out;
    r.dst_fp32_ld = D * 4;
    return r;
}

/* A layernorm pass on all harts with its plan (0: plan on the way), then a barrier. */
static void layernorm(const struct npu_rows_args* r, const struct npu_rows_plan* plan, uint32_t hart, uint32_t harts) {
    if (plan) {
        npu_rows_planned(r, plan, hart, harts);
        npu_barrier();
    } else {
        rows_all(r, hart, harts);
    }
}

/* The fused attention's arguments for the layer (q, k and v the three parts of qkv16). */
static struct npu_attention_args attention_of(const struct npu_transformer_args* t, const struct layout* l) {
    const uint32_t D = t->d_model;
    const struct npu_attention_args att = {
        l->qkv16, l->qkv16 + D * 2, l->qkv16 + 2 * D * 2, 3 * D * 2, t->seq, t->heads, D / t->heads, l->o16, D * 2};
    return att;
}

/* Doorbells on this semaphore: a block of Wo's or FFN2's rows has landed in this tile's accumulator (no kernel that
 * runs beside those GEMMs or the layernorms uses it). */
enum { FLAG_ROWS_LANDED = 30 };

static uint32_t row_share(const struct npu_transformer_args* t, uint32_t harts) { return (t->seq + harts - 1) / harts; }

/* The layernorm reads its rows where Wo or FFN2 left them (plan->landing): `sources` matrices of the hart's share,
 * one after the other. */
static void land_rows(struct npu_rows_args* r, uint32_t landing, uint32_t share, uint32_t sources) {
    const uint32_t bytes = share * r->cols * 4;
    r->src = landing;
    r->src_more = sources > 1 ? landing + bytes : 0;
    r->src_more_stride = sources > 1 ? bytes : 0;
    r->src_local = 1;
    r->src_ready_flag = FLAG_ROWS_LANDED;
}

/* Wo or FFN2 with its rows spread over the tiles: hart h's share to its accumulator at `landing`. */
static void spread_rows(struct npu_gemm_args* g, uint32_t landing, uint32_t share) {
    g->c = landing;
    g->c_tile_rows = share;
    g->c_tile_flag = FLAG_ROWS_LANDED;
}

/* How many of a GEMM's blocks hold rows of [first, end): the doorbells a layernorm on those rows waits for. */
static uint32_t blocks_over_rows(const struct npu_gemm_plan* p, uint32_t first, uint32_t end) {
    if (end <= first) return 0;
    return p->blocks_n * ((end - 1) / p->bm - first / p->bm + 1);
}

/* The end of a GEMM plan's accumulator buffers, and of a layernorm's (x and its further sources in place). */
static uint32_t gemm_acc_end(const struct npu_gemm_plan* p) {
    return (p->acc[0] > p->acc[1] ? p->acc[0] : p->acc[1]) + p->bm * p->bn * 4;
}

static uint32_t rows_acc_end(const struct npu_rows_plan* p, uint32_t cols) {
    const uint32_t t0 = p->buffer[0].t, t1 = p->buffer[1].t;
    return (t0 > t1 ? t0 : t1) + p->chunk * cols * 4;
}

/* plan->landing where the landed rows fit in the accumulator above Wo's, FFN2's and the layernorms' buffers (the
 * layernorms planned for their rows in place), else 0 and the layernorms planned to load their rows. */
static void plan_landing(const struct npu_transformer_args* t, const struct layout* l, const struct projections* p,
                         uint32_t harts, struct npu_transformer_plan* plan) {
    const struct npu_geometry geo = npu_read_geometry();
    const uint32_t share = row_share(t, harts), bytes = p->splits * share * t->d_model * 4;
    struct npu_rows_args ln1 = layernorm1_of(t, l), ln2 = layernorm2_of(t, l, p->splits);
    plan->landing = 0;
    if (bytes <= geo.accumulator_bytes) {
        const uint32_t landing = (NPUEMU_ACCUMULATOR_BASE + geo.accumulator_bytes - bytes) & ~255u;
        struct npu_rows_args local1 = ln1, local2 = ln2;
        land_rows(&local1, landing, share, 1);
        land_rows(&local2, landing, share, p->splits);
        npu_rows_prepare(&local1, harts, &plan->ln1);
        npu_rows_prepare(&local2, harts, &plan->ln2);
        uint32_t end = gemm_acc_end(&plan->wo);
        for (uint32_t s = 0; s < p->splits; ++s) {
            const uint32_t e = gemm_acc_end(&plan->ffn2[s]);
            end = e > end ? e : end;
        }
        const uint32_t e1 = rows_acc_end(&plan->ln1, t->d_model), e2 = rows_acc_end(&plan->ln2, t->d_model);
        end = e1 > end ? e1 : end;
        end = e2 > end ? e2 : end;
        if (end <= landing) {
            plan->landing = landing;
            return;
        }
    }
    npu_rows_prepare(&ln1, harts, &plan->ln1);
    npu_rows_prepare(&ln2, harts, &plan->ln2);
}

void npu_transformer_prepare(const struct npu_transformer_args* t, uint32_t harts, struct npu_transformer_plan* plan) {
    const struct layout l = make_layout(t);
    plan->qkv_scale_bits = qkv_scale_of(t);
    struct projections p;
    projections_of(t, &l, plan->qkv_scale_bits, &p);
    const struct npu_attention_args att = attention_of(t, &l);
    npu_attention_prepare(&att, &plan->attention);
    npu_gemm_plan(&p.qkv, harts, &plan->qkv);
    npu_gemm_plan(&p.wo, harts, &plan->wo);
    npu_gemm_plan(&p.ffn1, harts, &plan->ffn1);
    for (uint32_t s = 0; s < p.splits; ++s) {
        const struct split_group group = split_group_of(s, p.splits, 0, harts);
        npu_gemm_plan(&p.ffn2[s], group.harts, &plan->ffn2[s]);
    }
    plan_landing(t, &l, &p, harts, plan);
}

static void gemm(const struct npu_gemm_args* g, const struct npu_gemm_plan* plan, uint32_t hart, uint32_t harts) {
    if (plan)
        npu_gemm_planned(g, plan, hart, harts);
    else
        npu_gemm(g, hart, harts);
    npu_barrier();
}

/* Attention through global memory, a head per hart (when one head's K and V do not fit a tile's scratchpad): S to
 * global memory, softmax rows, P V into O's columns (FP32), then O in BF16. */
static void attention_unfused(const struct npu_transformer_args* t, const struct layout* l, uint32_t hart,
                              uint32_t harts) {
    const uint32_t L = t->seq, D = t->d_model, dh = D / t->heads;
    struct npu_rows_args r;
    for (uint32_t h = hart; h < t->heads; h += harts) {
        const uint32_t q = l->qkv16 + h * dh * 2, k = l->qkv16 + (D + h * dh) * 2, v = l->qkv16 + (2 * D + h * dh) * 2;
        const uint32_t s32 = l->s32 + h * L * L * 4, p16 = l->p16 + h * L * L * 2;
        const struct npu_gemm_args scores = {.a = q,
                                             .b = k,
                                             .c = s32,
                                             .m = L,
                                             .n = L,
                                             .k = dh,
                                             .lda = 3 * D * 2,
                                             .ldb = 3 * D * 2,
                                             .ldc = L * 4,
                                             .dtype = NPU_DTYPE_BF16,
                                             .b_transposed = 1};
        npu_gemm(&scores, 0, 1);
        r = rows_of(s32, L, L);
        r.op = NPU_ROWS_SOFTMAX;
        r.dst_bf16 = p16;
        r.dst_bf16_ld = L * 2;
        npu_rows(&r, 0, 1);
        const struct npu_gemm_args context = {.a = p16,
                                              .b = v,
                                              .c = l->o32 + h * dh * 4,
                                              .m = L,
                                              .n = dh,
                                              .k = L,
                                              .lda = L * 2,
                                              .ldb = 3 * D * 2,
                                              .ldc = D * 4,
                                              .dtype = NPU_DTYPE_BF16};
        npu_gemm(&context, 0, 1);
    }
    npu_barrier();
    r = rows_of(l->o32, L, D);
    r.dst_bf16 = l->o16;
    r.dst_bf16_ld = D * 2;
    rows_all(&r, hart, harts);
}

void npu_transformer_block(const struct npu_transformer_args* t, const struct npu_transformer_plan* plan, uint32_t hart,
                           uint32_t harts) {
    const struct layout l = make_layout(t);
    struct projections proj;
    projections_of(t, &l, plan ? plan->qkv_scale_bits : qkv_scale_of(t), &proj);
    uint64_t clock = hart == 0 && t->phase_cycles ? npu_read_mcycle() : 0;

    /* qkv = x Wqkv + bqkv, q scaled by 1/sqrt(d_head), in BF16 (the GEMM's epilogue). */
    gemm(&proj.qkv, plan ? &plan->qkv : 0, hart, harts);
    mark_phase(t->phase_cycles, NPU_PHASE_QKV, hart, &clock);
    struct npu_rows_args r;

    const struct npu_attention_args att = attention_of(t, &l);
    struct npu_attention_plan att_plan;
    if (plan) {
        att_plan = plan->attention;
    } else {
        npu_attention_prepare(&att, &att_plan);
    }
    if (att_plan.block_rows > 0) {
        npu_attention_planned(&att, &att_plan, hart, harts);
        npu_barrier();
    } else {
        attention_unfused(t, &l, hart, harts);
    }
    mark_phase(t->phase_cycles, NPU_PHASE_ATTENTION, hart, &clock);
    /* y = layernorm1(o Wo + bo + x) */
    const uint32_t share = row_share(t, harts), first = min_u32(hart * share, t->seq);
    const uint32_t end = min_u32(first + share, t->seq);
    if (plan && plan->landing) {
        r = layernorm1_of(t, &l);
        /* Wo's rows land in the tiles that normalise them; each starts when its rows' blocks have come. */
        struct npu_gemm_args wo = proj.wo;
        spread_rows(&wo, plan->landing, share);
        npu_gemm_planned(&wo, &plan->wo, hart, harts);
        mark_phase(t->phase_cycles, NPU_PHASE_WO, hart, &clock); /* hart 0's own Wo: no barrier */
        land_rows(&r, plan->landing, share, 1);
        r.src_ready_count = blocks_over_rows(&plan->wo, first, end);
        layernorm(&r, &plan->ln1, hart, harts);
    } else {
        gemm(&proj.wo, plan ? &plan->wo : 0, hart, harts);
        mark_phase(t->phase_cycles, NPU_PHASE_WO, hart, &clock);
        r = layernorm1_of(t, &l);
        layernorm(&r, plan ? &plan->ln1 : 0, hart, harts);
    }

    mark_phase(t->phase_cycles, NPU_PHASE_LN1, hart, &clock);
    /* out = layernorm2(gelu(y W1 + b1) W2 + b2 + y); the GELU in the first GEMM's epilogue. */
    gemm(&proj.ffn1, plan ? &plan->ffn1 : 0, hart, harts);
    mark_phase(t->phase_cycles, NPU_PHASE_FFN1, hart, &clock);
    const int landed = plan && plan->landing;
    r = layernorm2_of(t, &l, proj.splits);
    if (landed) land_rows(&r, plan->landing, share, proj.splits);
    for (uint32_t s = 0; s < proj.splits; ++s) {
        /* Landed: split s's rows to the tiles' accumulators, the s-th of the layernorm's sources. */
        struct npu_gemm_args ffn2 = proj.ffn2[s];
        if (landed) {
            spread_rows(&ffn2, plan->landing + s * share * t->d_model * 4, share);
            r.src_ready_count += blocks_over_rows(&plan->ffn2[s], first, end);
        }
        const struct split_group group = split_group_of(s, proj.splits, hart, harts);
        if (!group.member) continue;
        if (plan)
            npu_gemm_planned(&ffn2, &plan->ffn2[s], group.id, group.harts);
        else
            npu_gemm(&ffn2, group.id, group.harts);
    }
    if (!landed) npu_barrier();
    mark_phase(t->phase_cycles, NPU_PHASE_FFN2, hart, &clock); /* landed: hart 0's own FFN2 */
    layernorm(&r, plan ? &plan->ln2 : 0, hart, harts);
    mark_phase(t->phase_cycles, NPU_PHASE_LN2, hart, &clock);
}
