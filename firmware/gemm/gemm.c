/* GEMM on every tile's NPU: C = A x B with the SDK's double-buffered kernel.
 * With a job block at GEMM_JOB_ADDRESS (put there by the host with --load), it computes that job and leaves C in
 * memory for --dump. Without one, hart 0 makes a 256 x 256 x 256 INT8 problem from a seed, and after the run checks
 * 64 sampled elements of C against dot products computed by the control core. Hart 0 prints cycles and the MAC
 * utilisation of the arrays. With the job's kernel = GEMM_KERNEL_GEMV it runs npu_gemv (decode: m <= the array's
 * rows) instead and also prints the HBM bandwidth the shape implies (bytes read / cycles) against the chip's peak. */
#include <stdio.h>

#include "gemm_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "npuemu/rand.h"

#define DEMO_M 256
#define DEMO_N 256
#define DEMO_K 256
#define DEMO_A 0x82000000u
#define DEMO_B 0x82100000u
#define DEMO_C 0x82200000u

static void make_demo_job(struct gemm_job *job) {
    job->magic = GEMM_JOB_MAGIC;
    job->m = DEMO_M;
    job->n = DEMO_N;
    job->k = DEMO_K;
    job->dtype = NPU_DTYPE_INT8;
    job->a = DEMO_A;
    job->b = DEMO_B;
    job->c = DEMO_C;
    uint32_t seed = 2024;
    int8_t *a = (int8_t *)(uintptr_t)DEMO_A, *b = (int8_t *)(uintptr_t)DEMO_B;
    for (uint32_t i = 0; i < DEMO_M * DEMO_K; ++i) a[i] = (int8_t)npu_xorshift32(&seed);
    for (uint32_t i = 0; i < DEMO_K * DEMO_N; ++i) b[i] = (int8_t)npu_xorshift32(&seed);
}

static int check_demo(const struct gemm_job *job) {
    const int8_t *a = (const int8_t *)(uintptr_t)job->a, *b = (const int8_t *)(uintptr_t)job->b;
    const int32_t *c = (const int32_t *)(uintptr_t)job->c;
    uint32_t seed = 7;
    int errors = 0;
    for (int sample = 0; sample < 64; ++sample) {
        const uint32_t i = npu_xorshift32(&seed) % job->m, j = npu_xorshift32(&seed) % job->n;
        int32_t expected = 0;
        for (uint32_t kk = 0; kk < job->k; ++kk) expected += a[i * job->k + kk] * b[kk * job->n + j];
        if (c[i * job->n + j] != expected) {
            if (errors < 4) printf("C[%u][%u] = %d, expected %d\n", (unsigned)i, (unsigned)j, (int)c[i * job->n + j], (int)expected);
            ++errors;
        }
    }
    return errors;
}

static struct gemm_job demo_job;

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct gemm_job *loaded = (const struct gemm_job *)(uintptr_t)GEMM_JOB_ADDRESS;
    const int demo = loaded->magic != GEMM_JOB_MAGIC;
    if (demo && hart == 0) make_demo_job(&demo_job);
    npu_barrier();
    const struct gemm_job *job = demo ? &demo_job : loaded;
    const uint32_t elem = job->dtype == NPU_DTYPE_BF16 ? 2 : 1;
    const uint32_t gemv = !demo && job->kernel == GEMM_KERNEL_GEMV, transposed = !demo && job->b_transposed;
    const uint32_t a_transposed = !demo && job->a_transposed;
    const uint32_t c_bf16 = demo ? 0 : job->c_bf16;
    const struct npu_gemm_args args = {.a = job->a,
                                       .b = job->b,
                                       .c = c_bf16 ? 0 : job->c,
                                       .m = job->m,
                                       .n = job->n,
                                       .k = job->k,
                                       .lda = (a_transposed ? job->m : job->k) * elem,
                                       .ldb = (transposed ? job->k : job->n) * elem,
                                       .ldc = c_bf16 ? 0 : job->n * 4,
                                       .dtype = job->dtype,
                                       .b_transposed = transposed,
                                       .bias = demo ? 0 : job->bias,
                                       .scale_bits = demo ? 0 : job->scale_bits,
                                       .scale_cols = demo ? 0 : job->scale_cols,
                                       .activation = demo ? 0 : job->activation,
                                       .c_bf16 = c_bf16,
                                       .ldc_bf16 = c_bf16 ? job->n * 2 : 0,
                                       .a_transposed = a_transposed};
    const uint32_t repeat = job->repeat > 1 ? job->repeat : 1;
    /* The plan is made once for the shape (as code that runs a shape many times does), outside the timed GEMM. */
    const uint64_t plan_start = npu_read_mcycle();
    struct npu_gemm_plan plan = {0};
    struct npu_gemv_plan gemv_plan = {0};
    const int gemv_supported = gemv && npu_gemv_plan(&args, hart, harts, &gemv_plan);
    if (!gemv || !gemv_supported) npu_gemm_plan(&args, harts, &plan);
    const uint64_t plan_cycles = npu_read_mcycle() - plan_start;
    npu_barrier();
    const uint64_t start = npu_read_mcycle();
    for (uint32_t r = 0; r < repeat; ++r) {
        if (gemv_supported) npu_gemv_planned(&args, &gemv_plan);
        else npu_gemm_planned(&args, &plan, hart, harts);
        npu_barrier();
    }
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    const uint64_t macs = (uint64_t)job->m * job->n * job->k * repeat;
    const uint64_t peak = (uint64_t)geo.rows * geo.cols * harts * cycles;
    printf("%s%s %ux%ux%u %s on %u tiles: %llu cycles, MAC utilisation %u.%u%%\n", gemv ? "gemv" : "gemm",
           a_transposed ? " (A transposed)" : "", (unsigned)job->m, (unsigned)job->n, (unsigned)job->k,
           job->dtype == NPU_DTYPE_BF16 ? "bf16" : "int8", (unsigned)harts, (unsigned long long)cycles,
           (unsigned)(macs * 100 / peak), (unsigned)(macs * 1000 / peak % 10));
    if (gemv) {
        /* What the shape has to read: W once, x once per tile (each keeps its copy) or once in all (the tiles share
         * it); and the chip's peak. */
        const uint64_t w_bytes = (uint64_t)job->k * job->n * elem * repeat;
        const uint32_t x_reads = gemv_plan.x_piece ? 1 : harts;
        const uint64_t read_bytes = w_bytes + (uint64_t)job->m * job->k * elem * x_reads * repeat;
        const uint64_t peak_milli = (uint64_t)npu_hbm_peak_mbps() * 1000000u / npu_clock_khz(); /* B/cycle x 1000 */
        const uint64_t rate_milli = read_bytes * 1000u / cycles, w_rate_milli = w_bytes * 1000u / cycles;
        printf("gemv %s: HBM reads %llu bytes (W %llu, x %llu %s): %llu.%u B/cycle, %llu.%u%% of the %llu.%u "
               "B/cycle peak; W alone %llu.%u B/cycle (%llu.%u%%)%s\n", transposed ? "(W transposed)" : "(W row-major)",
               (unsigned long long)read_bytes, (unsigned long long)w_bytes,
               (unsigned long long)((uint64_t)job->m * job->k * elem), x_reads > 1 ? "per tile" : "shared by the tiles",
               (unsigned long long)(rate_milli / 1000),
               (unsigned)(rate_milli / 100 % 10), (unsigned long long)(rate_milli * 100 / peak_milli),
               (unsigned)(rate_milli * 1000 / peak_milli % 10), (unsigned long long)(peak_milli / 1000),
               (unsigned)(peak_milli / 100 % 10), (unsigned long long)(w_rate_milli / 1000),
               (unsigned)(w_rate_milli / 100 % 10), (unsigned long long)(w_rate_milli * 100 / peak_milli),
               (unsigned)(w_rate_milli * 1000 / peak_milli % 10),
               gemv_supported ? "" : " (shape not supported by npu_gemv: ran npu_gemm)");
        printf("gemv plan: %u columns per tile in %u sub-block(s), stages of %u bytes (k %u), a ring of %u; planning took "
               "%u cycles (once per shape, not in the timed GEMV)\n", (unsigned)gemv_plan.bn, (unsigned)gemv_plan.subs,
               (unsigned)gemv_plan.stage_bytes, (unsigned)gemv_plan.bk, (unsigned)gemv_plan.stages,
               (unsigned)plan_cycles);
        return 0;
    }
    printf("gemm plan: blocks %u x %u, %u x %u of them, stages %u deep; planning took %u cycles (once per shape, not "
           "in the timed GEMM)\n", (unsigned)plan.bm, (unsigned)plan.bn, (unsigned)plan.blocks_m,
           (unsigned)plan.blocks_n, (unsigned)plan.bk, (unsigned)plan_cycles);
    if (!demo) return 0;
    const int errors = check_demo(job);
    printf("gemm self-check: %s (64 sampled elements)\n", errors ? "FAILED" : "passed");
    return errors ? 1 : 0;
}
