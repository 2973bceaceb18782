/* The job block a host puts at DECODER_TRAIN_JOB_ADDRESS (npuemu run --load job.bin@0x81000000) to give
 * firmware/decoder_train its layer and gradients: npu_decoder_train_args. Shared by the firmware and the host harness
 * (tests/harness/decoder_train_check.cpp). */
#ifndef DECODER_TRAIN_JOB_H
#define DECODER_TRAIN_JOB_H

#include <stdint.h>

#include "../decoder_layer/decoder_job.h"

#define DECODER_TRAIN_JOB_ADDRESS 0x81000000u
#define DECODER_TRAIN_JOB_MAGIC 0x4E525444u /* "DTRN" */
#define DECODER_TRAIN_JOB_VERSION 2u /* 2: the layer gained tp_coll (decoder job version 4) */

/* After magic, version and bytes (sizeof the block, checked), field for field struct npu_decoder_train_args
 * (sdk/include/npuemu/kernels.h): the layer as firmware/decoder_layer's job has it, then the gradients' places. */
struct decoder_train_job {
    uint32_t magic, version, bytes;
    struct decoder_job_layer layer;
    uint32_t d_out, d_x;
    uint32_t d_wqkv, d_wo, d_w1, d_w2;
    uint32_t d_bqkv, d_bo, d_b1, d_b2;
    uint32_t d_ln1_gamma, d_ln1_beta, d_ln2_gamma, d_ln2_beta;
    uint32_t phase_cycles;
};

#endif
