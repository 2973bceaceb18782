#include "model/cluster/inference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "model/cluster/rank_layout.h"
#include "model/cluster/step_model.h"
#include "model/cluster/workload.h"
#include "model/common/error.h"
#include "model/llm/layer_gemms.h"

namespace npuemu::cluster {

namespace {

constexpr double kActivationBytes = 2;  // bf16 activations and KV cache

llm::GemmDtype weight_dtype(const ClusterConfig& c) { return c.npuemu ? c.npuemu->spec.dtype : llm::GemmDtype::Bf16; }

double weight_bytes_each(const ClusterConfig& c) { return weight_dtype(c) == llm::GemmDtype::Int8 ? 1 : 2; }

// The KV heads one TP rank holds: fewer KV heads than TP ranks are replicated, one per rank (as layer_gemms).
double kv_heads_per_rank(const ClusterConfig& c) {
    return std::max(1.0, double(c.model.kv_heads) / c.plan.tensor_parallel);
}

double layers_per_stage(const ClusterConfig& c) { return double(c.model.layers) / c.plan.pipeline_parallel; }

// K and V of one token in one layer on one TP rank.
double kv_bytes_per_token_layer(const ClusterConfig& c) {
    return 2 * kv_heads_per_rank(c) * c.model.head_dim() * kActivationBytes;
}

Op memory_op(const char* name, double bytes) { return {name, OpKind::Memory, 0, bytes, 1}; }

// The four weight GEMMs of one layer on one TP rank at m tokens, named as the training workload names them when an
// npuemu chip has profiled that exact shape (its measured time), else prefixed (phase_qkv, ...: the estimate rule).
struct LayerGemms {
    Op qkv, proj, mlp_up, mlp_down;
};

LayerGemms layer_gemm_ops(const ClusterConfig& c, uint32_t tokens, const char* phase) {
    llm::ModelSpec model = c.model;
    model.seq_length = tokens;
    llm::PlanSpec plan = c.plan;
    plan.micro_batch = 1;
    plan.context_parallel = 1;
    const std::vector<llm::GemmShape> shapes = llm::layer_gemms(model, plan, weight_dtype(c));
    static const char* const workload_names[] = {"qkv", "proj", "mlp_up", "mlp_down"};
    Op ops[4];
    for (size_t i = 0; i < 4; ++i) {
        const llm::GemmShape& s = shapes[i];
        bool profiled = false;
        if (c.npuemu) {
            for (const ProfiledGemm& g : c.npuemu->layer_gemms) {
                profiled |= g.shape.name == s.name && g.shape.m == s.m && g.shape.n == s.n && g.shape.k == s.k &&
                            g.shape.dtype == s.dtype;
            }
        }
        Op& op = ops[i];
        op.name = profiled ? workload_names[i] : std::string(phase) + "_" + workload_names[i];
        op.kind = OpKind::Gemm;
        op.flops = 2.0 * s.m * s.n * s.k;
        op.weight_bytes = double(s.n) * s.k * weight_bytes_each(c);
    }
    return {ops[0], ops[1], ops[2], ops[3]};
}

// One layer's forward on one TP rank for `tokens` tokens (layernorms, residual adds and the activation as the training
// workload counts them, without dropout), with the attention ops between qkv and proj.
std::vector<Op> layer_ops(const ClusterConfig& c, uint32_t tokens, const char* phase, std::vector<Op> attention) {
    const double h = c.model.hidden, t = c.plan.tensor_parallel, n = tokens;
    const double ffn = c.model.ffn_hidden;
    LayerGemms g = layer_gemm_ops(c, tokens, phase);
    std::vector<Op> ops{memory_op("layernorm1", 2 * n * h * kActivationBytes), g.qkv};
    for (Op& op : attention) ops.push_back(std::move(op));
    for (Op op : {g.proj, memory_op("residual_add1", 3 * n * h * kActivationBytes),
                  memory_op("layernorm2", 2 * n * h * kActivationBytes), g.mlp_up,
                  memory_op("activation", 2 * n * ffn / t * kActivationBytes), g.mlp_down,
                  memory_op("residual_add2", 3 * n * h * kActivationBytes)}) {
        ops.push_back(std::move(op));
    }
    return ops;
}

// The logits of `rows` tokens (the vocab-parallel GEMM reading its weights) and their embedding lookups.
std::vector<Op> ends_ops(const ClusterConfig& c, double rows, double embedded_tokens) {
    const double h = c.model.hidden, v = c.model.vocab / double(c.plan.tensor_parallel);
    Op logits{"logits", OpKind::Gemm, 2 * rows * v * h, 0, 1};
    logits.weight_bytes = v * h * weight_bytes_each(c);
    return {memory_op("embedding", 2 * embedded_tokens * h * kActivationBytes), logits};
}

double gbyte(double bytes) { return bytes / 1e9; }

}  // namespace

InferenceMemory inference_memory(const ClusterConfig& c) {
    InferenceMemory m;
    m.capacity_bytes = c.chip.hbm_capacity_gbyte * 1e9;
    m.weights_bytes = make_workload(c).params_per_chip * weight_bytes_each(c);
    m.kv_bytes_per_token = layers_per_stage(c) * kv_bytes_per_token_layer(c);
    m.kv_bytes_per_sequence = m.kv_bytes_per_token * (double(c.workload.prompt_tokens) + c.workload.output_tokens);
    const double free_bytes = m.capacity_bytes - m.weights_bytes;
    m.max_batch_fit =
        free_bytes > 0 ? uint32_t(std::min(std::floor(free_bytes / m.kv_bytes_per_sequence), 4294967295.0)) : 0;
    return m;
}

void check_inference_memory(const ClusterConfig& c) {
    const InferenceMemory m = inference_memory(c);
    if (m.max_batch_fit >= 1) return;
    char text[512];
    const double need = m.weights_bytes + m.kv_bytes_per_sequence;
    std::snprintf(text, sizeof text,
                  "the model does not fit in HBM for inference: a chip of pipeline stage 0 needs %.1f GB for one "
                  "sequence (weights %.1f, KV cache of %u tokens %.2f) but holds %.1f GB: %.1f GB over. Raise "
                  "tensor_parallel or pipeline_parallel, or shorten prompt_tokens + output_tokens",
                  gbyte(need), gbyte(m.weights_bytes), c.workload.prompt_tokens + c.workload.output_tokens,
                  gbyte(m.kv_bytes_per_sequence), gbyte(m.capacity_bytes), gbyte(need - m.capacity_bytes));
    throw Error(text);
}

InferenceModel::InferenceModel(const ClusterConfig& config)
    : config_(config),
      topology_(std::make_unique<ClusterTopology>(config.chip_count, config.node, config.network)),
      collectives_(std::make_unique<Collectives>(*topology_, config.collectives)) {}

InferenceModel::~InferenceModel() = default;

double InferenceModel::tp_all_reduce_s(double bytes) const {
    if (config_.plan.tensor_parallel < 2) return 0;
    return collectives_->all_reduce({RankLayout(config_).tp_group(0, 0, 0)}, bytes).time_s;
}

// The activation passed from each stage to the next, one after the other (every TP rank sends its copy at once).
double InferenceModel::pp_sends_s(double bytes) const {
    const uint32_t p = config_.plan.pipeline_parallel;
    if (p < 2) return 0;
    const RankLayout ranks(config_);
    std::vector<std::pair<uint32_t, uint32_t>> sends;
    for (uint32_t i = 0; i < config_.plan.tensor_parallel; ++i)
        sends.push_back({ranks.chip(0, 0, 0, i), ranks.chip(1, 0, 0, i)});
    return (p - 1) * collectives_->send_s(sends, bytes);
}

double InferenceModel::prefill_s(double* tp_s) const {
    const ClusterConfig& c = config_;
    const uint32_t s = c.workload.prompt_tokens;
    const double heads = double(c.model.heads) / c.plan.tensor_parallel, d = c.model.head_dim(), sd = s;
    // The attention as the training workload counts it (full s x s scores; softmax read and written). An npuemu
    // chip's profiled flash attention is for its profile's sequence: used when the prompt is that sequence.
    const bool profiled_attention_fits =
        !c.npuemu || c.npuemu->attention_s == 0 ||
        (s == c.model.seq_length && c.npuemu->micro_batch == 1 && c.npuemu->context_parallel == 1);
    const char* scores = profiled_attention_fits ? "attention_scores" : "prefill_attention_scores";
    const char* values = profiled_attention_fits ? "attention_values" : "prefill_attention_values";
    std::vector<Op> attention{{scores, OpKind::Gemm, 2 * sd * sd * d * heads, 0, 1},
                              memory_op("softmax", 2 * heads * sd * sd * kActivationBytes),
                              {values, OpKind::Gemm, 2 * sd * d * sd * heads, 0, 1}};
    const double layer_s = ops_compute_s(c.chip, c.npuemu.get(), layer_ops(c, s, "prefill", attention));
    // Only the last token's logits are needed to sample the first output token.
    const double ends_s = ops_compute_s(c.chip, c.npuemu.get(), ends_ops(c, 1, s));
    const double activation_bytes = sd * c.model.hidden * kActivationBytes;
    const double all_reduces = 2.0 * c.model.layers + 1;  // after proj and mlp_down; the vocab-parallel embedding
    const double tp = all_reduces * tp_all_reduce_s(activation_bytes);
    if (tp_s) *tp_s = tp;
    return c.model.layers * layer_s + ends_s + tp + pp_sends_s(activation_bytes);
}

DecodeStep InferenceModel::decode_step(uint32_t batch) const {
    const ClusterConfig& c = config_;
    const double b = batch;
    // Each sequence's KV cache read at its mean context over its decode, the new token's K and V written.
    const double context = c.workload.prompt_tokens + c.workload.output_tokens / 2.0;
    const std::vector<Op> attention{memory_op("kv_cache", b * (context + 1) * kv_bytes_per_token_layer(c))};
    DecodeStep d;
    d.compute_s = c.model.layers * ops_compute_s(c.chip, c.npuemu.get(), layer_ops(c, batch, "decode", attention)) +
                  ops_compute_s(c.chip, c.npuemu.get(), ends_ops(c, b, b));
    const double activation_bytes = b * c.model.hidden * kActivationBytes;
    d.tp_s = (2.0 * c.model.layers + 1) * tp_all_reduce_s(activation_bytes);
    d.pp_s = pp_sends_s(activation_bytes);
    d.step_s = d.compute_s + d.tp_s + d.pp_s;
    return d;
}

InferenceResult simulate_inference(const ClusterConfig& c) {
    if (c.workload.kind != WorkloadKind::Inference) throw Error(c.source_file + ": workload.kind is not inference");
    check_cluster(c);
    const InferenceModel model(c);
    const WorkloadSpec& w = c.workload;
    InferenceResult r;
    r.chips_per_replica = c.plan.tensor_parallel * c.plan.pipeline_parallel;
    r.replicas = c.chip_count / r.chips_per_replica;
    r.memory = inference_memory(c);
    r.batch_cap = std::min(w.max_batch, r.memory.max_batch_fit);
    r.prefill_s = model.prefill_s(&r.prefill_tp_s);
    r.decode_at_1 = model.decode_step(1);
    r.decode_at_cap = model.decode_step(r.batch_cap);

    // A replica's busy share at decode batch b: its prefills plus its requests' decode steps, b sequences a step.
    const double rate = w.request_rate_per_s / r.replicas, n = w.output_tokens;
    r.request_rate_per_replica_s = rate;
    auto busy_share = [&](const DecodeStep& step, uint32_t b) { return rate * (r.prefill_s + n * step.step_s / b); };
    r.prefill_share = rate * r.prefill_s;
    r.utilisation = busy_share(r.decode_at_cap, r.batch_cap);
    r.sustainable = r.utilisation < 1;
    r.max_request_rate_per_s = r.replicas / (r.prefill_s + n * r.decode_at_cap.step_s / r.batch_cap);
    // Continuous batching settles at the smallest batch whose steps keep up with the arrivals (the busy share falls
    // as the batch grows, each step's weight reads shared by more sequences); not sustainable: the cap.
    uint32_t lo = 1, hi = r.batch_cap;
    if (r.sustainable) {
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo) / 2;
            if (busy_share(model.decode_step(mid), mid) <= 1) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
    }
    r.settled_batch = r.sustainable ? lo : r.batch_cap;
    r.decode = model.decode_step(r.settled_batch);
    // Not sustainable: the replica serves at its max rate (the excess queues without bound); the decode figures are
    // those of the requests it serves.
    const double served_rate = r.sustainable ? rate : r.max_request_rate_per_s / r.replicas;
    const double u = served_rate * r.prefill_s;
    const double inf = std::numeric_limits<double>::infinity();
    // Prefills run whole, ahead of decode steps: each output token waits for its step and the prefills that cut in.
    r.time_per_output_token_s = u < 1 ? r.decode.step_s / (1 - u) : inf;
    r.mean_decoding_sequences = served_rate * n * r.time_per_output_token_s;
    // A request waits for the step in progress (half of one on average) and, as in an M/D/1 queue of prefills, for
    // the prefills ahead of it: u s / (2 (1 - u)); then its own prefill.
    r.time_to_first_token_s = r.sustainable ? r.prefill_s * (1 + u / (2 * (1 - u))) + r.decode.step_s / 2 : inf;
    r.tokens_per_s_per_replica = served_rate * n;
    r.tokens_per_s = r.tokens_per_s_per_replica * r.replicas;
    return r;
}

}  // namespace npuemu::cluster
