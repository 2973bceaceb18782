/* Decode attention on every tile's NPU (npu_decode_attention) for the job at DECODE_JOB_ADDRESS (put there by the
 * host with --load; results left in memory for --dump). Hart 0 prints the cycles, and the K and V cache bytes read
 * per cycle against the chip's HBM peak. Without a job it prints a line saying so and exits with status 2. */
#include <stdio.h>

#include "decode_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct decode_job *job = (const struct decode_job *)(uintptr_t)DECODE_JOB_ADDRESS;
    if (job->magic != DECODE_JOB_MAGIC) {
        if (hart == 0) printf("decode: no job at 0x%08x (load one with --load job.bin@0x81000000)\n", DECODE_JOB_ADDRESS);
        return 2;
    }
    const struct npu_decode_attention_args args = {job->q,     job->k,        job->v,      job->out, job->batch,
                                                   job->heads, job->kv_heads, job->d_head, job->ctx};
    if (!npu_decode_attention_supported(&args, harts)) {
        if (hart == 0) printf("decode: the shape does not fit npu_decode_attention (heads, kv_heads, d_head, ctx)\n");
        return 3;
    }
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    npu_decode_attention(&args, hart, harts);
    npu_barrier();
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const uint64_t cache_bytes = 2ull * job->batch * job->kv_heads * job->ctx * job->d_head * 2;
    const uint64_t peak_milli = (uint64_t)npu_hbm_peak_mbps() * 1000000u / npu_clock_khz(); /* B/cycle x 1000 */
    const uint64_t rate_milli = cache_bytes * 1000u / cycles;
    printf("decode attention batch %u, %u heads (%u KV), d_head %u, ctx %u on %u tiles: %llu cycles\n",
           (unsigned)job->batch, (unsigned)job->heads, (unsigned)job->kv_heads, (unsigned)job->d_head,
           (unsigned)job->ctx, (unsigned)harts, (unsigned long long)cycles);
    printf("decode attention: positions split over %u tiles per (batch, KV head)\n",
           (unsigned)npu_decode_attention_splits(&args, harts));
    printf("decode attention: K and V caches %llu bytes: %llu.%u B/cycle, %llu.%u%% of the %llu.%u B/cycle HBM peak\n",
           (unsigned long long)cache_bytes, (unsigned long long)(rate_milli / 1000), (unsigned)(rate_milli / 100 % 10),
           (unsigned long long)(rate_milli * 100 / peak_milli), (unsigned)(rate_milli * 1000 / peak_milli % 10),
           (unsigned long long)(peak_milli / 1000), (unsigned)(peak_milli / 100 % 10));
    return 0;
}
