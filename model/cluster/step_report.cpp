#include "model/cluster/step_report.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "model/cluster/heat_report.h"

namespace npuemu::cluster {

namespace {

const char* dp_sharding_name(DpSharding sharding) {
    switch (sharding) {
        case DpSharding::Zero1: return "zero1";
        case DpSharding::Zero3: return "zero3";
        case DpSharding::Fsdp: return "fsdp";
        default: return "none";
    }
}

}  // namespace

std::vector<LossPart> loss_parts(const StepLosses& l) {
    return {{"useful_compute", "useful compute", l.useful_compute_s},
            {"recompute", "recomputation", l.recompute_s},
            {"compute_inefficiency", "compute inefficiency", l.compute_inefficiency_s},
            {"tp_communication", "TP communication", l.tp_communication_s},
            {"cp_communication", "CP communication", l.cp_communication_s},
            {"ep_communication", "EP communication", l.ep_communication_s},
            {"pipeline_bubble", "pipeline bubble", l.pipeline_bubble_s},
            {"pp_communication", "PP communication", l.pp_communication_s},
            {"dp_communication", "DP communication", l.dp_communication_s},
            {"optimizer", "optimizer", l.optimizer_s},
            {"throttling", "throttling", l.throttling_s},
            {"stragglers", "stragglers", l.stragglers_s},
            {"failures", "failures and checkpoints", l.failures_s}};
}

nlohmann::ordered_json step_json(const ClusterConfig& c, const StepResult& r) {
    nlohmann::ordered_json j;
    j["schema"] = "npuemu.cluster.step/1";
    j["cluster"] = c.name;
    j["chip"] = c.chip.name;
    j["chips"] = c.chip_count;
    if (c.npuemu) {
        const NpuemuChip& n = *c.npuemu;
        nlohmann::ordered_json gemms = nlohmann::ordered_json::array();
        for (const ProfiledGemm& g : n.layer_gemms) {
            gemms.push_back({{"name", g.shape.name},
                             {"m", g.shape.m},
                             {"n", g.shape.n},
                             {"k", g.shape.k},
                             {"cycles", g.cycles},
                             {"s", g.seconds}});
        }
        j["npuemu_chip"] = {{"config", n.config_file},
                            {"profile", n.profile_file},
                            {"profile_workload", n.profile_workload},
                            {"clock_mhz", n.clock_hz / 1e6},
                            {"operating_point_mhz", n.spec.operating_point_mhz},
                            {"layer_gemms", gemms},
                            {"layer_gemm_mac_utilization", n.layer_gemm_utilization},
                            {"attention_efficiency", n.spec.attention_efficiency},
                            {"memory_efficiency", n.spec.memory_efficiency},
                            {"attention_s_per_sequence", n.attention_s},
                            {"optimizer_s_per_param", n.optimizer_s_per_param},
                            {"optimizer_profiled_params", n.optimizer_params},
                            {"epilogues_profiled", n.epilogues_profiled},
                            {"row_passes_profiled", n.rows_profiled},
                            {"backward_profiled", n.backward_profiled},
                            {"measured_ops", n.measured_ops()},
                            {"estimated_ops", n.estimated_ops()},
                            {"power_w", n.power_w}};
    }
    j["plan"] = {{"tensor_parallel", c.plan.tensor_parallel},
                 {"pipeline_parallel", c.plan.pipeline_parallel},
                 {"virtual_stages", c.plan.virtual_stages},
                 {"data_parallel", r.data_parallel},
                 {"micro_batch", c.plan.micro_batch},
                 {"micro_batches", r.micro_batches},
                 {"context_parallel", c.plan.context_parallel},
                 {"expert_parallel", c.plan.expert_parallel},
                 {"dp_sharding", dp_sharding_name(c.plan.dp_sharding)}};
    j["step_s"] = r.step_s;
    j["tokens_per_s"] = r.tokens_per_s;
    j["megatron_tflops_per_chip"] = r.megatron_tflops_per_chip;
    j["model_tflops_per_chip"] = r.model_tflops_per_chip;
    j["mfu"] = r.mfu;
    nlohmann::ordered_json losses;
    for (const LossPart& part : loss_parts(r.losses)) {
        losses[part.key] = {{"s", part.seconds}, {"share", part.seconds / r.step_s}};
    }
    j["losses"] = losses;
    j["critical_stage"] = r.critical_stage;
    j["reliability"] = {{"failures_per_chip_hour", c.reliability.failures_per_chip_hour},
                        {"job_mtbf_s", r.failures.job_mtbf_s},
                        {"checkpoint_write_s", r.failures.checkpoint_write_s},
                        {"checkpoint_interval_s", r.failures.checkpoint_interval_s},
                        {"overhead_per_progress", r.failures.overhead_per_progress}};
    j["communication"] = {{"tp_all_reduce_s", r.tp_all_reduce_s},
                          {"tp_algorithm", r.tp_algorithm},
                          {"pp_send_s", r.pp_send_s},
                          {"pp_gather_s", r.pp_gather_s},
                          {"dp_gradient_s", r.dp_gradient_s},
                          {"dp_algorithm", r.dp_algorithm},
                          {"dp_bytes_per_chip", r.dp_bytes_per_chip},
                          {"fsdp_layer_gather_s", r.fsdp_layer_gather_s},
                          {"fsdp_layer_reduce_scatter_s", r.fsdp_layer_reduce_scatter_s},
                          {"cp_kv_pass_s", r.cp_kv_pass_s},
                          {"ep_all_to_all_s", r.ep_all_to_all_s}};
    nlohmann::ordered_json layer_ops;
    for (const auto& [name, seconds] : r.layer_forward.ops) layer_ops[name] = seconds;
    nlohmann::ordered_json backward_ops;
    double backward_s = 0;
    for (const auto& [name, seconds] : r.layer_backward_ops) {
        backward_ops[name] = seconds;
        backward_s += seconds;
    }
    j["layer_forward"] = {{"total_s", r.layer_forward.total_s()},
                          {"compute_s", r.layer_forward.compute_s},
                          {"tp_all_reduces", r.layer_forward.tp_all_reduces},
                          {"tp_s", r.layer_forward.tp_s},
                          {"ops_s", layer_ops}};
    j["layer_backward"] = {{"compute_s", backward_s}, {"ops_s", backward_ops}};
    j["memory_gbyte"] = {{"weights_and_gradients", r.memory.weights_bytes / 1e9},
                         {"optimizer", r.memory.optimizer_bytes / 1e9},
                         {"activations", r.memory.activation_bytes / 1e9},
                         {"total", r.memory.total_bytes() / 1e9},
                         {"capacity", c.chip.hbm_capacity_gbyte}};
    if (r.heat) j["heat"] = heat_json(c, r, *r.heat);
    return j;
}

std::string step_summary(const ClusterConfig& c, const StepResult& r) {
    std::string out;
    char line[512];
    const std::string chunks =
        c.plan.virtual_stages > 1 ? " (" + std::to_string(c.plan.virtual_stages) + " chunks each)" : "";
    std::string more;
    if (c.plan.context_parallel > 1) more += " x CP " + std::to_string(c.plan.context_parallel);
    if (c.plan.expert_parallel > 1) more += " (EP " + std::to_string(c.plan.expert_parallel) + " within DP)";
    if (c.plan.dp_sharding != DpSharding::None) more += std::string(", ") + dp_sharding_name(c.plan.dp_sharding);
    std::snprintf(line, sizeof line, "%s: %u x %s, TP %u x PP %u%s x DP %u%s, %u micro-batches of %u\n", c.name.c_str(),
                  c.chip_count, c.chip.name.c_str(), c.plan.tensor_parallel, c.plan.pipeline_parallel, chunks.c_str(),
                  r.data_parallel, more.c_str(), r.micro_batches, c.plan.micro_batch);
    out += line;
    std::snprintf(line, sizeof line,
                  "step %.3f s, %.0f tokens/s, %.1f TFLOP/s per chip (Megatron F), MFU %.1f%%, HBM %.1f of %.0f GB\n",
                  r.step_s, r.tokens_per_s, r.megatron_tflops_per_chip, 100 * r.mfu, r.memory.total_bytes() / 1e9,
                  c.chip.hbm_capacity_gbyte);
    out += line;
    if (c.npuemu) {
        const NpuemuChip& n = *c.npuemu;
        std::snprintf(line, sizeof line,
                      "npuemu chip %s at %.0f MHz: layer GEMMs from %s (%.1f%% MAC utilisation), attention "
                      "GEMMs at %.1f%% of peak, element-wise at %.0f%% of HBM peak, %s\n",
                      n.chip_name.c_str(), n.clock_hz / 1e6, n.profile_file.c_str(), 100 * n.layer_gemm_utilization,
                      100 * n.spec.attention_efficiency, 100 * n.spec.memory_efficiency,
                      n.power_w > 0 ? (std::to_string(int(n.power_w + 0.5)) + " W").c_str() : "power unknown");
        out += line;
        out += "  measured (profile): " + n.measured_ops() + "\n  estimated: " + n.estimated_ops() + "\n";
    }
    std::snprintf(line, sizeof line, "where the step goes (stage %u):\n", r.critical_stage);
    out += line;
    for (const LossPart& part : loss_parts(r.losses)) {
        if (std::string(part.key) == "failures" && c.reliability.failures_per_chip_hour <= 0) continue;
        std::snprintf(line, sizeof line, "  %-22s %10.4f s  %5.1f%%\n", part.key, part.seconds,
                      100 * part.seconds / r.step_s);
        out += line;
    }
    if (c.reliability.failures_per_chip_hour > 0) {
        std::snprintf(line, sizeof line,
                      "failures: the job fails every %.2f h; a checkpoint (%.1f s to write) every %.1f min; %.2f%% of "
                      "the step\n",
                      r.failures.job_mtbf_s / 3600, r.failures.checkpoint_write_s,
                      r.failures.checkpoint_interval_s / 60, 100 * r.losses.failures_s / r.step_s);
        out += line;
    }
    std::snprintf(line, sizeof line,
                  "collectives: TP all-reduce %.3f ms (%s), PP send %.3f ms, DP gradients %.3f ms (%s)\n",
                  1e3 * r.tp_all_reduce_s, r.tp_algorithm.c_str(), 1e3 * r.pp_send_s, 1e3 * r.dp_gradient_s,
                  r.dp_algorithm.c_str());
    out += line;
    if (r.fsdp_layer_gather_s > 0 || r.cp_kv_pass_s > 0 || r.ep_all_to_all_s > 0) {
        std::snprintf(line, sizeof line,
                      "             FSDP layer all-gather %.3f ms, reduce-scatter %.3f ms; CP key/value pass %.3f ms; "
                      "EP all-to-all %.3f ms\n",
                      1e3 * r.fsdp_layer_gather_s, 1e3 * r.fsdp_layer_reduce_scatter_s, 1e3 * r.cp_kv_pass_s,
                      1e3 * r.ep_all_to_all_s);
        out += line;
    }
    if (r.heat) out += heat_summary(c, r, *r.heat);
    return out;
}

}  // namespace npuemu::cluster
