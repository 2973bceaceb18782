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

// Megatron's fused bias-dropout-add: x, bias and residual read, the sum written, and the dropout's 1-byte mask.
Op bias_dropout_add(const char* name, double elements, double mask_bytes) {
    Op op = memory(name, elements * (3 * kBf16Bytes + mask_bytes));
    op.dropout_bytes = elements * mask_bytes;
    return op;
}

Op attention_core(Op op) {
    op.attention_core = true;
    return op;
}

double mlp_matrices(const ModelSpec& m) { return m.activation == llm::Activation::Swiglu ? 3 : 2; }

// One MoE expert's parameters (its MLP; biases aside).
double expert_params(const ModelSpec& m) { return mlp_matrices(m) * double(m.hidden) * m.expert_ffn_hidden; }

// The MLP of a mixture-of-experts layer on one TP rank, Megatron-core's MoE layer with the all-to-all token
// dispatcher (docs: megatron/core/transformer/moe/README.md; GShard, Lepikhin et al. 2021, Sec. 2.2): the router
// (replicated), the tokens permuted and sent to their experts' EP ranks (all-to-all), each local expert's GEMMs on the
// tokens routed to it, sent back (all-to-all) and unpermuted. Routing is taken as balanced: every expert gets
// T k / experts of the EP group's tokens, so a rank's experts/ep experts see T k tokens in all. Experts are split over
// TP like the dense MLP (expert tensor parallelism = TP); the TP collectives around them: make_layer.
std::vector<Op> moe_mlp(const ClusterConfig& c, double tokens) {
    const ModelSpec& m = c.model;
    const double t = c.plan.tensor_parallel, ep = c.plan.expert_parallel, h = m.hidden;
    const double k = m.experts_per_token, local_experts = m.experts / ep;
    const double routed = tokens * k;                  // token copies this rank's experts compute
    const double per_expert = routed / local_experts;  // balanced routing
    const double ffn_per_rank = m.expert_ffn_hidden / t;
    const double up_columns = ffn_per_rank * (m.activation == llm::Activation::Swiglu ? 2 : 1);
    return {
        gemm("router", tokens, m.experts, h),
        memory("moe_permute", 2 * 2 * routed * h * kBf16Bytes, 2),  // permute before, unpermute after: read, write
        gemm("expert_up", per_expert, up_columns, h, local_experts),
        memory("bias_gelu", 2 * routed * ffn_per_rank * kBf16Bytes),
        gemm("expert_down", per_expert, h, ffn_per_rank, local_experts),
    };
}

// One transformer layer on one TP and CP rank (Megatron's split: QKV and MLP-up by columns, proj and MLP-down by
// rows; layernorm, dropout and residual replicated on every rank). With CP a rank holds s/cp of each sequence's
// tokens and attends them to all s keys (ring attention: Liu et al., "Ring Attention with Blockwise Transformers",
// 2023; Megatron-core's context parallelism, TransformerEngine's AttnFuncWithCPAndKVP2P), so its score and value
// GEMMs are (s/cp) x s.
Piece make_layer(const ClusterConfig& c) {
    const ModelSpec& m = c.model;
    const double t = c.plan.tensor_parallel, cp = c.plan.context_parallel;
    const double b = c.plan.micro_batch, s = m.seq_length, h = m.hidden;
    const double s_rank = s / cp;  // this CP rank's queries
    const double tokens = b * s_rank;
    const double head_dim = h / m.heads;
    const double heads_per_rank = m.heads / t;
    const double qkv_columns = (h + 2.0 * m.kv_heads * head_dim) / t;
    const double ffn_per_rank = m.ffn_hidden / t;
    const double up_columns = ffn_per_rank * (m.activation == llm::Activation::Swiglu ? 2 : 1);  // gate and up
    const double scores = b * heads_per_rank * s_rank * s;  // attention score elements on this rank
    const double mask_bytes = m.dropout ? 1 : 0;            // dropout's 1-byte mask per element
    Piece layer;
    layer.forward = {
        memory("layernorm1", 2 * tokens * h * kBf16Bytes), gemm("qkv", tokens, qkv_columns, h),
        attention_core(gemm("attention_scores", s_rank, s, head_dim, b * heads_per_rank)),
        attention_core(memory("softmax", 2 * scores * kBf16Bytes)),  // fused scale, mask, softmax: read, write
    };
    if (m.dropout) {  // read, write, 1-byte mask
        layer.forward.push_back(attention_core(memory("attention_dropout", scores * (2 * kBf16Bytes + 1))));
    }
    const std::vector<Op> attention_out = {
        attention_core(gemm("attention_values", s_rank, head_dim, s, b * heads_per_rank)),
        gemm("proj", tokens, h, h / t),
        bias_dropout_add("bias_dropout_add1", tokens * h, mask_bytes),
        memory("layernorm2", 2 * tokens * h * kBf16Bytes),
    };
    layer.forward.insert(layer.forward.end(), attention_out.begin(), attention_out.end());
    if (m.moe()) {
        for (Op& op : moe_mlp(c, tokens)) layer.forward.push_back(std::move(op));
        if (c.plan.expert_parallel > 1) {
            layer.ep_all_to_alls_forward = 2;   // dispatch, combine
            layer.ep_all_to_alls_backward = 2;  // their gradients, the other way
        }
    } else {
        layer.forward.push_back(gemm("mlp_up", tokens, up_columns, h));
        layer.forward.push_back(memory("bias_gelu", 2 * tokens * ffn_per_rank * kBf16Bytes));
        layer.forward.push_back(gemm("mlp_down", tokens, h, ffn_per_rank));
    }
    layer.forward.push_back(bias_dropout_add("bias_dropout_add2", tokens * h, mask_bytes));
    for (Op& op : layer.forward) op.rows = tokens;
    if (c.plan.tensor_parallel > 1) {
        layer.tp_all_reduces_forward = 2;   // after proj and after mlp_down
        layer.tp_all_reduces_backward = 2;  // the input gradients of qkv and mlp_up
        if (m.moe()) {
            // Megatron-core runs MoE with TP under sequence parallelism: each TP rank dispatches its 1/t of the
            // tokens, the routed tokens are all-gathered over TP before the experts and reduce-scattered after
            // them: an all-gather and a reduce-scatter of T k tokens, the time of k all-reduces of T tokens.
            layer.tp_all_reduces_forward = 1 + m.experts_per_token;
            layer.tp_all_reduces_backward = 1 + m.experts_per_token;
        }
    }
    if (c.plan.context_parallel > 1) {
        // cp steps of attention, the first on the rank's own block; cp - 1 block passes around the ring. Backward
        // (TransformerEngine's AttnFuncWithCPAndKVP2P.backward) passes each K,V block again and its dK,dV with it.
        layer.cp_ring_steps_forward = c.plan.context_parallel - 1;
        layer.cp_blocks_per_step_backward = 2;
    }
    return layer;
}

// Forward FLOPs per token of one layer (GEMMs: QKV, attention over s keys, proj, MLP or routed experts and router).
double layer_flops_per_token(const ModelSpec& m) {
    const double h = m.hidden, s = m.seq_length, head_dim = h / m.heads;
    const double attention = 2 * h * (h + 2.0 * m.kv_heads * head_dim) + 4 * s * h + 2 * h * h;
    const double mlp = m.moe() ? m.experts_per_token * 2 * expert_params(m) + 2 * h * m.experts
                               : 2 * mlp_matrices(m) * h * m.ffn_hidden;
    return attention + mlp;
}

}  // namespace

uint32_t gradient_ranks(const ClusterConfig& c) { return c.data_parallel() * c.plan.context_parallel; }

Workload make_workload(const ClusterConfig& c) {
    const ModelSpec& m = c.model;
    const PlanSpec& p = c.plan;
    const double t = p.tensor_parallel, b = p.micro_batch, s = m.seq_length, h = m.hidden, v = m.vocab;
    const double tokens = b * s / p.context_parallel;
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
    w.cp_kv_block_bytes = tokens * 2 * (m.kv_heads * head_dim / t) * kBf16Bytes;  // K and V, this rank's heads
    w.ep_all_to_all_bytes = tokens * m.experts_per_token * h * kBf16Bytes / t;    // a TP rank's share (see above)
    const double attention_params = h * (h + 2.0 * m.kv_heads * head_dim) + h * h + 3.0 * h +
                                    2.0 * m.kv_heads * head_dim + 4 * h;                // + biases, norms
    const double dense_mlp_params = mlp_matrices(m) * h * m.ffn_hidden + m.ffn_hidden;  // SwiGLU: gate, up, down
    const double expert_params_per_layer = m.moe() ? double(m.experts) / p.expert_parallel * expert_params(m) : 0;
    const double router_params = m.moe() ? h * m.experts * t : 0;  // replicated over TP (divided by t below)
    const double layer_params =
        attention_params + (m.moe() ? router_params + expert_params_per_layer : dense_mlp_params);
    const double stage_layers = double(m.layers) / p.pipeline_parallel;
    w.params_per_chip = (stage_layers * layer_params + v * h) / t;  // stage 0 also holds the embedding
    const double expert_params_per_chip = stage_layers * expert_params_per_layer / t;
    w.grad_bytes_per_chip = (w.params_per_chip - expert_params_per_chip) * kBf16Bytes;
    w.expert_grad_bytes_per_chip = expert_params_per_chip * kBf16Bytes;
    w.fsdp_layer_bytes = layer_params / t * kBf16Bytes;
    w.fsdp_embedding_bytes = v * h / t * kBf16Bytes;

    const double l = m.layers, batch = m.global_batch;
    if (m.moe()) {
        // Megatron's F generalised (its derivation, Narayanan et al. 2021 Appendix: 4 passes of the layers with
        // recomputation, 3 of the logits) to routed experts and grouped-query attention.
        const double per_token_layers = l * layer_flops_per_token(m), logits = 2 * h * v;
        w.megatron_flops_per_step = batch * s * (4 * per_token_layers + 3 * logits);
        w.model_flops_per_step = batch * s * 3 * (per_token_layers + logits);
    } else {
        const double shape = 1 + s / (6 * h) + v / (16 * l * h);
        w.megatron_flops_per_step = 96 * batch * s * l * h * h * shape;
        w.model_flops_per_step = w.megatron_flops_per_step * 3 / 4;
    }
    return w;
}

double optimizer_params_per_chip(const ClusterConfig& c, const Workload& w) {
    if (c.plan.dp_sharding == DpSharding::None) return w.params_per_chip;
    const double ranks = gradient_ranks(c), expert_params = w.expert_grad_bytes_per_chip / kBf16Bytes;
    return (w.params_per_chip - expert_params) / ranks + expert_params / (ranks / c.plan.expert_parallel);
}

MemoryNeed memory_need(const ClusterConfig& c, const Workload& w) {
    const PlanSpec& p = c.plan;
    const ModelSpec& m = c.model;
    MemoryNeed need;
    const double optimizer_bytes_per_param = 12;  // fp32 master weights + two Adam moments
    // ZeRO (Rajbhandari et al., SC'20, Sec. 5) and Megatron's distributed optimizer shard over the ranks that hold the
    // same parameters: DP x CP.
    const double ranks = gradient_ranks(c);
    if (llm::shards_parameters(p.dp_sharding)) {
        // ZeRO-3 / FSDP FULL_SHARD: each rank keeps 1/N of the bf16 weights and gradients, plus the unit being
        // computed and the one prefetched, gathered whole, and the unit's unsharded gradient before its
        // reduce-scatter (PyTorch FSDP: one all-gather in flight ahead, limit_all_gathers).
        const double unit_bytes = std::max(w.fsdp_layer_bytes, w.fsdp_embedding_bytes);
        need.weights_bytes = w.params_per_chip * (kBf16Bytes + kBf16Bytes) / ranks + 3 * unit_bytes;
    } else {
        need.weights_bytes = w.params_per_chip * (kBf16Bytes + kBf16Bytes);
    }
    need.optimizer_bytes = optimizer_params_per_chip(c, w) * optimizer_bytes_per_param;
    // Activations (Korthikanti et al. 2022): per layer s b h (34 + 5 a s / h) bytes, split over t; with full
    // recomputation only each layer's input (2 s b h) stays, plus one layer's working set. Stage 0 holds p
    // micro-batches in flight (1F1B). CP: a rank holds s/cp of the tokens, and its scores are (s/cp) x s.
    const double s = m.seq_length, b = p.micro_batch, h = m.hidden, a = m.heads, t = p.tensor_parallel;
    const double s_rank = s / p.context_parallel;
    const double layer_full = s_rank * b * h * (10 + 24 / t + 5 * a * s / (h * t));
    const double stage_layers = double(m.layers) / p.pipeline_parallel;
    const double in_flight = std::min<double>(p.pipeline_parallel, w.micro_batches);
    need.activation_bytes = p.recompute ? in_flight * stage_layers * 2 * s_rank * b * h + layer_full
                                        : in_flight * stage_layers * layer_full;
    return need;
}

void check_memory(const ClusterConfig& c, const Workload& w) {
    const MemoryNeed need = memory_need(c, w);
    const double capacity = c.chip.hbm_capacity_gbyte * 1e9;
    if (need.total_bytes() > capacity) {
        char text[512];
        std::snprintf(
            text, sizeof text,
            "the model does not fit in HBM: a chip of pipeline stage 0 needs %.1f GB (weights and "
            "gradients %.1f, optimizer %.1f, activations %.1f) but holds %.1f GB: %.1f GB over. Raise "
            "tensor_parallel, pipeline_parallel or context_parallel, shard with dp_sharding (zero1, zero3), or "
            "turn on recompute",
            need.total_bytes() / 1e9, need.weights_bytes / 1e9, need.optimizer_bytes / 1e9, need.activation_bytes / 1e9,
            capacity / 1e9, (need.total_bytes() - capacity) / 1e9);
        throw Error(text);
    }
}

}  // namespace npuemu::cluster
