/* What the decoder layer's forward (decoder.c) shares with its training pass (decoder_train.c): where the layer's
 * activations live in the scratch, its GEMMs and attention, and the forward over a given layout. Internal to the
 * kernel library. */
#ifndef NPUEMU_KERNELS_DECODER_INTERNAL_H
#define NPUEMU_KERNELS_DECODER_INTERNAL_H

#include <stdint.h>

#include "npuemu/kernels.h"

/* The forward's buffers in global memory. With train, the two norms' BF16 outputs get buffers of their own (ln16,
 * ln2_16; otherwise ln2_16 == ln16): the backward reads both. z32 is 0 here (the MLP up GEMM's epilogue applies
 * GELU); the training layout sets it to keep the pre-activation z = b W1 + b1 in FP32 for the GELU backward (the
 * GEMM writes z, a row pass u). a16: a tensor-parallel rank's BF16 partial sums (0 without tp_coll). row_stats
 * (train only, else 0): the flash attention's row statistics for the backward. `end`: the first byte after the
 * buffers. */
struct decoder_layout {
    uint32_t ln16, ln2_16, z32, qkv16, o16, a32, h32, u16, g32, qkv32, mask, a16, row_stats, end;
};
struct decoder_gemms {
    struct npu_gemm_args qkv, wo, up, down;
};

uint32_t decoder_qkv_width(const struct npu_decoder_args* d);
struct decoder_layout decoder_layout_of(const struct npu_decoder_args* d, int train);
struct decoder_gemms decoder_gemms_of(const struct npu_decoder_args* d, const struct decoder_layout* l);
struct npu_flash_attention_args decoder_attention_of(const struct npu_decoder_args* d, const struct decoder_layout* l);
void decoder_prepare_with(const struct npu_decoder_args* d, const struct decoder_layout* l, uint32_t hart,
                          uint32_t harts, struct npu_decoder_plan* plan);
void decoder_forward_with(const struct npu_decoder_args* d, const struct npu_decoder_plan* plan,
                          const struct decoder_layout* l, uint32_t hart, uint32_t harts);

#endif
