/* The job block a host puts at OPTIMIZER_JOB_ADDRESS (npuemu run --load job.bin@0x81000000) to give
 * firmware/optimizer its AdamW step: npu_adamw's arguments. Shared by the firmware and the host harness
 * (tests/harness/adamw_check.cpp). */
#ifndef OPTIMIZER_JOB_H
#define OPTIMIZER_JOB_H

#include <stdint.h>

#define OPTIMIZER_JOB_ADDRESS 0x81000000u
#define OPTIMIZER_JOB_MAGIC 0x4D414441u /* "ADAM" */
#define OPTIMIZER_JOB_VERSION 1u

/* bytes: sizeof(struct optimizer_job), so a block written for another layout is refused. After magic, version and
 * bytes, field for field the same as struct npu_adamw_args (sdk/include/npuemu/kernels.h). */
struct optimizer_job {
    uint32_t magic, version, bytes;
    uint32_t count;
    uint32_t w, m, v;
    uint32_t g, grad_dtype;
    uint32_t w_bf16;
    uint32_t lr_bits, beta1_bits, beta2_bits, eps_bits, weight_decay_bits;
    uint32_t step;
};

#endif
