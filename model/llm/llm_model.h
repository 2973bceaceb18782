// A transformer model's dimensions and its parallel plan: one YAML schema (the `model:` and `plan:` sections) shared by
// the cluster model (configs/clusters/*.yaml) and `npuemu profile` (docs/profile.md). Model presets live in
// configs/models/NAME.yaml (a `model:` section each); `model: {preset: NAME, ...}` loads one and its keys override it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/config_keys.h"
#include "model/config/config_node.h"

namespace npuemu::llm {

enum class Activation { Gelu, Swiglu };  // swiglu: the MLP's up projection has two ffn_hidden halves (gate, up)

struct ModelSpec {
    std::string name = "unnamed";
    uint32_t layers = 24;
    uint32_t hidden = 2304;
    uint32_t heads = 24;
    uint32_t kv_heads = 0;    // 0: as many as heads (multi-head attention); fewer: grouped-query attention
    uint32_t ffn_hidden = 0;  // 0: 4 x hidden
    uint32_t seq_length = 2048;
    uint32_t vocab = 51200;
    uint32_t global_batch = 512;  // sequences per step
    Activation activation = Activation::Gelu;
    // Mixture of experts (every layer's MLP; 0 experts: dense). Each token goes to experts_per_token of them (top-k
    // routing), each expert an MLP of expert_ffn_hidden (0: ffn_hidden) with the model's activation.
    uint32_t experts = 0;
    uint32_t experts_per_token = 2;
    uint32_t expert_ffn_hidden = 0;
    bool dropout = true;  // attention and hidden dropout, as Megatron trains GPT (false: none, as Llama is trained)

    uint32_t head_dim() const { return hidden / heads; }
    bool moe() const { return experts > 0; }
};

// zero1: optimizer state sharded over the data-parallel ranks (Megatron's distributed optimizer); zero3 and fsdp (one
// scheme, two names: DeepSpeed ZeRO stage 3, PyTorch FullyShardedDataParallel FULL_SHARD) shard the parameters and
// gradients too, gathering each layer's parameters when it runs.
enum class DpSharding { None, Zero1, Zero3, Fsdp };
inline bool shards_parameters(DpSharding sharding) {
    return sharding == DpSharding::Zero3 || sharding == DpSharding::Fsdp;
}

struct PlanSpec {
    uint32_t tensor_parallel = 1;
    uint32_t pipeline_parallel = 1;
    uint32_t virtual_stages = 1;  // interleaved 1F1B: model chunks per pipeline stage
    uint32_t micro_batch = 1;     // sequences per micro-batch
    bool recompute = true;        // full activation recomputation: the forward runs again before backward
    DpSharding dp_sharding = DpSharding::None;
    bool dp_overlap = false;        // gradient all-reduce overlapped with the last micro-batch's backward
    bool scatter_gather = true;     // PP sends split across the TP ranks (Megatron's scatter/gather)
    uint32_t context_parallel = 1;  // CP: each sequence split over this many ranks (ring attention)
    uint32_t expert_parallel = 1;   // EP: a MoE layer's experts spread over this many data-parallel ranks
};

const KeyTable<ModelSpec>& model_keys();
const KeyTable<PlanSpec>& plan_keys();

// Reads a `model:` section into model (which holds the defaults): a `preset: NAME` (configs/models/NAME.yaml) or
// `preset: FILE.yaml` first, then the section's own keys over it; kv_heads 0 and ffn_hidden 0 take their defaults.
// Calls finish() on the section.
void read_model(config::ConfigNode section, ModelSpec& model);
// Reads a `plan:` section; calls finish() on it.
void read_plan(config::ConfigNode section, PlanSpec& plan);

// The checks the model and the plan owe each other (tensor_parallel divides the heads and the KV heads, heads divide
// hidden, ...): each failure is reported through top.fail() on the section ("model" or "plan") to change.
void check_model_plan(const ModelSpec& model, const PlanSpec& plan, const config::ConfigNode& top);

// The model presets there are (configs/models/*.yaml), by name, sorted.
std::vector<std::string> model_presets();
// configs/models/NAME.yaml, or NAME itself when it is a file; throws npuemu::Error listing the presets otherwise.
std::string model_preset_path(const std::string& name_or_path);

}  // namespace npuemu::llm
