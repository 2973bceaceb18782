/* Forward and backward of one GPT- or Llama-style decoder layer on every tile's NPU (npu_decoder_train in the SDK).
 * With a job block at DECODER_TRAIN_JOB_ADDRESS it trains that layer one step's forward and backward (the host checks
 * the gradients with --dump); a job of another version or size stops the run with exit status 3, a layer the kernel
 * does not take (tensor parallelism across chips) with status 4, both saying why. Without a job
 * it times the layer of one tensor-parallel rank of GPT-3 175B (TP = 8: d_model 12288, 12 of the 96 heads, d_head
 * 128, d_ff 6144 of 49152; sequence 2048), or with LLAMA3_8B (decoder_train_llama3_8b.elf) a whole Llama 3 8B layer
 * (d_model 4096, 32 heads of 128 on 8 KV heads, d_ff 14336, RMS norm, SwiGLU, rotary embeddings, no biases; the
 * first line says the KV heads) at sequence 2048 (or SEQ), on zeroed
 * data: the cycles do not depend on the values (run it with --arithmetic skip). Its buffers need up to ~1.9 GiB: run
 * it with a 2 GiB global-memory window (-s global_memory.size_kib=2097152). Hart 0 prints the forward's and the
 * backward's cycles, the MAC utilisation of the arrays (the model's MACs: the forward's GEMMs and causal attention,
 * and twice those for the backward; the backward's recomputed scores not counted) and each phase's cycles. The GEMM
 * plans and both attention masks are made before the timed layer. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "decoder_train_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

static struct npu_decoder_train_args demo_args(void) {
    struct npu_decoder_train_args t;
    memset(&t, 0, sizeof t);
    struct npu_decoder_args* d = &t.layer;
#ifdef LLAMA3_8B
    /* Llama 3 8B (Meta's model card, configs/models/llama3-8b.yaml): d_model 4096, 32 heads, 8 KV heads, d_ff 14336 */
    d->seq = SEQ;
    d->d_model = 4096;
    d->heads = 32;
    d->kv_heads = 8;
    d->d_head = 128;
    d->d_ff = 14336;
    d->norm = NPU_ROWS_RMSNORM;
    d->swiglu = 1;
#else
    d->seq = 2048;
    d->d_model = 12288;
    d->heads = 12;
    d->kv_heads = 12;
    d->d_head = 128;
    d->d_ff = 6144;
#endif
    d->eps_bits = 0x3727C5ACu; /* 1e-5f */
    const uint32_t L = d->seq, D = d->d_model, F = d->d_ff, Q = d->heads * d->d_head;
    const uint32_t W = (d->heads + 2 * d->kv_heads) * d->d_head, F1 = d->swiglu ? 2 * F : F;
    uint32_t at = 0x82000000u;
#define PLACE(field, bytes)                 \
    do {                                    \
        field = at;                         \
        at += ((bytes) + 0xFFFu) & ~0xFFFu; \
    } while (0)
#ifdef LLAMA3_8B
#define BIAS(field, bytes) /* Llama: no biases, no betas (nor their gradients) */
#else
#define BIAS(field, bytes) PLACE(field, bytes)
#endif
    PLACE(d->x, L * D * 4);
    PLACE(d->out, L * D * 4);
    PLACE(d->ln1_gamma, D * 4);
    BIAS(d->ln1_beta, D * 4);
    PLACE(d->wqkv, D * W * 2);
    BIAS(d->bqkv, W * 4);
    PLACE(d->wo, Q * D * 2);
    BIAS(d->bo, D * 4);
    PLACE(d->ln2_gamma, D * 4);
    BIAS(d->ln2_beta, D * 4);
    PLACE(d->w1, D * F1 * 2);
    BIAS(d->b1, F1 * 4);
    PLACE(d->w2, F * D * 2);
    BIAS(d->b2, D * 4);
    PLACE(t.d_out, L * D * 4);
    PLACE(t.d_x, L * D * 4);
    PLACE(t.d_wqkv, D * W * 2);
    PLACE(t.d_wo, Q * D * 2);
    PLACE(t.d_w1, D * F1 * 2);
    PLACE(t.d_w2, F * D * 2);
    BIAS(t.d_bqkv, W * 4);
    BIAS(t.d_bo, D * 4);
    BIAS(t.d_b1, F1 * 4);
    BIAS(t.d_b2, D * 4);
    PLACE(t.d_ln1_gamma, D * 4);
    BIAS(t.d_ln1_beta, D * 4);
    PLACE(t.d_ln2_gamma, D * 4);
    BIAS(t.d_ln2_beta, D * 4);
#ifdef LLAMA3_8B
    PLACE(d->rotary_cos, L * d->d_head / 2 * 4);
    PLACE(d->rotary_sin, L * d->d_head / 2 * 4);
#endif
#undef BIAS
#undef PLACE
    d->scratch = at;
    return t;
}

/* Reads the job block: 1, or 0 if there is none; a block of another version or size stops the run with hart 0
 * saying why (-1 on the other harts). */
static int read_job(struct npu_decoder_train_args* t, uint32_t hart) {
    const struct decoder_train_job* job = (const struct decoder_train_job*)(uintptr_t)DECODER_TRAIN_JOB_ADDRESS;
    if (job->magic != DECODER_TRAIN_JOB_MAGIC) return 0;
    if (job->version != DECODER_TRAIN_JOB_VERSION || job->bytes != sizeof *job) {
        if (hart == 0) {
            printf("decoder_train job version %u of %u bytes, this firmware reads version %u of %u bytes\n",
                   (unsigned)job->version, (unsigned)job->bytes, (unsigned)DECODER_TRAIN_JOB_VERSION,
                   (unsigned)sizeof *job);
            npu_abort_run(3);
        }
        return -1; /* the other harts stop; hart 0 ends the run */
    }
    _Static_assert(sizeof(struct decoder_job_layer) == sizeof t->layer, "the job's layer is npu_decoder_args");
    _Static_assert(sizeof *job - offsetof(struct decoder_train_job, d_out) ==
                       sizeof *t - offsetof(struct npu_decoder_train_args, d_out),
                   "the job's gradient fields are npu_decoder_train_args'");
    memcpy(&t->layer, &job->layer, sizeof t->layer);
    memcpy(&t->d_out, &job->d_out, sizeof *job - offsetof(struct decoder_train_job, d_out));
    return 1;
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    static uint32_t forward_phases[NPU_DECODER_PHASES], backward_phases[NPU_TRAIN_PHASES];
    struct npu_decoder_train_args t;
    const int job = read_job(&t, hart);
    if (job < 0) return 0;
    if (job == 0) t = demo_args();
    static const char* const unsupported[] = {
        "", "norm (layernorm or RMS norm only)", "", "", "", "tp_coll (no tensor parallelism across chips)"};
    const uint32_t field = npu_decoder_train_unsupported(&t.layer);
    const uint32_t end = t.layer.scratch + npu_decoder_train_scratch_bytes(&t.layer);
    const uint32_t memory_bytes = npu_global_memory_bytes(); /* 2 GiB: the window reaches the top of the 32 bits */
    if (field || end < t.layer.scratch || end - NPUEMU_GLOBAL_MEM_BASE > memory_bytes) {
        if (hart == 0) {
            if (field)
                printf("decoder_train: the job's %s is not supported\n", unsupported[field]);
            else if (end < t.layer.scratch)
                printf("decoder_train: the scratch ends past the 32-bit address space, past global memory's %u MiB\n",
                       (unsigned)(memory_bytes >> 20));
            else
                printf("decoder_train: the scratch ends at 0x%x, past global memory's %u MiB\n", (unsigned)end,
                       (unsigned)(memory_bytes >> 20));
            npu_abort_run(4);
        }
        return 0;
    }
    if (!t.layer.phase_cycles) t.layer.phase_cycles = (uint32_t)(uintptr_t)forward_phases;
    if (!t.phase_cycles) t.phase_cycles = (uint32_t)(uintptr_t)backward_phases;

    static struct npu_decoder_train_plan plan;
    npu_decoder_train_prepare(&t, hart, harts, &plan);
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    npu_decoder_train(&t, &plan, hart, harts);
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const uint32_t* fwd = (const uint32_t*)(uintptr_t)t.layer.phase_cycles;
    const uint32_t* bwd = (const uint32_t*)(uintptr_t)t.phase_cycles;
    uint64_t forward_cycles = 0;
    for (int i = 0; i < NPU_DECODER_PHASES; ++i) forward_cycles += fwd[i];
    const struct npu_geometry geo = npu_read_geometry();
    const struct npu_decoder_args* d = &t.layer;
    const uint64_t L = d->seq, D = d->d_model, F = d->d_ff, Q = (uint64_t)d->heads * d->d_head;
    const uint64_t W = (uint64_t)(d->heads + 2 * d->kv_heads) * d->d_head;
    const uint64_t attention = 2 * (L * (L + 1) / 2) * d->d_head * d->heads; /* causal: keys up to each query */
    const uint64_t forward_macs = L * D * W + attention + L * Q * D + (d->swiglu ? 3 : 2) * L * D * F;
    const uint64_t macs = 3 * forward_macs, per_cycle = (uint64_t)geo.rows * geo.cols * harts;
    const uint64_t peak = per_cycle * cycles, backward_cycles = cycles - forward_cycles;
    printf(
        "decoder layer training step (forward + backward) seq %u d_model %u heads %u kv_heads %u d_head %u d_ff %u%s "
        "on %u tiles: %llu cycles, %llu MACs, MAC utilisation %u.%u%%\n",
        (unsigned)d->seq, (unsigned)d->d_model, (unsigned)d->heads, (unsigned)d->kv_heads, (unsigned)d->d_head,
        (unsigned)d->d_ff, d->swiglu ? " (RMS norm, SwiGLU, rotary)" : "", (unsigned)harts, (unsigned long long)cycles,
        (unsigned long long)macs, (unsigned)(macs * 100 / peak), (unsigned)(macs * 1000 / peak % 10));
    printf("global memory: the buffers end at 0x%x (%u MiB of the %u MiB window)\n", (unsigned)end,
           (unsigned)((end - NPUEMU_GLOBAL_MEM_BASE) >> 20), (unsigned)(memory_bytes >> 20));
    const uint64_t fpeak = per_cycle * forward_cycles, bpeak = per_cycle * backward_cycles;
    printf("forward %llu cycles (%u.%u%%), backward %llu cycles (%u.%u%%)\n", (unsigned long long)forward_cycles,
           (unsigned)(forward_macs * 100 / fpeak), (unsigned)(forward_macs * 1000 / fpeak % 10),
           (unsigned long long)backward_cycles, (unsigned)(2 * forward_macs * 100 / bpeak),
           (unsigned)(2 * forward_macs * 1000 / bpeak % 10));
    const char* const forward_names[NPU_DECODER_PHASES] = {"ln1",
                                                           "qkv gemm",
                                                           "attention",
                                                           "wo gemm",
                                                           "residual",
                                                           "ln2",
                                                           d->swiglu ? "mlp up (+swiglu pass)" : "mlp up (+gelu pass)",
                                                           "mlp down gemm",
                                                           "residual"};
    const char* const backward_names[NPU_TRAIN_PHASES] = {"mlp down (dout16, dW2, du)",
                                                          d->swiglu ? "swiglu" : "gelu",
                                                          "mlp up (dW1, db)",
                                                          "ln2",
                                                          "wo (dWo, do)",
                                                          "attention",
                                                          "qkv (dq scale, dWqkv, da)",
                                                          "ln1",
                                                          "column sums"};
    printf("forward phases (cycles, share of the step):");
    const int forward_shown = NPU_DECODER_RESIDUAL2 + 1; /* no tensor-parallel all-reduces here */
    for (int i = 0; i < forward_shown; ++i) {
        printf(" %s %u (%u%%)%s", forward_names[i], (unsigned)fwd[i], (unsigned)(fwd[i] * 100ull / cycles),
               i + 1 < forward_shown ? "," : "\n");
    }
    printf("backward phases (cycles, share of the step):");
    for (int i = 0; i < NPU_TRAIN_PHASES; ++i) {
        printf(" %s %u (%u%%)%s", backward_names[i], (unsigned)bwd[i], (unsigned)(bwd[i] * 100ull / cycles),
               i + 1 < NPU_TRAIN_PHASES ? "," : "\n");
    }
    return 0;
}
