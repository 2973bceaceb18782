// A cluster (configs/clusters/*.yaml): the chips (a comparator chip preset or an inline parametric chip), the node
// (chips per node and their intra-node links), the scale-out network (NICs and a fat tree), the model's dimensions and
// the parallel plan. Plain structs with units in the names; loaded through key tables like the chip configs.
//
// The chips are a comparator (parametric) or an npuemu chip: a chip config and its `npuemu profile` table
// (npuemu_chip.h). The facility (racks, inlets, cooling) and the chips' manufacturing spread set each chip's operating
// point (model/cluster/cluster_heat.h). The workload is a training step (the default) or inference serving
// (model/cluster/inference.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/cluster/facility.h"
#include "model/cluster/npuemu_chip.h"
#include "model/llm/llm_model.h"

namespace npuemu::cluster {

// One point of a chip's GEMM efficiency curve: a GEMM of this many FLOPs reaches this fraction of dense peak.
struct EfficiencyPoint {
    double gemm_flops = 0;
    double efficiency = 0;
};

// A comparator chip's heat (its `thermal:` section; docs/cluster.md, "Heat and variation"), for a facility to throttle
// it as it throttles an npuemu chip. Without it the chip runs at its nominal speed whatever its inlet.
struct ComparatorDvfsPoint {
    double frequency_ratio = 1;  // over the nominal clock
    double voltage_ratio = 1;    // over the nominal voltage
};

struct ComparatorThermal {
    bool given = false;
    double tj_max_mC = 85000;
    double nominal_clock_mhz = 1000;  // the clock at ratio 1 (reported; the model works in ratios)
    double package_k_per_w = 0;       // hottest die above the heat sink per watt
    double sink_scale = 1;            // times the facility cooling preset's sink-to-inlet resistance (a preset is sized
                                      // for a ~200 W chip; a chip of N times the power gets a sink N times bigger)
    double leakage_w = 0;             // at leakage_reference_mC and the nominal voltage
    double leakage_reference_mC = 60000;
    double leakage_per_kelvin = 0.015;
    std::vector<ComparatorDvfsPoint> points;  // fastest first, the first at ratio 1
};

// A comparator chip, described parametrically (the measured side: A100, H100).
struct ChipSpec {
    std::string name = "unnamed";
    double peak_bf16_tflops = 312;  // dense, per chip
    double peak_fp8_tflops = 0;     // 0: the chip has none
    double peak_fp32_tflops = 19.5;
    double hbm_bandwidth_gbyte_per_s = 2039;
    double hbm_capacity_gbyte = 80;
    double memory_efficiency = 0.8;  // share of HBM bandwidth element-wise kernels reach
    double kernel_overhead_us = 0;   // per kernel launched (launch and tail), added to every op
    double power_w = 400;
    std::vector<EfficiencyPoint> gemm_efficiency;  // ascending FLOPs; log-linear between points, flat outside
    ComparatorThermal thermal;

    double gemm_efficiency_at(double flops) const;
};

struct NodeSpec {
    uint32_t chips_per_node = 8;
    double link_bandwidth_gbyte_per_s = 300;  // each chip to the node switch, each direction (NVLink3: 12 x 25 GB/s)
    double link_latency_us = 1;               // one hop chip -> switch -> chip
};

enum class NetworkTiers { Two, Three };
enum class NetworkKind { FatTree, Torus };

struct NetworkSpec {
    // fat_tree: NVSwitch-style nodes and NICs into a Clos; torus: every chip linked to its neighbours in up to three
    // dimensions (TPU-style), all traffic, inside nodes too, over those links.
    NetworkKind kind = NetworkKind::FatTree;
    uint32_t nics_per_chip = 1;
    double nic_gbit_per_s = 200;
    uint32_t tiers = 3;                 // 2: leaf-spine; 3: leaf-spine-core (fat tree / folded Clos)
    uint32_t switch_radix = 40;         // ports per switch; half face down, half up
    double leaf_oversubscription = 1;   // leaf down capacity / up capacity
    double spine_oversubscription = 1;  // (3 tiers) pod down capacity / up capacity
    double nic_latency_us = 1;          // NIC, cable and leaf, one way
    double leaf_latency_us = 0.5;       // leaf up to spine and down again
    double spine_latency_us = 0.5;      // spine up to core and down again
    bool rail_optimised = true;         // chip i of every node on leaf (rail) i
    // Torus: chips along x, y, z (x fastest in chip numbering; x = 0: the chips / (y z)); each chip has a link to
    // each neighbour, each direction. Defaults from TPU v4's ICI (Jouppi et al., ISCA 2023; Google Cloud's TPU v4
    // page): six links per chip in a 3-D torus, 400 Gbit/s = 50 GB/s each direction. The hop latency is assumed.
    uint32_t torus_x = 0, torus_y = 1, torus_z = 1;
    double torus_link_gbyte_per_s = 50;
    double torus_hop_latency_us = 0.5;
};

// The model's dimensions and the parallel plan: the schema shared with `npuemu profile` (model/llm/llm_model.h).
using ModelSpec = llm::ModelSpec;
using PlanSpec = llm::PlanSpec;
using DpSharding = llm::DpSharding;
enum class CollectiveAlgorithm { Auto, Ring, Tree, Hierarchical, Fastest };

struct CollectiveSpec {
    CollectiveAlgorithm algorithm = CollectiveAlgorithm::Auto;
    double tree_below_kib = 256;  // auto: tree below this message size, ring (or hierarchical) above
    double step_overhead_us = 5;  // software cost of each algorithm step (launch, sync, kernel)
    double bus_efficiency = 1.0;  // share of link bandwidth a collective's transfers reach
    // Ring steps: false, each pays its latency (path + step_overhead) after its data; true, pipelined as the SDK's
    // chunked ring over many tiles runs (bench/calibration.sh): a step costs the larger of the two, and each phase
    // (reduce-scatter, all-gather) the smaller once, as a pipeline's fill.
    bool pipelined_steps = false;
};

// Failures and checkpointing (reliability.h). failures_per_chip_hour 0: none (the step is the failure-free step).
struct ReliabilitySpec {
    // For scale: Llama 3 405B's pre-training saw 419 unexpected interruptions in 54 days on 16,384 H100s = 1.97e-5
    // per GPU-hour (Dubey et al., "The Llama 3 Herd of Models", 2024, section 3.3.4).
    double failures_per_chip_hour = 0;
    double checkpoint_interval_s = 0;            // 0: Young's optimum, sqrt(2 x write time x job MTBF)
    double checkpoint_bytes_per_parameter = 14;  // bf16 weights + fp32 master + two fp32 Adam moments
    double storage_gbyte_per_s = 2000;           // checkpoint store write rate (Llama 3's: 2 TB/s sustained)
    double restart_s = 600;                      // detect, reschedule, reload the checkpoint (assumed)
};

// What a chip costs, for the equal-budget comparison (equal_budget.h). Explicit inputs: no price is a fact.
struct BudgetSpec {
    double chip_price_usd = 0;  // per chip, with its share of board, host and network (0: not given)
    double chip_power_w = 0;    // per chip at the wall for the facility's power budget (0: the chip's power_w)
};

// What the cluster runs: a training step (model/cluster/step_model.h) or inference serving: one model replica per
// TP x PP chips, each prompt prefilled whole, then decoded token by token in a continuously batched decode step
// (model/cluster/inference.h).
enum class WorkloadKind { Training, Inference };

struct WorkloadSpec {
    WorkloadKind kind = WorkloadKind::Training;
    // Inference: every request's prompt and generated tokens, the cluster's arrival rate, the batch cap.
    uint32_t prompt_tokens = 2048;
    uint32_t output_tokens = 256;
    double request_rate_per_s = 1;  // arrivals at the whole cluster, spread evenly over its replicas
    uint32_t max_batch = 256;       // sequences a replica decodes at once, at most (memory may allow fewer)
};

struct ClusterConfig {
    std::string name = "unnamed";
    std::string source_file;
    uint32_t chip_count = 1;
    ChipSpec chip;                             // an npuemu chip's too: derived from its config and profile
    std::shared_ptr<const NpuemuChip> npuemu;  // set: an npuemu chip (chips.npuemu), its GEMMs timed by its profile
    NodeSpec node;
    NetworkSpec network;
    ModelSpec model;
    PlanSpec plan;
    WorkloadSpec workload;
    CollectiveSpec collectives;
    ReliabilitySpec reliability;
    BudgetSpec budget;
    FacilitySpec facility;    // racks, inlets, cooling, PUE (heat: model/cluster/cluster_heat.h)
    VariationSpec variation;  // manufacturing spread
    // Every file the load read (this file, chip and model presets, an npuemu chip's config, HBM preset and profile):
    // what the step depends on besides the keys (a sweep's point ids hash their content).
    std::vector<std::string> input_files;

    uint32_t data_parallel() const {
        return chip_count / (plan.tensor_parallel * plan.pipeline_parallel * plan.context_parallel);
    }
    uint32_t node_count() const { return (chip_count + node.chips_per_node - 1) / node.chips_per_node; }
};

// Loads and validates a cluster; overrides are "key.path=value" (as `npuemu cluster FILE --set ...`). A chip preset
// (chips.preset: a100-80gb) is configs/clusters/chips/NAME.yaml; chips.chip.* keys override it.
ClusterConfig load_cluster_config(const std::string& file, const std::vector<std::string>& overrides = {});

// Checks a loaded cluster's plan against its chips and its network: every error names what does not fit.
void check_cluster(const ClusterConfig& config);

}  // namespace npuemu::cluster
