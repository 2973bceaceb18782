// What `npuemu profile` runs: a list of GEMM shapes, from a YAML file of ops (`ops:`) or derived from a model and a
// parallel plan (`model:` and `plan:` sections, the schema the cluster model reads: model/llm/llm_model.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/profile/profile_cache.h"
#include "firmware/layer_ops/layer_ops_job.h"
#include "model/config/chip_config.h"
#include "model/llm/layer_gemms.h"

namespace npuemu::profile {

struct ProfileOp {
    llm::GemmShape shape;  // a GEMM's; for the other kinds only its name
    std::string origin;    // where it came from, for messages: "ops.yaml:4:5: ops[1]" or "gpt3-175b TP=8"
    OpKind kind = OpKind::Gemm;
    uint32_t params = 0;                              // OpKind::Optimizer: parameters of the AdamW step
    AttentionDims attention;                          // OpKind::Attention, OpKind::AttentionBackward
    llm::RowPass row_pass = llm::RowPass::Layernorm;  // OpKind::Rows (shape.m x shape.n its rows x cols)
};

struct WorkloadOptions {
    std::string file;                    // an ops file or a model + plan file; empty: --model only
    std::string model;                   // --model NAME|FILE: a model preset, instead of (or over) the file's
    std::vector<std::string> overrides;  // --workload-set model.seq_length=128, plan.tensor_parallel=8, ...
    std::string dtype = "bf16";          // of the GEMMs derived from a model
    // A model's optimizer step is profiled on this many parameters (its time per parameter is what the cluster model
    // takes); 0: none.
    uint32_t optimizer_params = 0;
};

struct Workload {
    std::string description;  // "ops.yaml" or "gpt3-175b, TP 8, micro-batch 1 x 2048 tokens"
    std::vector<ProfileOp> ops;
    std::optional<llm::ModelSpec> model;
    std::optional<llm::PlanSpec> plan;
};

// Reads and checks the workload: unknown keys, a TP size that does not divide the heads, ... each an npuemu::Error
// naming file, line and key.
Workload load_workload(const WorkloadOptions& options);

// Where firmware/gemm's job puts A, B, C (FP32/INT32, or BF16 with the epilogue's BF16 output) and the bias row
// (global memory, 64 KiB aligned after the job block).
struct GemmLayout {
    uint32_t a = 0, b = 0, c = 0, bias = 0;
    uint64_t end = 0;  // one past the last
};
GemmLayout gemm_layout(const llm::GemmShape& shape);

// Where firmware/optimizer's job puts w, m, v, g (BF16) and the BF16 copy (64 KiB aligned after the job block).
struct OptimizerLayout {
    uint32_t w = 0, m = 0, v = 0, g = 0, w_bf16 = 0;
    uint64_t end = 0;  // one past the BF16 copy
};
OptimizerLayout optimizer_layout(uint32_t params);

// Where firmware/attention's job puts q, k and v (a fused [q | k | v] row per token, as a QKV projection leaves them),
// the output after them and the causal mask after that (4 MiB reserved: (4 x the array's columns)^2 FP32 for arrays
// up to 256 columns).
struct AttentionLayout {
    uint32_t q = 0, k = 0, v = 0, ld = 0, out = 0, out_ld = 0, mask = 0;
    uint64_t end = 0;
};
AttentionLayout attention_layout(const AttentionDims& a);

// firmware/layer_ops's job for a row pass or an attention backward (layer_ops_job.h), its arrays placed from
// 0x82000000, 64 KiB aligned (the attention backward's scratch last), and one past the last byte it needs (the
// scratch counted at seq^2 x 16 bytes: the kernel checks its own size against memory_end).
struct LayerOpsLayout {
    layer_ops_job job{};  // the job block, as firmware/layer_ops reads it
    uint64_t end = 0;
};
LayerOpsLayout layer_ops_layout(const ProfileOp& op, uint64_t memory_end);

// The most parameters (a power of two, at most 16 Mi) whose optimizer step fits the chip's global memory.
uint32_t optimizer_params_that_fit(const config::ChipConfig& chip);

// Throws npuemu::Error naming the op and global_memory.size_kib when its operands do not fit the chip's global memory.
void check_fits(const ProfileOp& op, const config::ChipConfig& chip);

}  // namespace npuemu::profile
