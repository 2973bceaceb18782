/* One GPT- or Llama-style decoder layer on every tile's NPU (npu_decoder_layer in the SDK).
 * With a job block at DECODER_JOB_ADDRESS it computes that layer (the host checks the output with --dump); a job of
 * another version stops the run with exit status 3. Without one it times the layer of one tensor-parallel rank of
 * GPT-3 175B (TP = 8: d_model 12288, 12 of the 96 heads, d_head 128, d_ff 6144 of 49152; sequence 2048), or with
 * LLAMA3_8B (decoder_layer_llama3_8b.elf) a whole Llama 3 8B layer at sequence 2048, on zeroed weights: the cycles
 * do not depend on the values (run it with --arithmetic skip). Hart 0 prints the layer's cycles, the MAC utilisation
 * of the arrays (counting the MACs causal attention needs) and each phase's cycles. The GEMM plans and the attention
 * mask are made once, before the timed layer.
 * Tensor parallel over the chips of a system (npuemu run --system): a job with tp_coll non-zero (each chip's job
 * block its rank's shard, --load FILE@cN:ADDR), or, without a job, TP_GPT3_6B7 (decoder_layer_tp.elf): one rank of
 * GPT-3 6.7B (d_model 4096, 32 heads of 128, d_ff 16384; sequence 2048) per chip, TP = the chip count. Each chip
 * then runs its shard with the two all-reduces (npu_decoder_args.tp_coll: this firmware's ring settings, 16 KiB
 * chunks, slots at the scratchpad's base); the chips meet before the timed layer, and chip 0 prints. */
#include <stdio.h>
#include <string.h>

#include "decoder_job.h"
#include "npuemu/collectives.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

static struct npu_decoder_args demo_args(void) {
    struct npu_decoder_args d;
    memset(&d, 0, sizeof d);
    d.seq = 2048;
#if defined(TP_GPT3_6B7) /* GPT-3 6.7B (Brown et al. 2020, Table 2.1), one rank of TP = the chip count */
    const uint32_t tp = npu_chip_count();
    d.d_model = 4096;
    d.heads = 32 / tp;
    d.kv_heads = 32 / tp;
    d.d_head = 128;
    d.d_ff = 16384 / tp;
#elif defined(LLAMA3_8B)
    /* Llama 3 8B (Meta's model card): d_model 4096, 32 heads, 8 KV heads, d_ff 14336, RMS norm, SwiGLU, rotary
     * embeddings (placed below) */
    d.d_model = 4096;
    d.heads = 32;
    d.kv_heads = 8;
    d.d_head = 128;
    d.d_ff = 14336;
    d.norm = NPU_ROWS_RMSNORM;
    d.swiglu = 1;
#else
    d.d_model = 12288;
    d.heads = 12;
    d.kv_heads = 12;
    d.d_head = 128;
    d.d_ff = 6144;
#endif
    d.eps_bits = 0x3727C5ACu; /* 1e-5f */
    const uint32_t D = d.d_model, W = (d.heads + 2 * d.kv_heads) * d.d_head, Q = d.heads * d.d_head;
    const uint32_t F1 = d.swiglu ? 2 * d.d_ff : d.d_ff;
    uint32_t at = 0x82000000u;
#define PLACE(field, bytes)                 \
    do {                                    \
        d.field = at;                       \
        at += ((bytes) + 0xFFFu) & ~0xFFFu; \
    } while (0)
    PLACE(x, d.seq * D * 4);
    PLACE(out, d.seq * D * 4);
    PLACE(ln1_gamma, D * 4);
    PLACE(ln1_beta, D * 4);
    PLACE(wqkv, D * W * 2);
    PLACE(bqkv, W * 4);
    PLACE(wo, Q * D * 2);
    PLACE(bo, D * 4);
    PLACE(ln2_gamma, D * 4);
    PLACE(ln2_beta, D * 4);
    PLACE(w1, D * F1 * 2);
    PLACE(b1, F1 * 4);
    PLACE(w2, d.d_ff * D * 2);
    PLACE(b2, D * 4);
#ifdef LLAMA3_8B
    PLACE(rotary_cos, d.seq * d.d_head / 2 * 4);
    PLACE(rotary_sin, d.seq * d.d_head / 2 * 4);
#endif
#undef PLACE
    d.scratch = at;
    return d;
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    static struct npu_coll tp_coll = {NPUEMU_SCRATCHPAD_BASE, 16384u};
    const struct decoder_job* job = (const struct decoder_job*)(uintptr_t)DECODER_JOB_ADDRESS;
    static uint32_t phase_cycles[NPU_DECODER_PHASES];
    struct npu_decoder_args d;
    if (job->magic == DECODER_JOB_MAGIC) {
        if (job->version != DECODER_JOB_VERSION) {
            if (hart != 0) return 0; /* hart 0 says why and stops the run */
            printf("decoder job version %u, this firmware reads version %u\n", (unsigned)job->version,
                   (unsigned)DECODER_JOB_VERSION);
            npu_abort_run(3);
        }
        _Static_assert(sizeof(struct decoder_job_layer) == sizeof d, "the job's layer is npu_decoder_args");
        memcpy(&d, &job->layer, sizeof d);
        if (d.tp_coll) d.tp_coll = (uint32_t)(uintptr_t)&tp_coll;
    } else {
        d = demo_args();
#ifdef TP_GPT3_6B7
        if (npu_chip_count() > 1) d.tp_coll = (uint32_t)(uintptr_t)&tp_coll;
#endif
    }
    if (!d.phase_cycles) d.phase_cycles = (uint32_t)(uintptr_t)phase_cycles;

    struct npu_decoder_plan plan;
    npu_decoder_prepare(&d, hart, harts, &plan);
    npu_barrier();
    if (d.tp_coll) npu_coll_barrier(&tp_coll, hart); /* the chips start the layer together */
    const uint64_t start = npu_read_mcycle();
    npu_decoder_layer(&d, &plan, hart, harts);
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0 || npu_chip_id() != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    const uint64_t L = d.seq, D = d.d_model, F = d.d_ff, Q = (uint64_t)d.heads * d.d_head;
    const uint64_t W = (uint64_t)(d.heads + 2 * d.kv_heads) * d.d_head;
    const uint64_t attention = 2 * (L * (L + 1) / 2) * d.d_head * d.heads; /* causal: keys up to each query */
    const uint64_t macs = L * D * W + attention + L * Q * D + (d.swiglu ? 3 : 2) * L * D * F;
    const uint64_t peak = (uint64_t)geo.rows * geo.cols * harts * cycles;
    printf(
        "decoder layer seq %u d_model %u heads %u kv_heads %u d_head %u d_ff %u on %u tiles: %llu cycles, %llu MACs, "
        "MAC utilisation %u.%u%%%s\n",
        (unsigned)d.seq, (unsigned)d.d_model, (unsigned)d.heads, (unsigned)d.kv_heads, (unsigned)d.d_head,
        (unsigned)d.d_ff, (unsigned)harts, (unsigned long long)cycles, (unsigned long long)macs,
        (unsigned)(macs * 100 / peak), (unsigned)(macs * 1000 / peak % 10),
        d.tp_coll ? " (a tensor-parallel rank: one chip's shard, cycles with the all-reduces)" : "");
    static const char* const names[] = {
        "ln1",           "qkv gemm",      "attention", "wo gemm",         "residual",       "ln2",
        "mlp up (+act)", "mlp down gemm", "residual",  "tp all-reduce 1", "tp all-reduce 2"};
    const int shown = d.tp_coll ? NPU_DECODER_PHASES : NPU_DECODER_RESIDUAL2 + 1;
    const uint32_t* phases = (const uint32_t*)(uintptr_t)d.phase_cycles;
    printf("phases (cycles, share):");
    for (int i = 0; i < shown; ++i) {
        printf(" %s %u (%u%%)%s", names[i], (unsigned)phases[i], (unsigned)(phases[i] * 100ull / cycles),
               i + 1 < shown ? "," : "\n");
    }
    return 0;
}
