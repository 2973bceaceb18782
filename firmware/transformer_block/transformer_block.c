/* One transformer encoder layer on every tile's NPU (npu_transformer_block in the SDK).
 * With a job block at TRANSFORMER_JOB_ADDRESS, it computes that layer (the host checks the output with --dump).
 * Without one, it runs a BERT-base layer (d_model 768, 12 heads, d_ff 3072) at sequence length SEQ (default 128)
 * on zeroed weights, for timing: the cycles do not depend on the values. Hart 0 prints the layer's cycles and the
 * MAC utilisation of the arrays, then the cycles of each phase of the layer (GEMMs, row passes, attention). */
#include <stdio.h>
#include <string.h>

#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "transformer_job.h"

#ifndef SEQ
#define SEQ 128
#endif

static struct npu_transformer_args demo_args(void) {
    struct npu_transformer_args t;
    memset(&t, 0, sizeof t);
    t.seq = SEQ;
    t.d_model = 768;
    t.heads = 12;
    t.d_ff = 3072;
    t.eps_bits = 0x2B8CBCCCu; /* 1e-12f */
    /* Few output blocks for 32 tiles at these lengths: FFN2's k in four. With the partial products landing in the
     * tiles that normalise them (no HBM read per split any more), 4 splits beat 2 at seq 384 (75,052 against 76,810
     * cycles, each the mean of six start offsets) and tie at seq 128 (44,462 against 44,617); 1 and 3 were slower.
     * Before they landed, 2 beat 3 and 4 (each split cost layernorm 2 another read of the output). */
    t.ffn2_k_splits = 4;
    uint32_t at = 0x82000000u;
#define PLACE(field, bytes) do { t.field = at; at += ((bytes) + 0xFFFu) & ~0xFFFu; } while (0)
    PLACE(x, t.seq * t.d_model * 2);
    PLACE(wqkv, t.d_model * 3 * t.d_model * 2);
    PLACE(bqkv, 3 * t.d_model * 4);
    PLACE(wo, t.d_model * t.d_model * 2);
    PLACE(bo, t.d_model * 4);
    PLACE(w1, t.d_model * t.d_ff * 2);
    PLACE(b1, t.d_ff * 4);
    PLACE(w2, t.d_ff * t.d_model * 2);
    PLACE(b2, t.d_model * 4);
    PLACE(gamma1, t.d_model * 4);
    PLACE(beta1, t.d_model * 4);
    PLACE(gamma2, t.d_model * 4);
    PLACE(beta2, t.d_model * 4);
    PLACE(out, t.seq * t.d_model * 4);
#undef PLACE
    t.scratch = at;
    return t;
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct transformer_job *job = (const struct transformer_job *)(uintptr_t)TRANSFORMER_JOB_ADDRESS;
    struct npu_transformer_args t;
    static uint32_t phase_cycles[NPU_TRANSFORMER_PHASES];
    if (job->magic == TRANSFORMER_JOB_MAGIC) memcpy(&t, &job->seq, sizeof t);
    else t = demo_args();
    if (!t.phase_cycles) t.phase_cycles = (uint32_t)(uintptr_t)phase_cycles;

    /* The GEMM plans are made once per layer shape, as a model's many layers would share them (outside the timed
     * layer; each hart makes its own, a few thousand cycles per GEMM shape). */
    struct npu_transformer_plan plan;
    npu_transformer_prepare(&t, harts, &plan);
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    npu_transformer_block(&t, &plan, hart, harts);
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    const uint64_t L = t.seq, D = t.d_model, F = t.d_ff;
    const uint64_t macs = L * D * 3 * D + 2 * L * L * D + L * D * D + 2 * L * D * F;
    const uint64_t peak = (uint64_t)geo.rows * geo.cols * harts * cycles;
    printf("transformer_block seq %u d_model %u heads %u d_ff %u on %u tiles: %llu cycles, %llu MACs, "
           "MAC utilisation %u.%u%%\n",
           (unsigned)t.seq, (unsigned)t.d_model, (unsigned)t.heads, (unsigned)t.d_ff, (unsigned)harts,
           (unsigned long long)cycles, (unsigned long long)macs, (unsigned)(macs * 100 / peak),
           (unsigned)(macs * 1000 / peak % 10));
    const struct npu_attention_args attention = {0, 0, 0, 0, t.seq, t.heads, t.d_model / t.heads, 0, 0};
    const int attention_rows = npu_attention_plan_rows(&attention);
    if (attention_rows > 0) printf("attention on chip, %d query rows per block\n", attention_rows);
    else printf("attention through global memory (a head's K and V do not fit a tile's scratchpad)\n");
    if (plan.landing) printf("layernorms on the rows Wo and FFN2 leave in their tiles, no barrier before them\n");
    else printf("layernorms read Wo's and FFN2's outputs from global memory after a barrier\n");
    static const char *const names[NPU_TRANSFORMER_PHASES] = {
        "qkv gemm+bias+scale", "attention", "wo gemm", "ln1", "ffn1 gemm+bias+gelu", "ffn2 gemm", "ln2"};
    const uint32_t *phases = (const uint32_t *)(uintptr_t)t.phase_cycles;
    printf("phases (cycles, share):");
    for (int i = 0; i < NPU_TRANSFORMER_PHASES; ++i) {
        printf(" %s %u (%u%%)%s", names[i], (unsigned)phases[i], (unsigned)(phases[i] * 100ull / cycles),
               i + 1 < NPU_TRANSFORMER_PHASES ? "," : "\n");
    }
    return 0;
}
