// One training step of a cluster: compute times per op from the chip's peak and efficiency table (an npuemu chip: its
// profiled GEMM cycles and the stated estimates of npuemu_chip.h), TP/PP/DP communication from the collectives on the
// network, the pipeline simulated task by task, the gradient all-reduce at the end; the step time split into the
// losses that make it up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/reliability.h"
#include "model/cluster/workload.h"

namespace npuemu::cluster {

struct HeatResult;  // model/cluster/cluster_heat.h

// Where the step's time goes, on the stage that finishes last; the parts sum to the step time.
struct StepLosses {
    double useful_compute_s = 0;        // the model's GEMM FLOPs at dense peak
    double recompute_s = 0;             // the recomputed forward's GEMM FLOPs at dense peak
    double compute_inefficiency_s = 0;  // GEMMs below peak, memory-bound ops, kernel overheads
    double tp_communication_s = 0;      // tensor-parallel all-reduces (not overlapped, as in Megatron)
    double cp_communication_s = 0;      // ring attention's key/value passes not hidden behind the attention
    double ep_communication_s = 0;      // MoE all-to-alls (dispatch, combine; not overlapped, as in Megatron-core)
    double pipeline_bubble_s = 0;       // idle waiting on the schedule itself
    double pp_communication_s = 0;      // idle waiting for activations and gradients between stages
    double dp_communication_s = 0;      // gradient all-reduce not hidden behind the backward; ZeRO-3/FSDP gathers
                                        // and reduce-scatters not hidden behind the compute
    double optimizer_s = 0;             // the Adam update (memory-bound)
    // With heat and variation (chips slower than nominal; model/cluster/straggler_losses.h):
    double throttling_s = 0;  // every chip at the cluster's mean slowdown, over the nominal step
    double stragglers_s = 0;  // synchronous groups waiting for their slowest member, over that
    double failures_s = 0;    // checkpoints, work lost to failures and restarts, averaged (reliability.h)
};

// One transformer layer's forward on one TP rank for one micro-batch, as the step charges it (what a one-layer
// tensor-parallel run on a few chips measures: bench/calibration.sh).
struct LayerForward {
    double compute_s = 0;
    uint32_t tp_all_reduces = 0;
    double tp_s = 0;                                  // tp_all_reduces x the TP all-reduce
    std::vector<std::pair<std::string, double>> ops;  // each op's seconds, in the layer's order
    double total_s() const { return compute_s + tp_s; }
};

struct StepResult {
    double step_s = 0;
    double tokens_per_s = 0;
    double megatron_tflops_per_chip = 0;  // Megatron's F over step time and chips
    double model_tflops_per_chip = 0;     // without recomputation
    double mfu = 0;
    StepLosses losses;
    uint32_t data_parallel = 0;
    uint32_t micro_batches = 0;
    uint32_t critical_stage = 0;
    double tp_all_reduce_s = 0;  // one, of one micro-batch's activations
    LayerForward layer_forward;
    std::vector<std::pair<std::string, double>> layer_backward_ops;  // each op's backward seconds, the layer's order
    double pp_send_s = 0;
    double pp_gather_s = 0;          // scatter/gather: re-assembling a received activation inside the node
    double dp_gradient_s = 0;        // the whole gradient all-reduce (or reduce-scatter + all-gather)
    double dp_bytes_per_chip = 0;    // what one chip sends per step in DP collectives (ring volumes, (N-1)/N each)
    double fsdp_layer_gather_s = 0;  // ZeRO-3/FSDP: one layer's parameter all-gather
    double fsdp_layer_reduce_scatter_s = 0;  // and its gradients' reduce-scatter
    double cp_kv_pass_s = 0;                 // ring attention: one key/value block to the next CP rank
    double ep_all_to_all_s = 0;              // MoE: one dispatch or combine all-to-all
    bool optimizer_measured = false;  // an npuemu chip's profiled optimizer step (else 28 bytes/parameter estimated)
    std::string tp_algorithm, dp_algorithm;
    MemoryNeed memory;
    double nominal_step_s = 0;               // every chip at its nominal speed (= step_s without slowdowns)
    uint32_t slowest_replica = 0;            // the data-parallel replica that sets the step (with slowdowns)
    std::shared_ptr<const HeatResult> heat;  // simulate_cluster_step with a facility or a spread; else null
    FailureCost failures;
};

// Per-chip compute slowdowns from heat and variation: each chip's compute time over the nominal chip's (>= 1), in
// Megatron's rank order (TP fastest, then DP, then PP). Empty: every chip nominal.
struct ChipSlowdowns {
    std::vector<double> chip_compute_factor;
    StragglerPolicy policy = StragglerPolicy::Wait;
};

StepResult simulate_step(const ClusterConfig& config, const ChipSlowdowns& slowdowns = {});

// The time of ops run once on one chip (forward, no communication): the same per-op rules the step uses (the
// efficiency table or an npuemu chip's profile; memory-bound ops and GEMMs' weight reads at the HBM rate; kernel
// overheads). Inference (model/cluster/inference.h) times its prefill and decode with it.
double ops_compute_s(const ChipSpec& chip, const NpuemuChip* npuemu, const std::vector<Op>& ops);

}  // namespace npuemu::cluster
