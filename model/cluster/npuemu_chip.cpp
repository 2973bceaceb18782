#include "model/cluster/npuemu_chip.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/cluster/cluster_config.h"
#include "model/cluster/workload.h"
#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/config/config_lookup.h"
#include "model/llm/layer_ops.h"

namespace npuemu::cluster {

namespace {

using ProfileJson = nlohmann::json;

constexpr int kProfileSchemaVersion = 1;

std::string profile_path(const std::string& profile, const std::string& cluster_file) {
    namespace fs = std::filesystem;
    if (profile.empty()) throw Error("chips.npuemu.profile: give the profile's JSON (npuemu profile --out NAME)");
    if (fs::exists(profile)) return profile;
    if (fs::path(profile).is_absolute()) throw Error("chips.npuemu.profile: no file '" + profile + "'");
    const fs::path beside = fs::path(cluster_file).parent_path() / profile;
    if (fs::exists(beside)) return beside.string();
    throw Error("chips.npuemu.profile: no file '" + profile + "' (nor " + beside.string() + ")");
}

ProfileJson read_profile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read the profile");
    ProfileJson json;
    try {
        json = ProfileJson::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not a profile's JSON: " + e.what());
    }
    if (!json.is_object() || json.value("schema", "") != "npuemu-profile") {
        throw Error(path + ": not an `npuemu profile` table (schema npuemu-profile)");
    }
    if (json.value("schema_version", 0) != kProfileSchemaVersion) {
        throw Error(path + ": profile schema version " + json.value("schema_version", ProfileJson(0)).dump() +
                    ", this npuemu reads " + std::to_string(kProfileSchemaVersion));
    }
    return json;
}

std::string number(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

// The command that profiles this model and plan on this chip config: every key the layer's shard shapes depend on.
std::string profile_command(const llm::ModelSpec& m, const llm::PlanSpec& p, const NpuemuChipSpec& spec) {
    return "npuemu profile --model " + m.name + " -w model.hidden=" + std::to_string(m.hidden) +
           " -w model.heads=" + std::to_string(m.heads) + " -w model.kv_heads=" + std::to_string(m.kv_heads) +
           " -w model.ffn_hidden=" + std::to_string(m.ffn_hidden) +
           " -w model.seq_length=" + std::to_string(m.seq_length) +
           " -w model.activation=" + (m.activation == llm::Activation::Swiglu ? "swiglu" : "gelu") +
           " -w plan.tensor_parallel=" + std::to_string(p.tensor_parallel) +
           " -w plan.micro_batch=" + std::to_string(p.micro_batch) +
           (p.context_parallel > 1 ? " -w plan.context_parallel=" + std::to_string(p.context_parallel) : "") +
           " --dtype " + llm::dtype_name(spec.dtype) + " -c " + spec.config + " --out NAME";
}

// A GEMM row's shape as profiled: the epilogue and storage fields absent in older tables (plain, FP32 out).
llm::GemmShape profiled_shape(const ProfileJson& op) {
    llm::GemmShape s;
    s.m = op.value("m", 0u);
    s.n = op.value("n", 0u);
    s.k = op.value("k", 0u);
    s.dtype = op.value("dtype", "") == "int8" ? llm::GemmDtype::Int8 : llm::GemmDtype::Bf16;
    s.a_transposed = op.value("a_transposed", false);
    s.b_transposed = op.value("b_transposed", false);
    s.bias = op.value("bias", false);
    s.scale_cols = op.value("scale_cols", 0u);
    s.gelu = op.value("gelu", false);
    s.out_bf16 = op.value("out", "fp32") == "bf16";
    return s;
}

const ProfileJson* find_op(const ProfileJson& ops, const llm::GemmShape& shape) {
    for (const ProfileJson& op : ops) {
        if (op.value("kind", "gemm") == "gemm" && profiled_shape(op).same_run(shape)) return &op;
    }
    return nullptr;
}

const ProfileJson* find_row_pass(const ProfileJson& ops, const llm::RowPassShape& pass) {
    for (const ProfileJson& op : ops) {
        if (op.value("kind", "gemm") == "rows" && op.value("pass", "") == llm::row_pass_name(pass.pass) &&
            op.value("rows", 0u) == pass.rows && op.value("cols", 0u) == pass.cols &&
            op.value("scale_cols", 0u) == pass.scale_cols) {
            return &op;
        }
    }
    return nullptr;
}

double energy_of(const ProfileJson& entry) {
    const auto it = entry.find("energy_j");
    return it == entry.end() || it->is_null() ? -1 : it->get<double>();
}

}  // namespace

bool NpuemuChip::fused(const std::string& op) const { return attention_s > 0 && op == "softmax"; }

std::string NpuemuChip::measured_ops() const {
    std::string text = std::string(moe ? "qkv, proj" : "qkv, proj, mlp_up, mlp_down") +
                       (epilogues_profiled ? " (with the layer's epilogues)" : " (plain GEMMs, FP32 out)") +
                       (attention_s > 0 ? ", attention (scores, softmax, values: flash attention)" : "");
    if (rows_profiled) {
        text += std::string(", layernorms, residual adds") + (swiglu ? ", SwiGLU gate" : "") +
                (epilogues_profiled && !swiglu && !moe ? " (GELU in mlp_up's epilogue)" : "") + " (row passes)";
    }
    if (backward_profiled) {
        text += ", backward: dX and dW GEMMs, row-pass backwards and column sums";
        if (profiled_s.count("attention_backward")) text += ", attention backward";
    }
    return text + (optimizer_s_per_param > 0 ? ", optimizer" : "");
}

std::string NpuemuChip::estimated_ops() const {
    std::string text = std::string(attention_s > 0 ? "" : "attention scores and values (attention_efficiency), ") +
                       (moe ? "router and expert GEMMs (the layer GEMMs' utilisation), " : "") +
                       "logits (the layer GEMMs' utilisation), ";
    text += rows_profiled ? "dropout masks, embedding, cross-entropy" : "element-wise ops";
    text += std::string(optimizer_s_per_param > 0 ? "" : " and the optimizer") + " (memory_efficiency), ";
    if (!backward_profiled) return text + "backward (2x forward: the profile has no backward ops)";
    text += "backward of the ops above";
    if (!profiled_s.count("attention_backward")) text += " and of attention (no profiled attention backward)";
    if (swiglu) text += " and of the SwiGLU gate";
    return text + " (2x forward)";
}

namespace {

// The sum of profiled ops by name; < 0 when one is missing.
double sum_of(const std::map<std::string, double>& profiled, std::initializer_list<const char*> names) {
    double total = 0;
    for (const char* name : names) {
        const auto it = profiled.find(name);
        if (it == profiled.end()) return -1;
        total += it->second;
    }
    return total;
}

bool layer_op_named(const Op& op, const char* a, const char* b = nullptr) {
    return op.name == a || (b && op.name == b);
}

}  // namespace

double NpuemuChip::memory_s(const Op& op, double hbm_bytes_per_s) const {
    if (fused(op.name)) return 0;
    if (!rows_profiled || op.rows != tokens) return -1;
    const double dropout_s = op.dropout_bytes / hbm_bytes_per_s;
    if (layer_op_named(op, "layernorm1", "layernorm2")) return sum_of(profiled_s, {"layernorm"});
    if (layer_op_named(op, "bias_dropout_add1", "bias_dropout_add2"))
        return sum_of(profiled_s, {"residual"}) + dropout_s;
    if (op.name == "bias_gelu" && !moe) {
        if (swiglu) return sum_of(profiled_s, {"swiglu"});
        if (epilogues_profiled) return 0;  // in mlp_up's epilogue
    }
    return -1;
}

double NpuemuChip::backward_s(const Op& op, double hbm_bytes_per_s) const {
    if (!backward_profiled || op.rows != tokens) return -1;
    const std::map<std::string, double>& p = profiled_s;
    const double dropout_s = 2 * op.dropout_bytes / hbm_bytes_per_s;  // the mask applied to the gradient
    if (op.name == "qkv") return sum_of(p, {"scale_q", "qkv_dx", "qkv_dw", "bias_sums_qkv"});
    if (op.name == "proj") return sum_of(p, {"attention_out_dx", "attention_out_dw"});
    if (op.name == "mlp_up" && !moe) return sum_of(p, {"mlp_up_dx", "mlp_up_dw"});
    if (op.name == "mlp_down" && !moe) return sum_of(p, {"loss_to_bf16", "mlp_down_dx", "mlp_down_dw"});
    if (layer_op_named(op, "layernorm1", "layernorm2")) return sum_of(p, {"layernorm_backward"});
    // The residual's gradient and the attention-out bias's are made in layernorm 2's backward pass (its residual
    // input and column sums); MLP-down's bias gradient is a column sum of its own.
    if (op.name == "bias_dropout_add1") return dropout_s;
    if (op.name == "bias_dropout_add2") return sum_of(p, {"bias_sums_hidden"}) + dropout_s;
    if (op.name == "bias_gelu" && !moe && !swiglu) return sum_of(p, {"gelu_backward"});
    const double attention_backward_s = sum_of(p, {"attention_backward"});
    if (attention_backward_s < 0) return -1;
    if (op.name == "softmax") return 0;  // inside npu_attention_backward
    if (op.name == "attention_scores" || op.name == "attention_values") {
        return attention_backward_s * micro_batch / 2 / context_parallel;
    }
    return -1;
}

// The cycles of a profiled op at the chosen operating point (0: as profiled); throws naming the op when the profile
// has no run there.
static uint64_t profiled_cycles_at(const ProfileJson& op, uint32_t operating_point_mhz,
                                   const std::string& profile_file) {
    if (operating_point_mhz == 0) return op.at("cycles").get<uint64_t>();
    for (const ProfileJson& at : op.value("at_operating_points", ProfileJson::array())) {
        if (at.at("frequency_mhz").get<uint32_t>() == operating_point_mhz) return at.at("cycles").get<uint64_t>();
    }
    throw Error(profile_file + ": op '" + op.value("name", "?") + "' has no run at " +
                std::to_string(operating_point_mhz) + " MHz");
}

double NpuemuChip::gemm_s(const std::string& op, double flops) const {
    static const char* const profiled[][2] = {
        {"qkv", "qkv"}, {"proj", "attention_out"}, {"mlp_up", "mlp_up"}, {"mlp_down", "mlp_down"}};
    for (const auto& [workload_name, profile_name] : profiled) {
        if (op != workload_name) continue;
        for (const ProfiledGemm& g : layer_gemms) {
            if (g.shape.name == profile_name) return g.seconds;
        }
    }
    const double peak_flops_per_s = 2 * peak_macs_per_cycle * clock_hz;
    const bool attention = op == "attention_scores" || op == "attention_values";
    // The fused kernel's time, half each; a CP rank computes 1/cp of each sequence's queries against all its keys.
    if (attention && attention_s > 0) return attention_s * micro_batch / 2 / context_parallel;
    if (attention) {
        return flops / (peak_flops_per_s * spec.attention_efficiency);
    }
    return flops / (peak_flops_per_s * layer_gemm_utilization);  // logits, and any GEMM the profile lacks a rule for
}

NpuemuChip load_npuemu_chip(const NpuemuChipSpec& spec, const std::string& cluster_file, const llm::ModelSpec& model,
                            const llm::PlanSpec& plan, ChipSpec& chip) {
    NpuemuChip n;
    n.spec = spec;
    try {
        n.config_file = config::resolve_config(spec.config);
    } catch (const Error& e) {
        throw Error(std::string("chips.npuemu.config: ") + e.what());
    }
    const config::ChipConfig config = config::load_chip_config(n.config_file);
    n.chip_name = config.name;
    n.hbm_preset_file = config.hbm.preset_file;
    n.peak_macs_per_cycle = double(config.npu.matrix.rows) * config.npu.matrix.cols * config.tile_count;
    n.profile_file = profile_path(spec.profile, cluster_file);
    const ProfileJson profile = read_profile(n.profile_file);
    n.profile_workload = profile.value("workload", "");

    // A profile of another chip is refused: its cycles say nothing about this one.
    const std::string profiled_chip = profile.value("chip", "");
    const double profiled_peak = profile.value("peak_macs_per_cycle", 0.0);
    if (profiled_chip != config.name || profiled_peak != n.peak_macs_per_cycle) {
        throw Error(n.profile_file + ": the profile was made for chip '" + profiled_chip + "' (" +
                    number(profiled_peak) + " MACs/cycle, " + profile.value("config", "?") +
                    "), the cluster's chip config " + n.config_file + " is '" + config.name + "' (" +
                    number(n.peak_macs_per_cycle) + " MACs/cycle): profile it with -c " + spec.config);
    }

    // The cycles at the chosen operating point, at that point's clock.
    n.clock_hz = double(config.clock_frequency_hz);
    bool point_found = spec.operating_point_mhz == 0;
    std::string points;
    for (const ProfileJson& p : profile.value("operating_points", ProfileJson::array())) {
        points += " " + p.at("frequency_mhz").dump();
        if (p.at("frequency_mhz").get<uint32_t>() == spec.operating_point_mhz) point_found = true;
    }
    if (!point_found) {
        throw Error(n.profile_file + ": chips.npuemu.operating_point_mhz " + std::to_string(spec.operating_point_mhz) +
                    " is not a profiled operating point (MHz:" + (points.empty() ? " none" : points) + ")");
    }
    if (spec.operating_point_mhz != 0) n.clock_hz = spec.operating_point_mhz * 1e6;

    const ProfileJson ops = profile.value("ops", ProfileJson::array());
    double ideal_s = 0, energy_j = 0, energy_s = 0;
    bool all_energy = true;
    // The GEMMs as the layer runs them (their epilogues) when the profile has them all, else the plain ones an older
    // profile ran.
    const std::vector<llm::GemmShape> as_run = llm::layer_gemms(model, plan, spec.dtype, true);
    n.epilogues_profiled = std::all_of(as_run.begin(), as_run.end(),
                                       [&ops](const llm::GemmShape& g) { return find_op(ops, g) != nullptr; });
    for (const llm::GemmShape& shape : n.epilogues_profiled ? as_run : llm::layer_gemms(model, plan, spec.dtype)) {
        const ProfileJson* op = find_op(ops, shape);
        if (!op) {
            throw Error(n.profile_file + " has no " + llm::dtype_name(shape.dtype) + " GEMM " +
                        std::to_string(shape.m) + " x " + std::to_string(shape.n) + " x " + std::to_string(shape.k) +
                        " (m x n x k: " + shape.name + " of " + model.name + " at TP " +
                        std::to_string(plan.tensor_parallel) + ", micro-batch " + std::to_string(plan.micro_batch) +
                        " x " + std::to_string(model.seq_length) + " tokens" +
                        (plan.context_parallel > 1 ? " / CP " + std::to_string(plan.context_parallel) : "") +
                        "; the profile ran: " + n.profile_workload +
                        "). Profile it with: " + profile_command(model, plan, spec));
        }
        ProfiledGemm g;
        g.shape = shape;
        g.cycles = op->at("cycles").get<uint64_t>();
        g.energy_j = energy_of(*op);
        double run_s = op->value("run_time_ps", 0.0) * 1e-12;
        if (spec.operating_point_mhz != 0) {
            bool pinned = false;
            for (const ProfileJson& at : op->value("at_operating_points", ProfileJson::array())) {
                if (at.at("frequency_mhz").get<uint32_t>() != spec.operating_point_mhz) continue;
                g.cycles = at.at("cycles").get<uint64_t>();
                g.energy_j = energy_of(at);
                run_s = 0;  // a pinned run's whole time is not in the table: its GEMM time stands in
                pinned = true;
            }
            if (!pinned) {
                throw Error(n.profile_file + ": op '" + op->value("name", "?") + "' has no run at " +
                            std::to_string(spec.operating_point_mhz) + " MHz");
            }
        }
        g.seconds = double(g.cycles) / n.clock_hz;
        const double gemm_flops = 2.0 * shape.m * shape.n * shape.k;
        ideal_s += gemm_flops / (2 * n.peak_macs_per_cycle * n.clock_hz);
        if (g.energy_j < 0) all_energy = false;
        energy_j += g.energy_j;
        energy_s += run_s > 0 ? run_s : g.seconds;
        n.layer_gemms.push_back(g);
    }
    // Flash attention of one sequence of this rank's heads, if the profile ran it for this model and plan.
    n.micro_batch = plan.micro_batch;
    n.context_parallel = plan.context_parallel;
    n.moe = model.moe();
    const uint32_t t = plan.tensor_parallel;
    for (const ProfileJson& op : ops) {
        if (op.value("kind", "gemm") != "attention" || !op.contains("attention")) continue;
        const ProfileJson& a = op.at("attention");
        if (a.value("seq", 0u) == model.seq_length && a.value("heads", 0u) == model.heads / t &&
            a.value("kv_heads", 0u) == std::max(1u, model.kv_heads / t) &&
            a.value("d_head", 0u) == model.hidden / model.heads) {
            n.attention_s = double(profiled_cycles_at(op, spec.operating_point_mhz, n.profile_file)) / n.clock_hz;
        }
    }
    // The optimizer step, if the profile ran one: its time per parameter (the largest run, the least start-up).
    for (const ProfileJson& op : ops) {
        if (op.value("kind", "gemm") != "optimizer") continue;
        const uint32_t params = op.value("params", 0u);
        if (params == 0 || params <= n.optimizer_params) continue;
        n.optimizer_params = params;
        n.optimizer_s_per_param =
            double(profiled_cycles_at(op, spec.operating_point_mhz, n.profile_file)) / n.clock_hz / params;
    }
    // The row passes and the backward ops, each when the profile has it for this model and plan.
    n.swiglu = model.activation == llm::Activation::Swiglu;
    n.tokens = double(plan.micro_batch) * model.seq_length / plan.context_parallel;
    const auto seconds_of = [&](const ProfileJson& op) {
        return double(profiled_cycles_at(op, spec.operating_point_mhz, n.profile_file)) / n.clock_hz;
    };
    bool rows_all = true, backward_all = spec.dtype == llm::GemmDtype::Bf16;
    for (const llm::RowPassShape& pass : llm::layer_row_passes(model, plan)) {
        const bool forward = pass.pass == llm::RowPass::Layernorm || pass.pass == llm::RowPass::Residual ||
                             pass.pass == llm::RowPass::ResidualBf16 || pass.pass == llm::RowPass::Swiglu;
        const ProfileJson* op = find_row_pass(ops, pass);
        if (op)
            n.profiled_s[pass.name] = seconds_of(*op);
        else
            (forward ? rows_all : backward_all) = false;
    }
    for (const llm::GemmShape& shape : llm::layer_backward_gemms(model, plan)) {
        const ProfileJson* op = find_op(ops, shape);
        if (op)
            n.profiled_s[shape.name] = seconds_of(*op);
        else
            backward_all = false;
    }
    n.rows_profiled = rows_all;
    n.backward_profiled = backward_all;
    for (const ProfileJson& op : ops) {
        if (op.value("kind", "gemm") != "attention_backward" || !op.contains("attention")) continue;
        const ProfileJson& a = op.at("attention");
        if (llm::attention_backward_supported(model, plan) && a.value("seq", 0u) == model.seq_length &&
            a.value("heads", 0u) == model.heads / t && a.value("d_head", 0u) == model.hidden / model.heads) {
            n.profiled_s["attention_backward"] = seconds_of(op);
        }
    }
    double gemm_s = 0;
    for (const ProfiledGemm& g : n.layer_gemms) gemm_s += g.seconds;
    n.layer_gemm_utilization = ideal_s / gemm_s;
    n.power_w = spec.power_w > 0 ? spec.power_w : all_energy && energy_s > 0 ? energy_j / energy_s : 0;

    chip = ChipSpec{};
    chip.name = config.name;
    chip.peak_bf16_tflops = 2 * n.peak_macs_per_cycle * double(config.clock_frequency_hz) / 1e12;
    chip.peak_fp8_tflops = 0;
    chip.hbm_bandwidth_gbyte_per_s = config.hbm.peak_bytes_per_second() / 1e9;
    chip.hbm_capacity_gbyte = double(config.hbm.geometry.capacity_bytes()) / 1e9;
    chip.memory_efficiency = spec.memory_efficiency;
    chip.kernel_overhead_us = 0;  // the profiled cycles are the kernel's whole run on the chip
    chip.power_w = n.power_w;
    return n;
}

}  // namespace npuemu::cluster
