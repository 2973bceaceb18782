/* One AdamW optimizer step on every tile's NPU (npu_adamw in the SDK): FP32 master weights and moments updated in
 * place from BF16 or FP32 gradients, and the BF16 copy of the weights written.
 * With a job block at OPTIMIZER_JOB_ADDRESS it runs that step (the host checks the results with --dump); a block of
 * another version or size, or a field out of range, stops the run with exit status 3 and a line naming the field.
 * Without one it times a step over OPTIMIZER_DEMO_PARAMS parameters (64 Mi, BF16 gradients) on zeroed memory: the
 * cycles do not depend on the values (run it with --arithmetic skip; the arrays need 1 GiB of global memory from
 * 0x82000000, so raise global_memory.size_kib). Hart 0 prints the cycles and the HBM bandwidth the step achieved
 * (the bytes it must move over its cycles) against the chip's peak. */
#include <stdio.h>
#include <string.h>

#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "optimizer_job.h"

#define OPTIMIZER_DEMO_PARAMS (64u << 20)
#define OPTIMIZER_DEMO_BASE 0x82000000u

static uint64_t global_end(void) { return (uint64_t)NPUEMU_GLOBAL_MEM_BASE + npu_global_memory_bytes(); }

/* 0 when [address, address + bytes) lies in global memory; else prints why, naming the field. */
static int check_array(const char* field, uint32_t address, uint64_t bytes) {
    if (address >= NPUEMU_GLOBAL_MEM_BASE && address % 4 == 0 && address + bytes <= global_end()) return 0;
    printf("optimizer job field '%s': %llu bytes at 0x%08x %s global memory (0x%08x .. 0x%08llx, 4-byte aligned)\n",
           field, (unsigned long long)bytes, (unsigned)address, address % 4 ? "are not aligned in" : "are outside",
           (unsigned)NPUEMU_GLOBAL_MEM_BASE, (unsigned long long)global_end());
    return 1;
}

/* 0 when the job can run; else hart 0's message names the first bad field. */
static int check_job(const struct optimizer_job* job) {
    if (job->version != OPTIMIZER_JOB_VERSION) {
        printf("optimizer job version %u, this firmware reads version %u\n", (unsigned)job->version,
               (unsigned)OPTIMIZER_JOB_VERSION);
        return 1;
    }
    if (job->bytes != sizeof *job) {
        printf("optimizer job field 'bytes' is %u, this firmware's job block (version %u) is %u bytes\n",
               (unsigned)job->bytes, (unsigned)OPTIMIZER_JOB_VERSION, (unsigned)sizeof *job);
        return 1;
    }
    if (job->count == 0) {
        printf("optimizer job field 'count' is 0: give at least one parameter\n");
        return 1;
    }
    if (job->grad_dtype != NPU_DTYPE_BF16 && job->grad_dtype != NPU_DTYPE_FP32) {
        printf("optimizer job field 'grad_dtype' is %u: %u (BF16) or %u (FP32)\n", (unsigned)job->grad_dtype,
               (unsigned)NPU_DTYPE_BF16, (unsigned)NPU_DTYPE_FP32);
        return 1;
    }
    if (job->step == 0) {
        printf("optimizer job field 'step' is 0: steps count from 1 (the bias correction divides by 1 - beta^step)\n");
        return 1;
    }
    const uint64_t n = job->count;
    return check_array("w", job->w, n * 4) || check_array("m", job->m, n * 4) || check_array("v", job->v, n * 4) ||
           check_array("g", job->g, n * (job->grad_dtype == NPU_DTYPE_BF16 ? 2 : 4)) ||
           (job->w_bf16 && check_array("w_bf16", job->w_bf16, n * 2));
}

static struct npu_adamw_args demo_args(void) {
    struct npu_adamw_args a;
    memset(&a, 0, sizeof a);
    a.count = OPTIMIZER_DEMO_PARAMS;
    a.w = OPTIMIZER_DEMO_BASE;
    a.m = a.w + a.count * 4;
    a.v = a.m + a.count * 4;
    a.g = a.v + a.count * 4;
    a.grad_dtype = NPU_DTYPE_BF16;
    a.w_bf16 = a.g + a.count * 2;
    a.lr_bits = 0x38D1B717u;           /* 1e-4 */
    a.beta1_bits = 0x3F666666u;        /* 0.9 */
    a.beta2_bits = 0x3F7FBE77u;        /* 0.999 */
    a.eps_bits = 0x322BCC77u;          /* 1e-8 */
    a.weight_decay_bits = 0x3DCCCCCDu; /* 0.1 */
    a.step = 1000;
    return a;
}

/* x / y as "q.d" with one decimal. */
static void print_ratio(uint64_t x, uint64_t y) {
    const uint64_t tenths = y ? x * 10 / y : 0;
    printf("%llu.%u", (unsigned long long)(tenths / 10), (unsigned)(tenths % 10));
}

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct optimizer_job* job = (const struct optimizer_job*)(uintptr_t)OPTIMIZER_JOB_ADDRESS;
    struct npu_adamw_args a;
    if (job->magic == OPTIMIZER_JOB_MAGIC) {
        if (hart == 0 && check_job(job)) npu_abort_run(3);
        memcpy(&a, &job->count, sizeof a);
    } else {
        a = demo_args();
        const uint64_t end = (uint64_t)a.w_bf16 + (uint64_t)a.count * 2;
        if (end > global_end()) {
            if (hart == 0) {
                printf(
                    "optimizer demo: %u parameters need global memory up to 0x%llx, it ends at 0x%llx: raise "
                    "global_memory.size_kib to %llu (or give a job block)\n",
                    (unsigned)a.count, (unsigned long long)end, (unsigned long long)global_end(),
                    (unsigned long long)((end - NPUEMU_GLOBAL_MEM_BASE + 1023) / 1024));
                npu_abort_run(3);
            }
            return 0;
        }
    }
    npu_barrier(); /* hart 0 has checked the job */
    const uint64_t start = npu_read_mcycle();
    npu_adamw(&a, hart, harts);
    npu_barrier();
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const uint64_t n = a.count, g_bytes = a.grad_dtype == NPU_DTYPE_BF16 ? 2 : 4;
    const uint64_t read_bytes = n * (12 + g_bytes), write_bytes = n * (12 + (a.w_bf16 ? 2 : 0));
    const uint64_t peak_milli = (uint64_t)npu_hbm_peak_mbps() * 1000000u / npu_clock_khz(); /* B/cycle x 1000 */
    const uint64_t rate_milli = (read_bytes + write_bytes) * 1000u / cycles;
    printf("adamw %u parameters (%s gradients%s) on %u tiles: %llu cycles\n", (unsigned)a.count,
           g_bytes == 2 ? "bf16" : "fp32", a.w_bf16 ? ", bf16 weight copy" : "", (unsigned)harts,
           (unsigned long long)cycles);
    printf("adamw HBM traffic: %llu bytes read, %llu written: ", (unsigned long long)read_bytes,
           (unsigned long long)write_bytes);
    print_ratio(rate_milli, 1000);
    printf(" B/cycle, ");
    print_ratio(rate_milli * 100, peak_milli);
    printf("%% of the ");
    print_ratio(peak_milli, 1000);
    printf(" B/cycle HBM peak\n");
    return 0;
}
