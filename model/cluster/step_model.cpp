#include "model/cluster/step_model.h"

#include <algorithm>

#include "model/cluster/collectives.h"
#include "model/cluster/pipeline_schedule.h"
#include "model/cluster/straggler_losses.h"
#include "model/cluster/topology.h"

namespace npuemu::cluster {

namespace {

// A piece's time on one chip, split as the losses are.
struct PieceTime {
    double compute_s = 0;
    double ideal_s = 0;  // GEMM FLOPs at peak
    double tp_s = 0;
    PieceTime& operator+=(const PieceTime& o) {
        compute_s += o.compute_s;
        ideal_s += o.ideal_s;
        tp_s += o.tp_s;
        return *this;
    }
    PieceTime times(double k) const { return {compute_s * k, ideal_s * k, tp_s * k}; }
};

// Forward (scale 1) or backward (scale 2: GEMMs for input and weight gradients, memory-bound ops twice the bytes).
// An npuemu chip's GEMMs take their profiled (or stated-estimate) time instead of the efficiency table's.
// One op's forward time on one chip (a fused op: 0).
double op_seconds(const ChipSpec& chip, const NpuemuChip* npuemu, const Op& op) {
    const double overhead_s = op.kernels * chip.kernel_overhead_us * 1e-6;
    if (op.kind == OpKind::Gemm) {
        const double peak = chip.peak_bf16_tflops * 1e12;
        return (npuemu ? npuemu->gemm_s(op.name, op.flops) : op.flops / (peak * chip.gemm_efficiency_at(op.flops))) +
               overhead_s;
    }
    if (npuemu && npuemu->fused(op.name)) return 0;
    return op.bytes / (chip.hbm_bandwidth_gbyte_per_s * 1e9 * chip.memory_efficiency) + overhead_s;
}

PieceTime op_time(const ChipSpec& chip, const NpuemuChip* npuemu, const std::vector<Op>& ops, double scale) {
    const double peak = chip.peak_bf16_tflops * 1e12;
    PieceTime t;
    for (const Op& op : ops) {
        t.compute_s += scale * op_seconds(chip, npuemu, op);
        if (op.kind == OpKind::Gemm) t.ideal_s += scale * op.flops / peak;
    }
    return t;
}

struct PieceTimes {
    PieceTime forward, backward, recompute;
};

PieceTimes piece_times(const ClusterConfig& c, const Piece& piece, double tp_all_reduce_s, bool recompute) {
    PieceTimes t;
    t.forward = op_time(c.chip, c.npuemu.get(), piece.forward, 1);
    t.forward.tp_s = piece.tp_all_reduces_forward * tp_all_reduce_s;
    t.backward = op_time(c.chip, c.npuemu.get(), piece.forward, 2);
    t.backward.tp_s = piece.tp_all_reduces_backward * tp_all_reduce_s;
    if (recompute) t.recompute = t.forward;
    return t;
}

}  // namespace

StepResult simulate_step(const ClusterConfig& c, const ChipSlowdowns& slowdowns) {
    check_cluster(c);
    const Workload w = make_workload(c);
    const ClusterTopology topology(c.chip_count, c.node, c.network);
    const Collectives collectives(topology, c.collectives);
    const uint32_t t = c.plan.tensor_parallel, p = c.plan.pipeline_parallel, v = c.plan.virtual_stages;
    const uint32_t d = c.data_parallel();
    // Megatron's rank order: TP fastest, then DP, then PP; chip of (stage, replica, tp rank).
    auto chip_of = [&](uint32_t stage, uint32_t replica, uint32_t rank) { return (stage * d + replica) * t + rank; };

    StepResult r;
    r.data_parallel = d;
    r.micro_batches = w.micro_batches;
    r.memory = memory_need(c, w);

    ChipGroup tp_group;
    for (uint32_t i = 0; i < t; ++i) tp_group.push_back(chip_of(0, 0, i));
    const CollectiveTime tp = collectives.all_reduce({tp_group}, w.tp_all_reduce_bytes);
    r.tp_all_reduce_s = tp.time_s;
    r.tp_algorithm = tp.algorithm;
    if (p > 1) {
        std::vector<std::pair<uint32_t, uint32_t>> sends;  // every replica's TP ranks, stage 0 -> 1, at once
        for (uint32_t j = 0; j < d; ++j) {
            for (uint32_t i = 0; i < t; ++i) sends.push_back({chip_of(0, j, i), chip_of(1, j, i)});
        }
        r.pp_send_s = collectives.send_s(sends, w.pp_send_bytes);
    }

    const bool recompute = c.plan.recompute;
    const PieceTimes layer = piece_times(c, w.layer, r.tp_all_reduce_s, recompute);
    r.layer_forward.compute_s = layer.forward.compute_s;
    r.layer_forward.tp_all_reduces = w.layer.tp_all_reduces_forward;
    r.layer_forward.tp_s = layer.forward.tp_s;
    for (const Op& op : w.layer.forward)
        r.layer_forward.ops.push_back({op.name, op_seconds(c.chip, c.npuemu.get(), op)});
    const PieceTimes embedding = piece_times(c, w.embedding, r.tp_all_reduce_s, false);
    const PieceTimes logits = piece_times(c, w.logits, r.tp_all_reduce_s, false);
    PipelineInput pipe;
    pipe.stages = p;
    pipe.chunks = v;
    pipe.micro_batches = w.micro_batches;
    pipe.send_s = r.pp_send_s;
    pipe.blocking_sends = true;
    if (p > 1 && c.plan.scatter_gather && t > 1) {
        r.pp_gather_s = collectives.all_gather({tp_group}, w.tp_all_reduce_bytes).time_s;
        pipe.gather_s = r.pp_gather_s;
    }
    std::vector<std::vector<PieceTimes>> chunk(p, std::vector<PieceTimes>(v));  // per micro-batch
    for (uint32_t s = 0; s < p; ++s) {
        for (uint32_t k = 0; k < v; ++k) {
            PieceTimes& ct = chunk[s][k];
            ct.forward = layer.forward.times(w.layers_per_chunk);
            ct.backward = layer.backward.times(w.layers_per_chunk);
            ct.recompute = layer.recompute.times(w.layers_per_chunk);
            for (const auto& [extra, here] :
                 {std::pair{&embedding, s == 0 && k == 0}, std::pair{&logits, s == p - 1 && k == v - 1}}) {
                if (!here) continue;
                ct.forward += extra->forward;
                ct.backward += extra->backward;
            }
        }
    }
    // The pipeline with each stage's compute slowed by a factor (heat and variation; TP all-reduces are not slowed).
    auto with_stage_factors = [&](const std::vector<double>& factor) {
        PipelineInput in = pipe;
        in.forward_s.clear();
        in.backward_s.clear();
        for (uint32_t s = 0; s < p; ++s) {
            in.forward_s.emplace_back();
            in.backward_s.emplace_back();
            for (uint32_t k = 0; k < v; ++k) {
                const PieceTimes& ct = chunk[s][k];
                in.forward_s[s].push_back(factor[s] * ct.forward.compute_s + ct.forward.tp_s);
                in.backward_s[s].push_back(factor[s] * (ct.backward.compute_s + ct.recompute.compute_s) +
                                           ct.backward.tp_s + ct.recompute.tp_s);
            }
        }
        return in;
    };
    pipe = with_stage_factors(std::vector<double>(p, 1.0));
    const PipelineResult pipeline = simulate_pipeline(pipe);
    PipelineInput no_send = pipe;
    no_send.send_s = 0;
    no_send.gather_s = 0;
    const PipelineResult without_sends = simulate_pipeline(no_send);

    // Gradients: every DP group of every stage and TP rank at once (they share the network).
    std::vector<ChipGroup> dp_groups;
    for (uint32_t s = 0; s < p && d > 1; ++s) {
        for (uint32_t i = 0; i < t; ++i) {
            ChipGroup g;
            for (uint32_t j = 0; j < d; ++j) g.push_back(chip_of(s, j, i));
            dp_groups.push_back(std::move(g));
        }
    }
    if (c.plan.dp_sharding == DpSharding::Zero1) {
        r.dp_gradient_s = collectives.reduce_scatter(dp_groups, w.grad_bytes_per_chip).time_s +
                          collectives.all_gather(dp_groups, w.grad_bytes_per_chip).time_s;
        r.dp_algorithm = d > 1 ? "ring reduce-scatter + all-gather" : "none";
    } else {
        const CollectiveTime dp = collectives.all_reduce(dp_groups, w.grad_bytes_per_chip);
        r.dp_gradient_s = dp.time_s;
        r.dp_algorithm = dp.algorithm;
    }
    // The step's end: the last stage's gradient collective past its pipeline's end (the stage that ends last).
    auto step_end = [&](const PipelineResult& run, uint32_t& critical_stage) {
        double end = run.makespan_s;
        critical_stage = 0;
        for (uint32_t s = 0; s < p; ++s) {
            const double hidden_s = c.plan.dp_overlap ? run.last_backward_s[s] : 0;
            const double stage_end_s = run.finish_s[s] + std::max(0.0, r.dp_gradient_s - hidden_s);
            if (stage_end_s >= end) {
                end = stage_end_s;
                critical_stage = s;
            }
        }
        return end;
    };
    uint32_t critical = 0;
    const double end_s = step_end(pipeline, critical);
    r.critical_stage = critical;
    const double adam_bytes_per_param = 28;  // read master, moments, gradient; write master, moments, bf16 weights
    const double shards = c.plan.dp_sharding == DpSharding::Zero1 ? d : 1;
    const double optimizer_params = w.params_per_chip / shards;
    r.optimizer_measured = c.npuemu && c.npuemu->optimizer_s_per_param > 0;
    r.losses.optimizer_s = r.optimizer_measured
                               ? optimizer_params * c.npuemu->optimizer_s_per_param  // npu_adamw, profiled
                               : optimizer_params * adam_bytes_per_param /
                                     (c.chip.hbm_bandwidth_gbyte_per_s * 1e9 * c.chip.memory_efficiency);
    r.step_s = end_s + r.losses.optimizer_s;
    r.nominal_step_s = r.step_s;

    // The critical stage's time, part by part.
    StepLosses& l = r.losses;
    for (uint32_t k = 0; k < v; ++k) {
        const PieceTimes& ct = chunk[critical][k];
        const double m = w.micro_batches;
        l.useful_compute_s += m * (ct.forward.ideal_s + ct.backward.ideal_s);
        l.recompute_s += m * ct.recompute.ideal_s;
        l.compute_inefficiency_s += m * (ct.forward.compute_s + ct.backward.compute_s + ct.recompute.compute_s -
                                         ct.forward.ideal_s - ct.backward.ideal_s - ct.recompute.ideal_s);
        l.tp_communication_s += m * (ct.forward.tp_s + ct.backward.tp_s + ct.recompute.tp_s);
    }
    const double busy_s = pipeline.busy_s[critical];
    l.pipeline_bubble_s = std::max(0.0, without_sends.finish_s[critical] - without_sends.busy_s[critical]);
    l.pp_communication_s = std::max(0.0, pipeline.finish_s[critical] - busy_s - l.pipeline_bubble_s);
    l.dp_communication_s = end_s - pipeline.finish_s[critical];

    if (!slowdowns.chip_compute_factor.empty()) {
        add_slowdown_losses(c, slowdowns, r, [&](const std::vector<double>& stage_factor) {
            uint32_t unused = 0;
            return step_end(simulate_pipeline(with_stage_factors(stage_factor)), unused) + r.losses.optimizer_s;
        });
    }

    // Failures and checkpoints over the whole job, a share of every step (reliability.h),
    // the slowest replica's step included.
    r.failures = failure_cost(c.reliability, c.chip_count, model_parameters(c.model));
    l.failures_s = r.step_s * r.failures.overhead_per_progress;
    r.step_s += l.failures_s;

    const double chips = c.chip_count;
    r.tokens_per_s = double(c.model.global_batch) * c.model.seq_length / r.step_s;
    r.megatron_tflops_per_chip = w.megatron_flops_per_step / (r.step_s * chips) / 1e12;
    r.model_tflops_per_chip = w.model_flops_per_step / (r.step_s * chips) / 1e12;
    r.mfu = r.model_tflops_per_chip / c.chip.peak_bf16_tflops;
    return r;
}

void check_cluster(const ClusterConfig& c) {
    check_topology(c.chip_count, c.node, c.network);
    check_memory(c, make_workload(c));
}

}  // namespace npuemu::cluster
