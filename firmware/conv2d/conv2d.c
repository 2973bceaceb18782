/* 2-D convolution on every tile's NPU (npu_conv2d: im2col by DMA, then the GEMM kernel).
 * With a job block at CONV2D_JOB_ADDRESS it computes that convolution (the host checks the output with --dump).
 * Without one, hart 0 makes a 16x16x8 INT8 input and 3x3x8x16 filters (stride 1, pad 1) from a seed, and after the
 * run checks 64 sampled outputs against a direct convolution computed by the control core. */
#include <stdio.h>
#include <string.h>

#include "conv2d_job.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"
#include "npuemu/rand.h"

static struct npu_conv2d_args demo(void) {
    struct npu_conv2d_args c;
    memset(&c, 0, sizeof c);
    c.h = 16; c.w = 16; c.cin = 8; c.cout = 16; c.kh = 3; c.kw = 3; c.stride = 1; c.pad = 1;
    c.dtype = NPU_DTYPE_INT8;
    c.input = 0x82000000u;
    c.filters = 0x82100000u;
    c.output = 0x82200000u;
    c.im2col = 0x82400000u;
    c.zeros = 0x82800000u; /* never written: global memory starts zeroed */
    uint32_t seed = 99;
    int8_t *in = (int8_t *)(uintptr_t)c.input, *f = (int8_t *)(uintptr_t)c.filters;
    for (uint32_t i = 0; i < c.h * c.w * c.cin; ++i) in[i] = (int8_t)npu_xorshift32(&seed);
    for (uint32_t i = 0; i < c.kh * c.kw * c.cin * c.cout; ++i) f[i] = (int8_t)npu_xorshift32(&seed);
    return c;
}

static int check_demo(const struct npu_conv2d_args *c) {
    const int8_t *in = (const int8_t *)(uintptr_t)c->input, *f = (const int8_t *)(uintptr_t)c->filters;
    const int32_t *out = (const int32_t *)(uintptr_t)c->output;
    const uint32_t oh = npu_conv2d_out_h(c), ow = npu_conv2d_out_w(c);
    uint32_t seed = 5;
    int errors = 0;
    for (int sample = 0; sample < 64; ++sample) {
        const uint32_t oy = npu_xorshift32(&seed) % oh, ox = npu_xorshift32(&seed) % ow, co = npu_xorshift32(&seed) % c->cout;
        int32_t expected = 0;
        for (uint32_t ky = 0; ky < c->kh; ++ky)
            for (uint32_t kx = 0; kx < c->kw; ++kx) {
                const int32_t iy = (int32_t)(oy * c->stride + ky) - (int32_t)c->pad;
                const int32_t ix = (int32_t)(ox * c->stride + kx) - (int32_t)c->pad;
                if (iy < 0 || ix < 0 || iy >= (int32_t)c->h || ix >= (int32_t)c->w) continue;
                for (uint32_t ci = 0; ci < c->cin; ++ci) {
                    expected += in[((uint32_t)iy * c->w + (uint32_t)ix) * c->cin + ci] *
                                f[((ky * c->kw + kx) * c->cin + ci) * c->cout + co];
                }
            }
        const int32_t actual = out[(oy * ow + ox) * c->cout + co];
        if (actual != expected) {
            if (errors < 4) printf("out[%u][%u][%u] = %d, expected %d\n", (unsigned)oy, (unsigned)ox, (unsigned)co,
                                   (int)actual, (int)expected);
            ++errors;
        }
    }
    return errors;
}

static struct npu_conv2d_args demo_args;

int main(void) {
    const uint32_t hart = npu_hart_id(), harts = npu_hart_count();
    const struct conv2d_job *job = (const struct conv2d_job *)(uintptr_t)CONV2D_JOB_ADDRESS;
    const int is_demo = job->magic != CONV2D_JOB_MAGIC;
    if (is_demo && hart == 0) demo_args = demo();
    npu_barrier();
    struct npu_conv2d_args c;
    if (is_demo) c = demo_args;
    else memcpy(&c, &job->input, sizeof c);
    const uint64_t start = npu_read_mcycle();
    npu_conv2d(&c, hart, harts);
    const uint64_t cycles = npu_read_mcycle() - start;
    if (hart != 0) return 0;
    const struct npu_geometry geo = npu_read_geometry();
    const uint64_t macs = (uint64_t)npu_conv2d_out_h(&c) * npu_conv2d_out_w(&c) * c.cout * c.kh * c.kw * c.cin;
    const uint64_t peak = (uint64_t)geo.rows * geo.cols * harts * cycles;
    printf("conv2d %ux%ux%u -> %ux%ux%u (%ux%u, stride %u, pad %u) %s on %u tiles: %llu cycles, MAC utilisation %u.%u%%\n",
           (unsigned)c.h, (unsigned)c.w, (unsigned)c.cin, (unsigned)npu_conv2d_out_h(&c), (unsigned)npu_conv2d_out_w(&c),
           (unsigned)c.cout, (unsigned)c.kh, (unsigned)c.kw, (unsigned)c.stride, (unsigned)c.pad,
           c.dtype == NPU_DTYPE_BF16 ? "bf16" : "int8", (unsigned)harts, (unsigned long long)cycles,
           (unsigned)(macs * 100 / peak), (unsigned)(macs * 1000 / peak % 10));
    if (!is_demo) return 0;
    const int errors = check_demo(&c);
    printf("conv2d self-check: %s (64 sampled outputs)\n", errors ? "FAILED" : "passed");
    return errors ? 1 : 0;
}
