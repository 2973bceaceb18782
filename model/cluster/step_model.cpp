#include "model/cluster/step_model.h"

#include <algorithm>

#include "model/cluster/collectives.h"
#include "model/cluster/fsdp_schedule.h"
#include "model/cluster/inference.h"
#include "model/cluster/pipeline_schedule.h"
#include "model/cluster/rank_layout.h"
#include "model/cluster/straggler_losses.h"
#include "model/cluster/topology.h"
#include "model/common/error.h"

namespace npuemu::cluster {

namespace {

// A piece's time on one chip, split as the losses are.
struct PieceTime {
    double compute_s = 0;
    double ideal_s = 0;           // GEMM FLOPs at peak
    double attention_core_s = 0;  // of compute_s: the attention ring attention overlaps its exchange with
    double tp_s = 0;
    double cp_s = 0;  // ring attention's key/value exchange not hidden behind the attention
    double ep_s = 0;  // MoE all-to-alls
    double dp_s = 0;  // ZeRO-3/FSDP gathers and reduce-scatters not hidden behind the compute
    double communication_s() const { return tp_s + cp_s + ep_s + dp_s; }
    double total_s() const { return compute_s + communication_s(); }
    PieceTime& operator+=(const PieceTime& o) {
        compute_s += o.compute_s;
        ideal_s += o.ideal_s;
        attention_core_s += o.attention_core_s;
        tp_s += o.tp_s;
        cp_s += o.cp_s;
        ep_s += o.ep_s;
        dp_s += o.dp_s;
        return *this;
    }
    PieceTime times(double k) const {
        return {compute_s * k, ideal_s * k, attention_core_s * k, tp_s * k, cp_s * k, ep_s * k, dp_s * k};
    }
};

// One op's forward time on one chip (a fused op: 0). An npuemu chip's GEMMs take their profiled (or stated-estimate)
// time instead of the efficiency table's.
double op_seconds(const ChipSpec& chip, const NpuemuChip* npuemu, const Op& op) {
    const double overhead_s = op.kernels * chip.kernel_overhead_us * 1e-6;
    const double hbm_bytes_per_s = chip.hbm_bandwidth_gbyte_per_s * 1e9 * chip.memory_efficiency;
    if (op.kind == OpKind::Gemm) {
        const double peak = chip.peak_bf16_tflops * 1e12;
        const double compute_s =
            npuemu ? npuemu->gemm_s(op.name, op.flops) : op.flops / (peak * chip.gemm_efficiency_at(op.flops));
        // A GEMM takes at least its weights' read (only inference's skinny decode GEMMs set weight_bytes).
        return std::max(compute_s, op.weight_bytes / hbm_bytes_per_s) + overhead_s;
    }
    if (npuemu) {
        const double profiled_s = npuemu->memory_s(op, hbm_bytes_per_s);  // a profiled row pass (or fused: 0)
        if (profiled_s >= 0) return profiled_s;
    }
    return op.bytes / hbm_bytes_per_s + overhead_s;
}

// One op's backward time: an npuemu chip's profiled backward ops when its profile has them; else twice the forward
// (GEMMs for input and weight gradients, memory-bound ops twice the bytes).
double backward_op_seconds(const ChipSpec& chip, const NpuemuChip* npuemu, const Op& op) {
    if (npuemu) {
        const double profiled_s = npuemu->backward_s(op, chip.hbm_bandwidth_gbyte_per_s * 1e9 * chip.memory_efficiency);
        if (profiled_s >= 0) return profiled_s;
    }
    return 2 * op_seconds(chip, npuemu, op);
}

// Forward (scale 1) or backward (scale 2: the ideal time twice the forward FLOPs; each op's time as
// backward_op_seconds).
PieceTime op_time(const ChipSpec& chip, const NpuemuChip* npuemu, const std::vector<Op>& ops, double scale) {
    const double peak = chip.peak_bf16_tflops * 1e12;
    PieceTime t;
    for (const Op& op : ops) {
        const double op_s = scale == 1 ? op_seconds(chip, npuemu, op) : backward_op_seconds(chip, npuemu, op);
        if (op.kind == OpKind::Gemm) t.ideal_s += scale * op.flops / peak;
        t.compute_s += op_s;
        if (op.attention_core) t.attention_core_s += op_s;
    }
    return t;
}

struct PieceTimes {
    PieceTime forward, backward, recompute;
};

// The communication one piece's ops imply, per occurrence.
struct PieceCommunication {
    double tp_all_reduce_s = 0;
    double cp_kv_pass_s = 0;       // one ring step passing one key/value block
    double cp_kv_grad_pass_s = 0;  // one backward ring step (blocks_per_step_backward blocks)
    double ep_all_to_all_s = 0;
    uint32_t context_parallel = 1;
};

// Ring attention: cp blocks of attention, the block exchange of each of the cp - 1 ring steps overlapped with the
// attention of the block in hand (Liu et al. 2023, Sec. 3; TransformerEngine's CP runs the send/recv on its own
// stream): what a step's pass takes beyond that block's attention is exposed.
double cp_exposed_s(uint32_t ring_steps, double pass_s, double attention_s, uint32_t cp) {
    return ring_steps * std::max(0.0, pass_s - attention_s / cp);
}

PieceTimes piece_times(const ClusterConfig& c, const Piece& piece, const PieceCommunication& comm, bool recompute) {
    PieceTimes t;
    t.forward = op_time(c.chip, c.npuemu.get(), piece.forward, 1);
    t.forward.tp_s = piece.tp_all_reduces_forward * comm.tp_all_reduce_s;
    t.forward.cp_s =
        cp_exposed_s(piece.cp_ring_steps_forward, comm.cp_kv_pass_s, t.forward.attention_core_s, comm.context_parallel);
    t.forward.ep_s = piece.ep_all_to_alls_forward * comm.ep_all_to_all_s;
    t.backward = op_time(c.chip, c.npuemu.get(), piece.forward, 2);
    t.backward.tp_s = piece.tp_all_reduces_backward * comm.tp_all_reduce_s;
    if (piece.cp_blocks_per_step_backward > 0) {
        t.backward.cp_s = cp_exposed_s(piece.cp_ring_steps_forward, comm.cp_kv_grad_pass_s, t.backward.attention_core_s,
                                       comm.context_parallel);
    }
    t.backward.ep_s = piece.ep_all_to_alls_backward * comm.ep_all_to_all_s;
    if (recompute) t.recompute = t.forward;
    return t;
}

// Per micro-batch, the ZeRO-3/FSDP communication a chunk's forward and backward tasks leave exposed (fsdp_schedule.h):
// its units are the chunk's layers, with the embedding first on the first chunk of stage 0 and the logits last on
// the last chunk of the last stage.
struct FsdpCosts {
    double layer_gather_s = 0, layer_reduce_s = 0, embedding_gather_s = 0, embedding_reduce_s = 0;
};

std::pair<double, double> fsdp_chunk_exposed_s(const FsdpCosts& f, uint32_t layers, const PieceTimes& layer,
                                               const PieceTimes* first, const PieceTimes* last) {
    std::vector<FsdpUnit> forward, backward;
    auto add = [&](const PieceTimes& piece, double gather_s, double reduce_s) {
        forward.push_back({piece.forward.total_s(), gather_s, 0});
        backward.push_back({piece.backward.total_s() + piece.recompute.total_s(), gather_s, reduce_s});
    };
    if (first) add(*first, f.embedding_gather_s, f.embedding_reduce_s);
    for (uint32_t i = 0; i < layers; ++i) add(layer, f.layer_gather_s, f.layer_reduce_s);
    if (last) add(*last, f.embedding_gather_s, f.embedding_reduce_s);
    std::reverse(backward.begin(), backward.end());
    return {fsdp_exposed_s(forward), fsdp_exposed_s(backward)};
}

// The bytes a member of a ring collective of `members` sends for `bytes` of data (reduce-scatter or all-gather).
double ring_half_bytes(double bytes, double members) { return members > 1 ? (members - 1) / members * bytes : 0; }

}  // namespace

double ops_compute_s(const ChipSpec& chip, const NpuemuChip* npuemu, const std::vector<Op>& ops) {
    return op_time(chip, npuemu, ops, 1).compute_s;
}

StepResult simulate_step(const ClusterConfig& c, const ChipSlowdowns& slowdowns) {
    if (c.workload.kind == WorkloadKind::Inference) {
        throw Error(c.source_file +
                    ": workload.kind is inference: a training step is not defined for it (npuemu "
                    "cluster runs inference serving; sweeps, scaling and equal-budget comparisons "
                    "are training-only)");
    }
    check_cluster(c);
    const Workload w = make_workload(c);
    const ClusterTopology topology(c.chip_count, c.node, c.network);
    const Collectives collectives(topology, c.collectives);
    const RankLayout ranks(c);
    const uint32_t t = c.plan.tensor_parallel, p = c.plan.pipeline_parallel, v = c.plan.virtual_stages;
    const uint32_t d = c.data_parallel(), cp = c.plan.context_parallel;
    const bool fully_sharded = llm::shards_parameters(c.plan.dp_sharding);
    const double gradient_members = gradient_ranks(c);

    StepResult r;
    r.data_parallel = d;
    r.micro_batches = w.micro_batches;
    r.memory = memory_need(c, w);

    const ChipGroup tp_group = ranks.tp_group(0, 0, 0);
    const CollectiveTime tp = collectives.all_reduce({tp_group}, w.tp_all_reduce_bytes);
    r.tp_all_reduce_s = tp.time_s;
    r.tp_algorithm = tp.algorithm;
    if (p > 1) {
        std::vector<std::pair<uint32_t, uint32_t>> sends;  // every replica's CP and TP ranks, stage 0 -> 1, at once
        for (uint32_t j = 0; j < d; ++j) {
            for (uint32_t q = 0; q < cp; ++q) {
                for (uint32_t i = 0; i < t; ++i) sends.push_back({ranks.chip(0, j, q, i), ranks.chip(1, j, q, i)});
            }
        }
        r.pp_send_s = collectives.send_s(sends, w.pp_send_bytes);
    }
    PieceCommunication comm;
    comm.tp_all_reduce_s = r.tp_all_reduce_s;
    comm.context_parallel = cp;
    if (cp > 1) {  // every CP ring of stage 0 passes its blocks at once
        const std::vector<ChipGroup> rings = ranks.cp_rings(0);
        comm.cp_kv_pass_s = collectives.ring_step_s(rings, w.cp_kv_block_bytes);
        comm.cp_kv_grad_pass_s =
            collectives.ring_step_s(rings, w.layer.cp_blocks_per_step_backward * w.cp_kv_block_bytes);
        r.cp_kv_pass_s = comm.cp_kv_pass_s;
    }
    if (c.plan.expert_parallel > 1) {
        comm.ep_all_to_all_s = collectives.all_to_all(ranks.ep_groups(0), w.ep_all_to_all_bytes).time_s;
        r.ep_all_to_all_s = comm.ep_all_to_all_s;
    }

    const bool recompute = c.plan.recompute;
    const PieceTimes layer = piece_times(c, w.layer, comm, recompute);
    r.layer_forward.compute_s = layer.forward.compute_s;
    r.layer_forward.tp_all_reduces = w.layer.tp_all_reduces_forward;
    r.layer_forward.tp_s = layer.forward.tp_s;
    for (const Op& op : w.layer.forward) {
        r.layer_forward.ops.push_back({op.name, op_seconds(c.chip, c.npuemu.get(), op)});
        r.layer_backward_ops.push_back({op.name, backward_op_seconds(c.chip, c.npuemu.get(), op)});
    }
    const PieceTimes embedding = piece_times(c, w.embedding, comm, false);
    const PieceTimes logits = piece_times(c, w.logits, comm, false);
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
    const std::vector<ChipGroup> gradient_groups = ranks.gradient_groups();
    FsdpCosts fsdp;
    if (fully_sharded) {
        // ZeRO-3 / FSDP: each unit's parameters all-gathered for its forward and again for its backward (the
        // recomputed forward runs inside the backward's gather), its gradients reduce-scattered after the backward:
        // 3 x the parameters per micro-batch, against plain DP's all-reduce (2 x) once per step (Rajbhandari et al.,
        // "ZeRO", SC'20, Sec. 7.2.2; PyTorch FSDP FULL_SHARD without no_sync, DeepSpeed stage 3 reducing each
        // micro-step).
        fsdp.layer_gather_s = collectives.all_gather(gradient_groups, w.fsdp_layer_bytes).time_s;
        fsdp.layer_reduce_s = collectives.reduce_scatter(gradient_groups, w.fsdp_layer_bytes).time_s;
        fsdp.embedding_gather_s = collectives.all_gather(gradient_groups, w.fsdp_embedding_bytes).time_s;
        fsdp.embedding_reduce_s = collectives.reduce_scatter(gradient_groups, w.fsdp_embedding_bytes).time_s;
        r.fsdp_layer_gather_s = fsdp.layer_gather_s;
        r.fsdp_layer_reduce_scatter_s = fsdp.layer_reduce_s;
        // Stage 0's units per micro-batch (its layers and the embedding), each gathered twice and reduced once.
        const double stage_units_bytes = double(v) * w.layers_per_chunk * w.fsdp_layer_bytes + w.fsdp_embedding_bytes;
        r.dp_bytes_per_chip = w.micro_batches * 3 * ring_half_bytes(stage_units_bytes, gradient_members);
    }
    std::vector<std::vector<PieceTimes>> chunk(p, std::vector<PieceTimes>(v));  // per micro-batch
    for (uint32_t s = 0; s < p; ++s) {
        for (uint32_t k = 0; k < v; ++k) {
            PieceTimes& ct = chunk[s][k];
            ct.forward = layer.forward.times(w.layers_per_chunk);
            ct.backward = layer.backward.times(w.layers_per_chunk);
            ct.recompute = layer.recompute.times(w.layers_per_chunk);
            const bool first = s == 0 && k == 0, last = s == p - 1 && k == v - 1;
            for (const auto& [extra, here] : {std::pair{&embedding, first}, std::pair{&logits, last}}) {
                if (!here) continue;
                ct.forward += extra->forward;
                ct.backward += extra->backward;
            }
            if (fully_sharded) {
                const auto [forward_s, backward_s] = fsdp_chunk_exposed_s(
                    fsdp, w.layers_per_chunk, layer, first ? &embedding : nullptr, last ? &logits : nullptr);
                ct.forward.dp_s += forward_s;
                ct.backward.dp_s += backward_s;
            }
        }
    }
    // The pipeline with each stage's compute slowed by a factor (heat and variation; communication is not slowed).
    auto with_stage_factors = [&](const std::vector<double>& factor) {
        PipelineInput in = pipe;
        in.forward_s.clear();
        in.backward_s.clear();
        for (uint32_t s = 0; s < p; ++s) {
            in.forward_s.emplace_back();
            in.backward_s.emplace_back();
            for (uint32_t k = 0; k < v; ++k) {
                const PieceTimes& ct = chunk[s][k];
                in.forward_s[s].push_back(factor[s] * ct.forward.compute_s + ct.forward.communication_s());
                in.backward_s[s].push_back(factor[s] * (ct.backward.compute_s + ct.recompute.compute_s) +
                                           ct.backward.communication_s() + ct.recompute.communication_s());
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

    // Gradients: every DP x CP group of every stage and TP rank at once (they share the network); the experts' over
    // their expert-data-parallel groups after them (Megatron-core reduces the two sets of buckets separately).
    // ZeRO-3/FSDP reduce-scattered them layer by layer in each backward (above): nothing is left at the end.
    const std::vector<ChipGroup> expert_groups = ranks.expert_gradient_groups();
    const double expert_members = expert_groups.empty() ? 1 : expert_groups.front().size();
    if (fully_sharded) {
        r.dp_algorithm = gradient_members > 1 ? "fsdp: per-layer all-gather x2 + reduce-scatter" : "none";
    } else if (c.plan.dp_sharding == DpSharding::Zero1) {
        r.dp_gradient_s = collectives.reduce_scatter(gradient_groups, w.grad_bytes_per_chip).time_s +
                          collectives.all_gather(gradient_groups, w.grad_bytes_per_chip).time_s +
                          collectives.reduce_scatter(expert_groups, w.expert_grad_bytes_per_chip).time_s +
                          collectives.all_gather(expert_groups, w.expert_grad_bytes_per_chip).time_s;
        r.dp_algorithm = gradient_members > 1 ? "ring reduce-scatter + all-gather" : "none";
    } else {
        const CollectiveTime dp = collectives.all_reduce(gradient_groups, w.grad_bytes_per_chip);
        r.dp_gradient_s = dp.time_s + collectives.all_reduce(expert_groups, w.expert_grad_bytes_per_chip).time_s;
        r.dp_algorithm = dp.algorithm;
    }
    if (!fully_sharded) {
        r.dp_bytes_per_chip = 2 * ring_half_bytes(w.grad_bytes_per_chip, gradient_members) +
                              2 * ring_half_bytes(w.expert_grad_bytes_per_chip, expert_members);
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
    const double optimizer_params = optimizer_params_per_chip(c, w);
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
        l.cp_communication_s += m * (ct.forward.cp_s + ct.backward.cp_s + ct.recompute.cp_s);
        l.ep_communication_s += m * (ct.forward.ep_s + ct.backward.ep_s + ct.recompute.ep_s);
        l.dp_communication_s += m * (ct.forward.dp_s + ct.backward.dp_s);
    }
    const double busy_s = pipeline.busy_s[critical];
    l.pipeline_bubble_s = std::max(0.0, without_sends.finish_s[critical] - without_sends.busy_s[critical]);
    l.pp_communication_s = std::max(0.0, pipeline.finish_s[critical] - busy_s - l.pipeline_bubble_s);
    l.dp_communication_s += end_s - pipeline.finish_s[critical];

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
    if (c.workload.kind == WorkloadKind::Inference) {
        check_inference_memory(c);
    } else {
        check_memory(c, make_workload(c));
    }
}

}  // namespace npuemu::cluster
