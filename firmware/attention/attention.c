/* Attention with an online softmax on every tile's NPU (npu_flash_attention in the SDK).
 * With a job block at ATTENTION_JOB_ADDRESS it computes that problem (the host checks the output with --dump).
 * Without one it times the attention of one GPT-3 175B layer's tensor-parallel shard (TP = 8: 12 of the 96 heads,
 * d_head 128, sequence 2048, causal) on zeroed inputs: the cycles do not depend on the values. Hart 0 prints the
 * cycles and the MAC utilisation of the arrays, counting the MACs causal attention needs (keys up to each query). */
#include <stdio.h>
#include <string.h>

#include "attention_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

static struct npu_flash_attention_args demo_args(void) {
    struct npu_flash_attention_args a;
    memset(&a, 0, sizeof a);
    a.seq = 2048;
    a.heads = 12;
    a.kv_heads = 12;
    a.d_head = 128;
    a.causal = 1;
    const uint32_t width = (a.heads + 2 * a.kv_heads) * a.d_head * 2; /* a fused [q | k | v] row */
    a.q = 0x82000000u;
    a.k = a.q + a.heads * a.d_head * 2;
    a.v = a.k + a.kv_heads * a.d_head * 2;
    a.ld = width;
    a.out = a.q + a.seq * width;
    a.out_ld = a.heads * a.d_head * 2;
    a.mask = (a.out + a.seq * a.out_ld + 0xFFFu) & ~0xFFFu;
    return a;
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct attention_job *job = (const struct attention_job *)(uintptr_t)ATTENTION_JOB_ADDRESS;
    struct npu_flash_attention_args a;
    if (job->magic == ATTENTION_JOB_MAGIC) memcpy(&a, &job->q, sizeof a);
    else a = demo_args();

    npu_flash_attention_prepare(&a, hart, harts); /* the causal mask, once */
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    npu_flash_attention(&a, hart, harts);
    npu_barrier();
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    /* Keys each query sees: seq, or r + 1 with the mask. Two GEMMs (q k^T and p v) of d_head per key. */
    const uint64_t L = a.seq, keys = a.causal ? L * (L + 1) / 2 : L * L;
    const uint64_t macs = 2 * keys * a.d_head * a.heads;
    const uint64_t peak = (uint64_t)geo.rows * geo.cols * harts * cycles;
    printf("attention seq %u heads %u kv_heads %u d_head %u%s on %u tiles: %llu cycles, %llu MACs, "
           "MAC utilisation %u.%u%%\n",
           (unsigned)a.seq, (unsigned)a.heads, (unsigned)(a.kv_heads ? a.kv_heads : a.heads), (unsigned)a.d_head,
           a.causal ? " causal" : "", (unsigned)harts, (unsigned long long)cycles, (unsigned long long)macs,
           (unsigned)(macs * 100 / peak), (unsigned)(macs * 1000 / peak % 10));
    return 0;
}
