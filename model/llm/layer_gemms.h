// The GEMMs of one transformer layer's forward pass on one tensor-parallel rank (Megatron's split: QKV and MLP-up by
// columns, attention-out and MLP-down by rows), for a micro-batch of micro_batch x seq_length tokens: the per-chip
// shard shapes `npuemu profile` runs on the chip model. With context parallelism a rank holds s/cp of the tokens. The cluster model's workload (model/cluster/workload.cpp) uses
// the same split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/llm/llm_model.h"

namespace npuemu::llm {

enum class GemmDtype { Int8, Bf16 };

const char* dtype_name(GemmDtype dtype);

// C[m x n] = A[m x k] x B[k x n], and how the layer runs it: its operands' storage and npu_gemm's epilogue
// (sdk/include/npuemu/kernels.h). All false / 0 is the plain GEMM with FP32 (INT8: INT32) output, which profiles made
// before the epilogue fields were added ran.
struct GemmShape {
    std::string name;
    uint32_t m = 0, n = 0, k = 0;
    GemmDtype dtype = GemmDtype::Bf16;
    bool a_transposed = false;  // A stored k x m (a weight gradient's X^T)
    bool b_transposed = false;  // B stored n x k (an input gradient's W^T)
    bool bias = false;          // + an FP32 bias row
    uint32_t scale_cols = 0;    // columns [0, scale_cols) scaled (QKV: q by 1/sqrt(d_head))
    bool gelu = false;          // GELU in the epilogue
    bool out_bf16 = false;      // the output rounded to BF16 by the epilogue (else FP32)

    bool plain() const { return !a_transposed && !b_transposed && !bias && !scale_cols && !gelu && !out_bf16; }
    // "bf16 out, bias, GELU", "B transposed", ... ; "" for a plain GEMM.
    std::string variant() const;
    bool same_run(const GemmShape& o) const;  // every field but the name
};

// qkv, attention_out, mlp_up, mlp_down of one layer on one TP rank. KV heads fewer than the TP size are replicated
// (one per rank). Throws npuemu::Error when a dimension overflows 32 bits; check_model_plan() first.
// With as_run, each with the epilogue firmware's decoder layer gives it (sdk/src/kernels/decoder.c): QKV + bias, q
// scaled, BF16 out; attention-out and MLP-down BF16 partial sums with TP > 1 (FP32 with TP 1); MLP-up + bias, GELU,
// BF16 out (SwiGLU: + bias, FP32 out, the gate in a row pass). Without: the plain GEMMs.
std::vector<GemmShape> layer_gemms(const ModelSpec& model, const PlanSpec& plan, GemmDtype dtype, bool as_run = false);

}  // namespace npuemu::llm
