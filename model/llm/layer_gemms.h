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

// C[m x n] = A[m x k] x B[k x n].
struct GemmShape {
    std::string name;
    uint32_t m = 0, n = 0, k = 0;
    GemmDtype dtype = GemmDtype::Bf16;
};

// qkv, attention_out, mlp_up, mlp_down of one layer on one TP rank. KV heads fewer than the TP size are replicated
// (one per rank). Throws npuemu::Error when a dimension overflows 32 bits; check_model_plan() first.
std::vector<GemmShape> layer_gemms(const ModelSpec& model, const PlanSpec& plan, GemmDtype dtype);

}  // namespace npuemu::llm
