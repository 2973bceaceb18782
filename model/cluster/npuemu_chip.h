// An npuemu chip in the cluster model: a chip config (configs/*.yaml, as `npuemu run -c`) plus the table
// `npuemu profile` wrote for it (docs/profile.md). The layer's weight GEMMs take the profiled cycles of their shard
// shapes (model/llm/layer_gemms.h, matched on m, n, k and dtype) at the chip's clock, or at a chosen DVFS operating
// point; what the profile does not cover yet is estimated by stated rules (docs/cluster.md, "npuemu chips"):
//   - attention's score and value GEMMs and softmax: the profile's attention op (npu_flash_attention over one sequence
//     of the rank's heads, causal; its time split evenly between the two GEMMs, times the micro-batch; the softmax
//     inside it) when the profile has it matching the plan, else estimated:
//     attention_efficiency of the arrays' peak, on the full s x s FLOPs the
//     workload counts (default 0.538: firmware/attention's measured 183k cycles for one GPT-3 175B TP=8 shard, 26.9%
//     of peak counting the causal MACs only, which are half the full count);
//   - the logits GEMM: the profiled layer GEMMs' MAC utilisation (their FLOP-weighted mean);
//   - element-wise ops: the profile's row passes as the layer runs them (model/llm/layer_ops.h: layernorm, the
//     residual add, SwiGLU's gate; GELU inside MLP-up's epilogue) when it has them; the rest (and all of them with an
//     older profile) their bytes at memory_efficiency of the chip config's HBM peak bandwidth;
//   - the backward: the profile's backward ops (dX and dW GEMMs, row-pass backwards and column sums, the attention
//     backward) when it has them; else (older profiles, and the ops they do not cover) twice the forward;
//   - the optimizer step: the profile's optimizer op (npu_adamw's cycles per parameter) when it has one, else its
//     bytes (28 per parameter) at memory_efficiency of the HBM peak.
// Never one roofline peak for the GEMMs. Power per chip: the profiled runs' energy over their time (0, unknown, when
// the profile has no energy and chips.npuemu.power_w is not given).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/llm/layer_gemms.h"
#include "model/llm/llm_model.h"

namespace npuemu::cluster {

struct ChipSpec;
struct Op;

// The `chips.npuemu:` section of a cluster file.
struct NpuemuChipSpec {
    std::string config = "default";       // chip config name or file
    std::string profile;                  // the profile's JSON (`npuemu profile --out NAME` writes NAME.json)
    uint32_t operating_point_mhz = 0;     // 0: the cycles as profiled (the chip's own DVFS); else a profiled point's
    double attention_efficiency = 0.538;  // attention score/value GEMMs (full s x s FLOPs): share of peak
    double memory_efficiency = 0.8;       // element-wise ops: share of the HBM peak bandwidth
    double power_w = 0;                   // 0: from the profile's energy
    llm::GemmDtype dtype = llm::GemmDtype::Bf16;
};

struct ProfiledGemm {
    llm::GemmShape shape;
    uint64_t cycles = 0;  // at the chosen operating point
    double seconds = 0;
    double energy_j = 0;  // < 0: the profile has no energy (a chip config without a power model)
};

struct NpuemuChip {
    NpuemuChipSpec spec;
    std::string config_file;      // resolved
    std::string profile_file;     // resolved
    std::string hbm_preset_file;  // the chip config's HBM preset (resolved)
    std::string chip_name;
    std::string profile_workload;  // the profile's own description of what it ran
    double clock_hz = 0;           // the operating point's (or the chip config's) clock
    double peak_macs_per_cycle = 0;
    std::vector<ProfiledGemm> layer_gemms;  // qkv, attention_out, mlp_up, mlp_down of the cluster's model and plan
    double layer_gemm_utilization = 0;      // their MAC utilisation, FLOP-weighted
    double power_w = 0;                     // spec.power_w, or the profile's energy over its GEMM time
    double attention_s = 0;                 // the profiled flash attention of one sequence; 0: not profiled
    uint32_t micro_batch = 1;               // sequences per micro-batch (the plan's)
    uint32_t context_parallel = 1;          // the plan's CP size
    bool moe = false;                       // the model routes its MLP to experts (their GEMMs are estimated)
    double optimizer_s_per_param = 0;       // the profiled AdamW step's time per parameter; 0: not profiled
    uint32_t optimizer_params = 0;          // the parameters of that profiled step
    double tokens = 0;                      // a layer op's token rows: micro_batch x seq_length / CP
    bool swiglu = false;                    // the model's MLP-up is SwiGLU's gate and up (its gate a row pass)
    // The layer's other profiled ops, seconds each at the chosen operating point, by the names of model/llm/
    // layer_ops.h: the row passes, the backward GEMMs (qkv_dx, qkv_dw, ...) and "attention_backward" (one sequence).
    std::map<std::string, double> profiled_s;
    bool epilogues_profiled = false;  // the forward GEMMs ran with the layer's epilogues (else plain: an older profile)
    bool rows_profiled = false;       // the forward row passes are in the profile
    bool backward_profiled = false;   // the backward GEMMs and row passes are in the profile

    // True for a memory-bound op of the workload that a profiled kernel already does (the softmax, inside the
    // profiled flash attention): it costs nothing more.
    bool fused(const std::string& op) const;
    // Which of the step's ops take profiled times and which are estimated, for the report.
    std::string measured_ops() const;
    std::string estimated_ops() const;

    // An element-wise op's forward time when a profiled row pass does its work (0 when a profiled kernel does it
    // inside: the softmax, GELU in MLP-up's epilogue); < 0: not profiled, estimated from its bytes. The dropout masks
    // the firmware's layer has not are added at hbm_bytes_per_s.
    double memory_s(const Op& op, double hbm_bytes_per_s) const;
    // An op's backward time from the profiled backward ops; < 0: not profiled (twice the forward is charged).
    double backward_s(const Op& op, double hbm_bytes_per_s) const;

    // The time of one forward GEMM of the cluster workload (model/cluster/workload.h names): the profiled shard for
    // qkv, proj, mlp_up, mlp_down; the stated estimates for the others (MoE experts: the layer GEMMs' utilisation).
    double gemm_s(const std::string& op, double flops) const;
};

// Loads the chip config and the profile, matches the plan's layer GEMMs against it and fills chip (the parametric
// fields the rest of the cluster model reads: peak, HBM bandwidth and capacity, power). A relative profile path is
// taken as given when it exists, else relative to the cluster file's folder. Throws npuemu::Error: a profile of
// another chip (its name or its peak MACs per cycle differ), a shape missing from the table (naming it and the
// `npuemu profile` command that would profile it), an operating point the profile has not run.
NpuemuChip load_npuemu_chip(const NpuemuChipSpec& spec, const std::string& cluster_file, const llm::ModelSpec& model,
                            const llm::PlanSpec& plan, ChipSpec& chip);

}  // namespace npuemu::cluster
