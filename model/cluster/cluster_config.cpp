#include "model/cluster/cluster_config.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "model/common/config_keys.h"
#include "model/common/error.h"
#include "model/config/config_lookup.h"
#include "model/config/config_node.h"
#include "model/config/key_reader.h"

namespace npuemu::cluster {

double ChipSpec::gemm_efficiency_at(double flops) const {
    if (gemm_efficiency.empty()) return 1.0;
    if (flops <= gemm_efficiency.front().gemm_flops) return gemm_efficiency.front().efficiency;
    if (flops >= gemm_efficiency.back().gemm_flops) return gemm_efficiency.back().efficiency;
    for (size_t i = 1; i < gemm_efficiency.size(); ++i) {
        const EfficiencyPoint& hi = gemm_efficiency[i];
        if (flops > hi.gemm_flops) continue;
        const EfficiencyPoint& lo = gemm_efficiency[i - 1];
        const double x = std::log(flops / lo.gemm_flops) / std::log(hi.gemm_flops / lo.gemm_flops);
        return lo.efficiency + x * (hi.efficiency - lo.efficiency);
    }
    return gemm_efficiency.back().efficiency;
}

namespace {

KeyTable<ChipSpec> chip_keys() {
    return {
        positive_key("peak_bf16_tflops", &ChipSpec::peak_bf16_tflops, 1e5, "TFLOP/s", "dense BF16/FP16 peak"),
        double_key("peak_fp8_tflops", &ChipSpec::peak_fp8_tflops, 0, 1e5, "TFLOP/s", "dense FP8 peak (0: none)"),
        double_key("peak_fp32_tflops", &ChipSpec::peak_fp32_tflops, 0, 1e5, "TFLOP/s", "FP32 (non-tensor) peak"),
        positive_key("hbm_bandwidth_gbyte_per_s", &ChipSpec::hbm_bandwidth_gbyte_per_s, 1e5, "GB/s", "HBM bandwidth"),
        positive_key("hbm_capacity_gbyte", &ChipSpec::hbm_capacity_gbyte, 1e4, "GB", "HBM capacity"),
        positive_key("memory_efficiency", &ChipSpec::memory_efficiency, 1, "",
                     "share of HBM bandwidth element-wise kernels reach"),
        double_key("kernel_overhead_us", &ChipSpec::kernel_overhead_us, 0, 1e4, "us",
                   "fixed cost of each kernel (launch, tail)"),
        double_key("power_w", &ChipSpec::power_w, 0, 1e5, "W", "board power at full load"),
    };
}

KeyTable<NodeSpec> node_keys() {
    return {
        uint_key("chips_per_node", &NodeSpec::chips_per_node, 1, 1024, "", "chips joined by the node's switch"),
        positive_key("link_bandwidth_gbyte_per_s", &NodeSpec::link_bandwidth_gbyte_per_s, 1e5, "GB/s",
                     "each chip to the node switch, each direction"),
        double_key("link_latency_us", &NodeSpec::link_latency_us, 0, 1e4, "us", "chip to chip inside the node"),
    };
}

KeyTable<NetworkSpec> network_keys() {
    return {
        uint_key("nics_per_chip", &NetworkSpec::nics_per_chip, 1, 64, "", "scale-out NICs per chip"),
        positive_key("nic_gbit_per_s", &NetworkSpec::nic_gbit_per_s, 1e5, "Gbit/s", "each NIC, each direction"),
        uint_key("tiers", &NetworkSpec::tiers, 2, 3, "", "fat-tree tiers: 2 leaf-spine, 3 leaf-spine-core"),
        uint_key("switch_radix", &NetworkSpec::switch_radix, 4, 4096, "", "ports per switch"),
        double_key("leaf_oversubscription", &NetworkSpec::leaf_oversubscription, 1, 64, "", "leaf down / up capacity"),
        double_key("spine_oversubscription", &NetworkSpec::spine_oversubscription, 1, 64, "",
                   "pod down / up capacity (3 tiers)"),
        double_key("nic_latency_us", &NetworkSpec::nic_latency_us, 0, 1e4, "us", "NIC, cable and leaf, one way"),
        double_key("leaf_latency_us", &NetworkSpec::leaf_latency_us, 0, 1e4, "us", "leaf -> spine -> leaf"),
        double_key("spine_latency_us", &NetworkSpec::spine_latency_us, 0, 1e4, "us", "spine -> core -> spine"),
        bool_key("rail_optimised", &NetworkSpec::rail_optimised, "chip i of every node on rail (leaf) i"),
        choice_key<NetworkSpec, NetworkKind, &NetworkSpec::kind>(
            "kind", {"fat_tree", "torus"}, "fat_tree: nodes and NICs into a Clos; torus: chips linked to neighbours"),
        uint_key("torus_x", &NetworkSpec::torus_x, 0, 1u << 20, "", "torus: chips along x (0: chips / (y z))"),
        uint_key("torus_y", &NetworkSpec::torus_y, 1, 1u << 20, "", "torus: chips along y"),
        uint_key("torus_z", &NetworkSpec::torus_z, 1, 1u << 20, "", "torus: chips along z"),
        positive_key("torus_link_gbyte_per_s", &NetworkSpec::torus_link_gbyte_per_s, 1e5, "GB/s",
                     "torus: each link, each direction"),
        double_key("torus_hop_latency_us", &NetworkSpec::torus_hop_latency_us, 0, 1e4, "us",
                   "torus: one hop, chip to neighbour"),
    };
}

KeyTable<ReliabilitySpec> reliability_keys() {
    return {
        double_key("failures_per_chip_hour", &ReliabilitySpec::failures_per_chip_hour, 0, 1, "",
                   "job-stopping failures per chip-hour (0: none; Llama 3: 1.97e-5)"),
        double_key("checkpoint_interval_s", &ReliabilitySpec::checkpoint_interval_s, 0, 1e7, "s", "0: Young's optimum"),
        positive_key("checkpoint_bytes_per_parameter", &ReliabilitySpec::checkpoint_bytes_per_parameter, 64, "B",
                     "what a checkpoint stores per parameter"),
        positive_key("storage_gbyte_per_s", &ReliabilitySpec::storage_gbyte_per_s, 1e6, "GB/s",
                     "checkpoint store write rate"),
        double_key("restart_s", &ReliabilitySpec::restart_s, 0, 1e6, "s", "detect, reschedule, reload"),
    };
}

KeyTable<BudgetSpec> budget_keys() {
    return {
        double_key("chip_price_usd", &BudgetSpec::chip_price_usd, 0, 1e8, "USD",
                   "per chip with its share of board, host and network (0: not given)"),
        double_key("chip_power_w", &BudgetSpec::chip_power_w, 0, 1e5, "W",
                   "per chip at the wall, for the power budget (0: the chip's power_w)"),
    };
}

KeyTable<CollectiveSpec> collective_keys() {
    return {
        choice_key<CollectiveSpec, CollectiveAlgorithm, &CollectiveSpec::algorithm>(
            "algorithm", {"auto", "ring", "tree", "hierarchical", "fastest"},
            "all-reduce algorithm (auto: tree below tree_below_kib as NCCL; fastest: the model's quickest)"),
        double_key("tree_below_kib", &CollectiveSpec::tree_below_kib, 0, 1e9, "KiB", "auto: tree below this size"),
        double_key("step_overhead_us", &CollectiveSpec::step_overhead_us, 0, 1e6, "us", "per algorithm step"),
        positive_key("bus_efficiency", &CollectiveSpec::bus_efficiency, 1, "", "share of link rate reached"),
        bool_key("pipelined_steps", &CollectiveSpec::pipelined_steps,
                 "ring steps pipelined: max(latency, data) each, one fill per phase"),
    };
}

KeyTable<WorkloadSpec> workload_keys() {
    return {
        choice_key<WorkloadSpec, WorkloadKind, &WorkloadSpec::kind>(
            "kind", {"training", "inference"}, "training: one step of the plan; inference: serving at a request rate"),
        uint_key("prompt_tokens", &WorkloadSpec::prompt_tokens, 1, 1u << 20, "tokens", "inference: each prompt"),
        uint_key("output_tokens", &WorkloadSpec::output_tokens, 1, 1u << 20, "tokens",
                 "inference: tokens generated per request"),
        positive_key("request_rate_per_s", &WorkloadSpec::request_rate_per_s, 1e9, "1/s",
                     "inference: requests arriving at the cluster"),
        uint_key("max_batch", &WorkloadSpec::max_batch, 1, 1u << 20, "sequences",
                 "inference: sequences one replica decodes at once, at most"),
    };
}

// An inference cluster is TP x PP replicas of a dense model: no context, expert or data-parallel sharding to place.
void check_inference_plan(const ClusterConfig& c, config::ConfigNode& top) {
    const PlanSpec& p = c.plan;
    if (c.model.moe()) top.fail("workload", "kind inference is modelled for dense models only (model.experts is set)");
    if (p.context_parallel != 1 || p.expert_parallel != 1 || p.dp_sharding != DpSharding::None) {
        top.fail("workload",
                 "kind inference places TP x PP replicas: plan.context_parallel and "
                 "plan.expert_parallel must be 1 and plan.dp_sharding none");
    }
}

KeyTable<ComparatorThermal> comparator_thermal_keys() {
    return {
        positive_key("tj_max_mC", &ComparatorThermal::tj_max_mC, 200000, "mC", "the junction limit it throttles at"),
        positive_key("nominal_clock_mhz", &ComparatorThermal::nominal_clock_mhz, 1e5, "MHz",
                     "the clock at frequency_ratio 1 (reported)"),
        positive_key("package_k_per_w", &ComparatorThermal::package_k_per_w, 100, "K/W",
                     "hottest die above the heat sink per watt"),
        positive_key("sink_scale", &ComparatorThermal::sink_scale, 100, "",
                     "times the cooling preset's sink-to-inlet resistance"),
        double_key("leakage_w", &ComparatorThermal::leakage_w, 0, 1e5, "W", "at the reference temperature"),
        double_key("leakage_reference_mC", &ComparatorThermal::leakage_reference_mC, 0, 200000, "mC",
                   "the leakage's reference temperature"),
        double_key("leakage_per_kelvin", &ComparatorThermal::leakage_per_kelvin, 0, 1, "1/K",
                   "leakage's linear temperature coefficient"),
    };
}

void read_comparator_thermal(config::ConfigNode node, ComparatorThermal& thermal) {
    thermal.given = true;
    config::read_keys(node, comparator_thermal_keys(), thermal);
    std::vector<config::ConfigNode> points = node.list("operating_points");
    if (points.empty()) node.fail("operating_points", "give the chip's DVFS points (frequency and voltage ratios)");
    thermal.points.clear();
    for (config::ConfigNode& p : points) {
        ComparatorDvfsPoint point;
        point.frequency_ratio = p.get_double("frequency_ratio", 0, 0.01, 1);
        point.voltage_ratio = p.get_double("voltage_ratio", 0, 0.1, 2);
        if (thermal.points.empty() && point.frequency_ratio != 1) {
            p.fail("frequency_ratio", "the first (fastest) point is the nominal clock: 1");
        }
        if (!thermal.points.empty() && point.frequency_ratio >= thermal.points.back().frequency_ratio) {
            p.fail("frequency_ratio", "points must be fastest first (descending frequency_ratio)");
        }
        thermal.points.push_back(point);
        p.finish();
    }
    node.finish();
}

void read_chip(config::ConfigNode node, ChipSpec& chip) {
    config::read_keys(node, chip_keys(), chip);
    if (node.has("thermal")) read_comparator_thermal(node.child("thermal"), chip.thermal);
    chip.name = node.get_string("name", chip.name);
    std::vector<config::ConfigNode> points = node.list("gemm_efficiency");
    if (!points.empty()) chip.gemm_efficiency.clear();
    for (config::ConfigNode& p : points) {
        EfficiencyPoint point;
        point.gemm_flops = p.get_double("gemm_flops", 0, 1, 1e30);
        point.efficiency = p.get_double("efficiency", 0, 0, 1);
        if (!(point.efficiency > 0)) p.fail("efficiency", "must be greater than 0");
        if (!chip.gemm_efficiency.empty() && point.gemm_flops <= chip.gemm_efficiency.back().gemm_flops) {
            p.fail("gemm_flops", "points must be in ascending gemm_flops");
        }
        chip.gemm_efficiency.push_back(point);
        p.finish();
    }
    node.finish();
}

std::string chip_preset_path(const std::string& name) {
    const std::string dir = std::string(NPUEMU_CONFIG_DIR) + "/clusters/chips/";
    const std::string path = dir + name + ".yaml";
    // (The error_code forms: a name the file system refuses, e.g. too long, is a clear error, not an exception from
    // std::filesystem.)
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
    const std::string reason = config::refusal_reason(ec);
    std::string list;
    for (const auto& k : config::yaml_presets_in(dir)) list += " " + k;
    throw Error("no chip preset '" + name + "'" + reason + " (presets:" + list + ")");
}

// chips.npuemu: an npuemu chip config and its profile (loaded once the model and the plan are known).
NpuemuChipSpec read_npuemu_chip(config::ConfigNode node) {
    NpuemuChipSpec spec;
    spec.config = node.get_string("config", spec.config);
    spec.profile = node.get_string("profile", spec.profile);
    if (spec.profile.empty()) node.fail("profile", "give the chip's `npuemu profile` JSON (docs/cluster.md)");
    spec.operating_point_mhz =
        static_cast<uint32_t>(node.get_uint("operating_point_mhz", spec.operating_point_mhz, 0, 100000));
    spec.attention_efficiency = node.get_double("attention_efficiency", spec.attention_efficiency, 1e-4, 1);
    spec.memory_efficiency = node.get_double("memory_efficiency", spec.memory_efficiency, 1e-4, 1);
    spec.power_w = node.get_double("power_w", spec.power_w, 0, 1e5);
    spec.dtype =
        node.get_choice("dtype", "bf16", {"int8", "bf16"}) == "int8" ? llm::GemmDtype::Int8 : llm::GemmDtype::Bf16;
    node.finish();
    return spec;
}

void read_chips(config::ConfigNode chips, ClusterConfig& cluster, std::optional<NpuemuChipSpec>& npuemu) {
    cluster.chip_count = static_cast<uint32_t>(chips.get_uint("count", cluster.chip_count, 1, 1u << 24));
    if (chips.has("npuemu")) {
        if (chips.has("preset") || chips.has("chip")) {
            chips.fail("npuemu", "an npuemu chip (npuemu:) or a comparator (preset:, chip:), not both");
        }
        npuemu = read_npuemu_chip(chips.child("npuemu"));
        chips.finish();
        return;
    }
    if (chips.has("preset")) {
        const std::string preset = chips.get_string("preset", "");
        std::string path;
        try {
            path = chip_preset_path(preset);
        } catch (const Error& e) {
            chips.fail("preset", e.what());
        }
        YAML::Node root = config::load_yaml_file(path);
        cluster.input_files.push_back(path);
        read_chip(config::ConfigNode(root, path, "", std::make_shared<config::OverrideOrigins>()), cluster.chip);
    }
    if (chips.has("chip")) read_chip(chips.child("chip"), cluster.chip);
    if (cluster.chip.gemm_efficiency.empty()) {
        chips.fail("chip", "the chip has no gemm_efficiency table (give a preset or chip.gemm_efficiency)");
    }
    chips.finish();
}

// The plan must divide the chips and the model; each failure names the key to change.
void check_plan(const ClusterConfig& c, config::ConfigNode& top) {
    const PlanSpec& p = c.plan;
    const ModelSpec& m = c.model;
    const uint64_t model_parallel = uint64_t(p.tensor_parallel) * p.pipeline_parallel * p.context_parallel;
    if (c.chip_count % model_parallel != 0) {
        top.fail("plan", std::string(p.context_parallel > 1 ? "tensor_parallel x pipeline_parallel x context_parallel"
                                                            : "tensor_parallel x pipeline_parallel") +
                             " = " + std::to_string(model_parallel) + " does not divide the " +
                             std::to_string(c.chip_count) + " chips");
    }
    // Megatron-core's rank order tp-cp-ep-dp-pp: the EP group is carved out of the data-parallel ranks.
    if (c.data_parallel() % p.expert_parallel != 0) {
        top.fail("plan", "expert_parallel " + std::to_string(p.expert_parallel) +
                             " does not divide the data-parallel group of " + std::to_string(c.data_parallel()));
    }
    if (p.expert_parallel > 1 && llm::shards_parameters(p.dp_sharding)) {
        top.fail("plan", "dp_sharding zero3/fsdp with expert_parallel > 1 is not modelled (use zero1)");
    }
    if (c.node.chips_per_node % p.tensor_parallel != 0 && p.tensor_parallel % c.node.chips_per_node != 0) {
        top.fail("plan", "tensor_parallel " + std::to_string(p.tensor_parallel) + " and chips_per_node " +
                             std::to_string(c.node.chips_per_node) + ": one must divide the other");
    }
    llm::check_model_plan(m, p, top);
    const uint64_t chunks = uint64_t(p.pipeline_parallel) * p.virtual_stages;
    if (m.layers % chunks != 0) {
        top.fail("plan", "pipeline_parallel x virtual_stages = " + std::to_string(chunks) + " does not divide the " +
                             std::to_string(m.layers) + " layers");
    }
    if (c.workload.kind == WorkloadKind::Inference) return;  // no global batch or pipeline schedule to divide
    const uint64_t per_step = uint64_t(p.micro_batch) * c.data_parallel();
    if (m.global_batch % per_step != 0) {
        top.fail("plan", "micro_batch x data_parallel = " + std::to_string(p.micro_batch) + " x " +
                             std::to_string(c.data_parallel()) + " does not divide global_batch " +
                             std::to_string(m.global_batch));
    }
    const uint64_t micro_batches = m.global_batch / per_step;
    if (p.virtual_stages > 1 && micro_batches % p.pipeline_parallel != 0) {
        top.fail("plan", "the interleaved schedule needs micro-batches (" + std::to_string(micro_batches) +
                             ") to be a multiple of pipeline_parallel (" + std::to_string(p.pipeline_parallel) + ")");
    }
}

}  // namespace

ClusterConfig load_cluster_config(const std::string& file, const std::vector<std::string>& overrides) {
    YAML::Node root = config::load_yaml_file(file);
    auto origins = std::make_shared<config::OverrideOrigins>();
    for (const auto& assignment : overrides) config::apply_override(root, assignment, *origins);
    config::ConfigNode top(root, file, "", origins);

    ClusterConfig c;
    c.source_file = file;
    c.input_files.push_back(file);
    c.name = top.get_string("name", c.name);
    std::optional<NpuemuChipSpec> npuemu;
    config::ConfigNode chips = top.child("chips");
    read_chips(chips, c, npuemu);
    auto section = [&](const char* key, const auto& table, auto& spec) {
        config::ConfigNode node = top.child(key);
        config::read_keys(node, table, spec);
        node.finish();
    };
    section("node", node_keys(), c.node);
    section("network", network_keys(), c.network);
    llm::read_model(top.child("model"), c.model);
    if (root["model"] && root["model"]["preset"]) {
        c.input_files.push_back(llm::model_preset_path(root["model"]["preset"].as<std::string>()));
    }
    llm::read_plan(top.child("plan"), c.plan);
    section("workload", workload_keys(), c.workload);
    section("collectives", collective_keys(), c.collectives);
    section("reliability", reliability_keys(), c.reliability);
    section("budget", budget_keys(), c.budget);
    if (top.has("facility")) read_facility(top.child("facility"), c.facility);
    read_variation(top.child("variation"), c.variation);
    if (npuemu) {
        llm::check_model_plan(c.model, c.plan, top);  // layer_gemms() needs a plan that divides the model
        try {
            c.npuemu = std::make_shared<const NpuemuChip>(load_npuemu_chip(*npuemu, file, c.model, c.plan, c.chip));
            c.input_files.insert(c.input_files.end(),
                                 {c.npuemu->config_file, c.npuemu->hbm_preset_file, c.npuemu->profile_file});
        } catch (const Error& e) {
            chips.fail("npuemu", e.what());
        }
    }
    check_plan(c, top);
    if (c.workload.kind == WorkloadKind::Inference) check_inference_plan(c, top);
    top.finish();
    try {
        check_cluster(c);
    } catch (const Error& e) {
        throw Error(file + ": " + e.what());
    }
    return c;
}

}  // namespace npuemu::cluster
