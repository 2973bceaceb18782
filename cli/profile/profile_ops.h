// What `npuemu profile` runs: a list of GEMM shapes, from a YAML file of ops (`ops:`) or derived from a model and a
// parallel plan (`model:` and `plan:` sections, the schema the cluster model reads: model/llm/llm_model.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/config/chip_config.h"
#include "model/llm/layer_gemms.h"

namespace npuemu::profile {

struct ProfileOp {
    llm::GemmShape shape;
    std::string origin;  // where it came from, for messages: "ops.yaml:4:5: ops[1]" or "gpt3-175b TP=8"
};

struct WorkloadOptions {
    std::string file;                    // an ops file or a model + plan file; empty: --model only
    std::string model;                   // --model NAME|FILE: a model preset, instead of (or over) the file's
    std::vector<std::string> overrides;  // --workload-set model.seq_length=128, plan.tensor_parallel=8, ...
    std::string dtype = "bf16";          // of the GEMMs derived from a model
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

// Where firmware/gemm's job puts A, B and C (global memory, 64 KiB aligned after the job block).
struct GemmLayout {
    uint32_t a = 0, b = 0, c = 0;
    uint64_t end = 0;  // one past C
};
GemmLayout gemm_layout(const llm::GemmShape& shape);

// Throws npuemu::Error naming the op and global_memory.size_kib when A, B and C do not fit the chip's global memory.
void check_fits(const ProfileOp& op, const config::ChipConfig& chip);

}  // namespace npuemu::profile
