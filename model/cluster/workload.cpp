#include "model/cluster/workload.h"

#include <algorithm>
#include <cstdio>

#include "model/common/error.h"

namespace npuemu::cluster {

namespace {

constexpr double kBf16Bytes = 2;

Op gemm(const char* name, double m, double n, double k, double batch = 1) {
    return {name, OpKind::Gemm, 2 * m * n * k * batch, 0, 1};
}

Op memory(const char* name, double bytes, uint32_t kernels = 1) { return {name, OpKind::Memory, 0, bytes, kernels}; }

// One transformer layer on one TP rank (Megatron's split: QKV and MLP-up by columns, proj and MLP-down by rows;
// layernorm, dropout and residual replicated on every rank).
Piece make_layer(const ClusterConfig& c) {
    const ModelSpec& m = c.model;
    const double t = c.plan.tensor_parallel;
    const double b = c.plan.micro_batch, s = m.seq_length, h = m.hidden;
    const double tokens = b * s;
    const double head_dim = h / m.heads;
    const double heads_per_rank = m.heads / t;
    const double qkv_columns = (h + 2.0 * m.kv_heads * head_dim) / t;
    const double ffn_per_rank = m.ffn_hidden / t;
    const double up_columns = ffn_per_rank * (m.activation == llm::Activation::Swiglu ? 2 : 1);  // gate and up
    const double scores = b * heads_per_rank * s * s;  // attention score elements on this rank
    const double mask_bytes = m.dropout ? 1 : 0;       // dropout's 1-byte mask per element
    Piece layer;
    layer.forward = {
        memory("layernorm1", 2 * tokens * h * kBf16Bytes), gemm("qkv", tokens, qkv_columns, h),
        gemm("attention_scores", s, s, head_dim, b * heads_per_rank),
        memory("softmax", 2 * scores * kBf16Bytes),  // fused scale, mask, softmax: read, write
    };
    if (m.dropout) layer.forward.push_back(memory("attention_dropout", scores * (2 * kBf16Bytes + 1)));  // + mask
    const std::vector<Op> rest = {
        gemm("attention_values", s, head_dim, s, b * heads_per_rank),
        gemm("proj", tokens, h, h / t),
        memory("bias_dropout_add1", tokens * h * (3 * kBf16Bytes + mask_bytes)),
        memory("layernorm2", 2 * tokens * h * kBf16Bytes),
        gemm("mlp_up", tokens, up_columns, h),
        memory("bias_gelu", 2 * tokens * ffn_per_rank * kBf16Bytes),
        gemm("mlp_down", tokens, h, ffn_per_rank),
        memory("bias_dropout_add2", tokens * h * (3 * kBf16Bytes + mask_bytes)),
    };
    layer.forward.insert(layer.forward.end(), rest.begin(), rest.end());
    if (c.plan.tensor_parallel > 1) {
        layer.tp_all_reduces_forward = 2;   // after proj and after mlp_down
        layer.tp_all_reduces_backward = 2;  // the input gradients of qkv and mlp_up
    }
    return layer;
}

}  // namespace

Workload make_workload(const ClusterConfig& c) {
    const ModelSpec& m = c.model;
    const PlanSpec& p = c.plan;
    const double t = p.tensor_parallel, b = p.micro_batch, s = m.seq_length, h = m.hidden, v = m.vocab;
    const double tokens = b * s;
    Workload w;
    w.layer = make_layer(c);
    w.embedding.forward = {memory("embedding", tokens * h * kBf16Bytes * 2)};
    if (p.tensor_parallel > 1) w.embedding.tp_all_reduces_forward = 1;  // vocab-parallel lookup
    w.logits.forward = {gemm("logits", tokens, v / t, h),
                        memory("cross_entropy", 3 * tokens * (v / t) * kBf16Bytes, 3)};
    w.tp_all_reduce_bytes = tokens * h * kBf16Bytes;
    w.pp_send_bytes = tokens * h * kBf16Bytes / (p.scatter_gather ? t : 1);
    w.micro_batches = m.global_batch / (p.micro_batch * c.data_parallel());
    w.layers_per_chunk = m.layers / (p.pipeline_parallel * p.virtual_stages);

    const double head_dim = h / m.heads;
    const double layer_params = h * (h + 2.0 * m.kv_heads * head_dim) + h * h + 2.0 * h * m.ffn_hidden + 3.0 * h +
                                2.0 * m.kv_heads * head_dim + m.ffn_hidden + 4 * h;  // + biases, norms
    const double stage_layers = double(m.layers) / p.pipeline_parallel;
    w.params_per_chip = (stage_layers * layer_params + v * h) / t;  // stage 0 also holds the embedding
    w.grad_bytes_per_chip = w.params_per_chip * kBf16Bytes;

    const double l = m.layers, batch = m.global_batch;
    const double shape = 1 + s / (6 * h) + v / (16 * l * h);
    w.megatron_flops_per_step = 96 * batch * s * l * h * h * shape;
    w.model_flops_per_step = w.megatron_flops_per_step * 3 / 4;
    return w;
}

MemoryNeed memory_need(const ClusterConfig& c, const Workload& w) {
    const PlanSpec& p = c.plan;
    const ModelSpec& m = c.model;
    MemoryNeed need;
    need.weights_bytes = w.params_per_chip * (kBf16Bytes + kBf16Bytes);
    const double optimizer_bytes_per_param = 12;  // fp32 master weights + two Adam moments
    const double shards = p.dp_sharding == DpSharding::Zero1 ? c.data_parallel() : 1;
    need.optimizer_bytes = w.params_per_chip * optimizer_bytes_per_param / shards;
    // Activations (Korthikanti et al. 2022): per layer s b h (34 + 5 a s / h) bytes, split over t; with full
    // recomputation only each layer's input (2 s b h) stays, plus one layer's working set. Stage 0 holds p
    // micro-batches in flight (1F1B).
    const double s = m.seq_length, b = p.micro_batch, h = m.hidden, a = m.heads, t = p.tensor_parallel;
    const double layer_full = s * b * h * (10 + 24 / t + 5 * a * s / (h * t));
    const double stage_layers = double(m.layers) / p.pipeline_parallel;
    const double in_flight = std::min<double>(p.pipeline_parallel, w.micro_batches);
    need.activation_bytes =
        p.recompute ? in_flight * stage_layers * 2 * s * b * h + layer_full : in_flight * stage_layers * layer_full;
    return need;
}

void check_memory(const ClusterConfig& c, const Workload& w) {
    const MemoryNeed need = memory_need(c, w);
    const double capacity = c.chip.hbm_capacity_gbyte * 1e9;
    if (need.total_bytes() > capacity) {
        char text[400];
        std::snprintf(text, sizeof text,
                      "the model does not fit in HBM: a chip of pipeline stage 0 needs %.1f GB (weights and "
                      "gradients %.1f, optimizer %.1f, activations %.1f) but holds %.1f GB: %.1f GB over. Raise "
                      "tensor_parallel or pipeline_parallel, shard with dp_sharding: zero1, or turn on recompute",
                      need.total_bytes() / 1e9, need.weights_bytes / 1e9, need.optimizer_bytes / 1e9,
                      need.activation_bytes / 1e9, capacity / 1e9, (need.total_bytes() - capacity) / 1e9);
        throw Error(text);
    }
}

}  // namespace npuemu::cluster
