#include "model/llm/llm_model.h"

#include <filesystem>
#include <memory>
#include <system_error>

#include "model/common/error.h"
#include "model/config/config_lookup.h"
#include "model/config/key_reader.h"

namespace npuemu::llm {

namespace fs = std::filesystem;

const KeyTable<ModelSpec>& model_keys() {
    static const KeyTable<ModelSpec> keys = {
        uint_key("layers", &ModelSpec::layers, 1, 100000, "", "transformer layers"),
        uint_key("hidden", &ModelSpec::hidden, 1, 1u << 20, "", "hidden size h"),
        uint_key("heads", &ModelSpec::heads, 1, 1u << 16, "", "attention heads"),
        uint_key("kv_heads", &ModelSpec::kv_heads, 0, 1u << 16, "", "key/value heads (0: = heads)"),
        uint_key("ffn_hidden", &ModelSpec::ffn_hidden, 0, 1u << 24, "", "MLP hidden size (0: 4h)"),
        uint_key("seq_length", &ModelSpec::seq_length, 1, 1u << 24, "", "tokens per sequence"),
        uint_key("vocab", &ModelSpec::vocab, 1, 1u << 24, "", "vocabulary size"),
        uint_key("global_batch", &ModelSpec::global_batch, 1, 1u << 30, "", "sequences per step"),
        choice_key<ModelSpec, Activation, &ModelSpec::activation>("activation", {"gelu", "swiglu"},
                                                                  "MLP activation (swiglu: gate and up projections)"),
        uint_key("experts", &ModelSpec::experts, 0, 1u << 16, "", "MoE experts per layer (0: dense MLP)"),
        uint_key("experts_per_token", &ModelSpec::experts_per_token, 1, 1u << 16, "", "MoE top-k routing"),
        uint_key("expert_ffn_hidden", &ModelSpec::expert_ffn_hidden, 0, 1u << 24, "",
                 "each expert's MLP hidden size (0: ffn_hidden)"),
        bool_key("dropout", &ModelSpec::dropout, "attention and hidden dropout (false: none)"),
    };
    return keys;
}

const KeyTable<PlanSpec>& plan_keys() {
    static const KeyTable<PlanSpec> keys = {
        uint_key("tensor_parallel", &PlanSpec::tensor_parallel, 1, 1024, "", "TP size (inside a node)"),
        uint_key("pipeline_parallel", &PlanSpec::pipeline_parallel, 1, 4096, "", "PP stages"),
        uint_key("virtual_stages", &PlanSpec::virtual_stages, 1, 1024, "", "model chunks per stage (interleaving)"),
        uint_key("micro_batch", &PlanSpec::micro_batch, 1, 1u << 20, "", "sequences per micro-batch"),
        bool_key("recompute", &PlanSpec::recompute, "full activation recomputation"),
        choice_key<PlanSpec, DpSharding, &PlanSpec::dp_sharding>(
            "dp_sharding", {"none", "zero1", "zero3", "fsdp"},
            "zero1: optimizer state sharded over DP; zero3 = fsdp: parameters and gradients too"),
        bool_key("dp_overlap", &PlanSpec::dp_overlap, "gradient all-reduce overlapped with the last backward"),
        bool_key("scatter_gather", &PlanSpec::scatter_gather, "PP sends split over the TP ranks"),
        uint_key("context_parallel", &PlanSpec::context_parallel, 1, 4096, "",
                 "CP size: ranks each sequence is split over"),
        uint_key("expert_parallel", &PlanSpec::expert_parallel, 1, 1u << 16, "",
                 "EP size: data-parallel ranks a MoE layer's experts are spread over"),
    };
    return keys;
}

namespace {

std::string models_dir() { return std::string(NPUEMU_CONFIG_DIR) + "/models"; }

void read_model_keys(config::ConfigNode& section, ModelSpec& model) {
    config::read_keys(section, model_keys(), model);
    model.name = section.get_string("name", model.name);
}

}  // namespace

std::vector<std::string> model_presets() { return config::yaml_presets_in(models_dir()); }

std::string model_preset_path(const std::string& name_or_path) {
    const bool is_path = name_or_path.find('/') != std::string::npos || fs::path(name_or_path).extension() == ".yaml";
    const std::string path = is_path ? name_or_path : models_dir() + "/" + name_or_path + ".yaml";
    // (The error_code form: a name the file system refuses, e.g. too long, is this error with the reason.)
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return path;
    const std::string reason = config::refusal_reason(ec);
    std::string list;
    for (const auto& name : model_presets()) list += " " + name;
    if (is_path) throw Error(name_or_path + ": no such model file" + reason);
    throw Error("no model preset '" + name_or_path + "'" + reason + " (presets:" + list + ")");
}

void read_model(config::ConfigNode section, ModelSpec& model) {
    if (section.has("preset")) {
        const std::string preset = section.get_string("preset", "");
        std::string path;
        try {
            path = model_preset_path(preset);
        } catch (const Error& e) {
            section.fail("preset", e.what());
        }
        YAML::Node root = config::load_yaml_file(path);
        config::ConfigNode top(root, path, "", std::make_shared<config::OverrideOrigins>());
        if (!top.has("model")) top.fail("model", "a model preset needs a model: section");
        config::ConfigNode preset_model = top.child("model");
        if (preset_model.has("preset")) preset_model.fail("preset", "a preset cannot name another preset");
        read_model_keys(preset_model, model);
        if (model.name == "unnamed") model.name = fs::path(path).stem().string();
        preset_model.finish();
        top.finish();
    }
    read_model_keys(section, model);
    section.finish();
    if (model.kv_heads == 0) model.kv_heads = model.heads;
    if (model.ffn_hidden == 0) model.ffn_hidden = 4 * model.hidden;
    if (model.expert_ffn_hidden == 0) model.expert_ffn_hidden = model.ffn_hidden;
}

void read_plan(config::ConfigNode section, PlanSpec& plan) {
    config::read_keys(section, plan_keys(), plan);
    section.finish();
}

void check_model_plan(const ModelSpec& m, const PlanSpec& p, const config::ConfigNode& top) {
    if (m.heads % p.tensor_parallel != 0) {
        top.fail("plan", "tensor_parallel " + std::to_string(p.tensor_parallel) + " does not divide the " +
                             std::to_string(m.heads) + " attention heads");
    }
    if (m.hidden % m.heads != 0) top.fail("model", "heads must divide hidden");
    if (m.kv_heads != 0 && m.heads % m.kv_heads != 0) top.fail("model", "kv_heads must divide heads");
    const uint32_t kv_heads = m.kv_heads == 0 ? m.heads : m.kv_heads;
    // Megatron replicates KV heads when TP exceeds them (GQA with few KV heads); otherwise TP must split them evenly.
    if (kv_heads >= p.tensor_parallel && kv_heads % p.tensor_parallel != 0) {
        top.fail("plan", "tensor_parallel " + std::to_string(p.tensor_parallel) + " does not divide the " +
                             std::to_string(kv_heads) + " key/value heads");
    }
    if (m.ffn_hidden % p.tensor_parallel != 0) {
        top.fail("plan", "tensor_parallel " + std::to_string(p.tensor_parallel) + " does not divide ffn_hidden " +
                             std::to_string(m.ffn_hidden));
    }
    if (m.seq_length % p.context_parallel != 0) {
        top.fail("plan", "context_parallel " + std::to_string(p.context_parallel) + " does not divide seq_length " +
                             std::to_string(m.seq_length));
    }
    if (!m.moe() && p.expert_parallel > 1) {
        top.fail("plan", "expert_parallel " + std::to_string(p.expert_parallel) +
                             " needs a mixture-of-experts model (model.experts > 0)");
    }
    if (m.moe()) {
        if (m.experts_per_token > m.experts) {
            top.fail("model", "experts_per_token " + std::to_string(m.experts_per_token) + " exceeds the " +
                                  std::to_string(m.experts) + " experts");
        }
        if (m.experts % p.expert_parallel != 0) {
            top.fail("plan", "expert_parallel " + std::to_string(p.expert_parallel) + " does not divide the " +
                                 std::to_string(m.experts) + " experts");
        }
        const uint32_t expert_ffn = m.expert_ffn_hidden == 0 ? m.ffn_hidden : m.expert_ffn_hidden;
        if (expert_ffn % p.tensor_parallel != 0) {
            top.fail("plan", "tensor_parallel " + std::to_string(p.tensor_parallel) +
                                 " does not divide expert_ffn_hidden " + std::to_string(expert_ffn));
        }
    }
}

}  // namespace npuemu::llm
