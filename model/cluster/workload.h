// One training step's work, generated from the model's dimensions and the parallel plan (Megatron-style tensor,
// pipeline, context, expert and data parallelism, the latter optionally sharded as ZeRO-1 or ZeRO-3/FSDP): the GEMMs
// and memory-bound ops of one transformer layer on one TP and CP rank for one micro-batch, with their FLOPs and bytes;
// the embedding and logit layers; the TP all-reduces, CP key/value exchanges, EP all-to-alls, PP sends, FSDP
// parameter gathers and DP gradient traffic each implies; and what one chip must hold in HBM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"

namespace npuemu::cluster {

enum class OpKind { Gemm, Memory };

struct Op {
    std::string name;  // "qkv", "mlp_up", "softmax", ...
    OpKind kind = OpKind::Gemm;
    double flops = 0;  // GEMM: 2 M N K (batched: summed)
    double bytes = 0;  // memory-bound: HBM bytes read + written
    uint32_t kernels = 1;
    bool attention_core = false;  // scores, softmax, dropout, values: what ring attention overlaps its exchange with
    // GEMM: the weights it reads from HBM (inference; 0 in training, where every GEMM is compute-bound). A GEMM takes
    // at least these bytes' time at the chip's element-wise HBM rate: what bounds decode's skinny m = batch GEMMs.
    double weight_bytes = 0;
    double dropout_bytes = 0;  // memory-bound: of bytes, the dropout mask's (an npuemu chip's residual pass has none)
    double rows = 0;  // a layer op's token rows (b s / cp): an npuemu chip's profiled ops are matched on it; 0: none
};

// The forward pass of one piece (a layer, the embedding, the logits) on one TP rank for one micro-batch, and what the
// backward costs relative to it: GEMMs twice (input and weight gradients), memory-bound ops twice their bytes.
struct Piece {
    std::vector<Op> forward;
    uint32_t tp_all_reduces_forward = 0;  // each of tp_all_reduce_bytes
    uint32_t tp_all_reduces_backward = 0;
    // Ring attention (CP): steps of the ring, each passing one key/value block (cp_kv_block_bytes) to the next CP rank
    // while the attention of the block in hand is computed. Backward passes the key/value blocks and their gradients.
    uint32_t cp_ring_steps_forward = 0;
    uint32_t cp_blocks_per_step_backward = 0;  // blocks each backward ring step passes (K,V and dK,dV: 2)
    uint32_t ep_all_to_alls_forward = 0;       // MoE: dispatch and combine, each of ep_all_to_all_bytes
    uint32_t ep_all_to_alls_backward = 0;
};

struct Workload {
    Piece layer;
    Piece embedding;                        // first stage, first chunk
    Piece logits;                           // last stage, last chunk (vocab-parallel GEMM and cross-entropy)
    double tp_all_reduce_bytes = 0;         // activations of one micro-batch on one CP rank: b (s/cp) h x 2 bytes
    double pp_send_bytes = 0;               // per TP rank (scatter/gather) or per stage boundary
    double cp_kv_block_bytes = 0;           // K and V of one CP rank's b x s/cp tokens on one TP rank, bf16
    double ep_all_to_all_bytes = 0;         // one MoE all-to-all: the rank's routed tokens, b (s/cp) k h x 2 bytes
    double grad_bytes_per_chip = 0;         // DP gradient reduction over DP x CP, per chip (dense parameters)
    double expert_grad_bytes_per_chip = 0;  // MoE experts' gradients, reduced over the expert-data-parallel group
    double params_per_chip = 0;             // the largest stage's (first or last: + embedding); all of them, unsharded
    // ZeRO-3 / FSDP: the unsharded bf16 parameters of one unit gathered at a time (a layer; the embedding and the
    // logits are units of their own), on one TP rank.
    double fsdp_layer_bytes = 0;
    double fsdp_embedding_bytes = 0;
    uint32_t micro_batches = 0;  // per DP replica per step
    uint32_t layers_per_chunk = 0;
    double megatron_flops_per_step = 0;  // F = 96 B s l h^2 (1 + s/6h + V/16lh)
    double model_flops_per_step = 0;     // the same without recomputation (72 B s l h^2 ...): MFU's numerator
};

Workload make_workload(const ClusterConfig& config);

// The ranks that hold a copy of the same parameters and reduce their gradients together: DP x CP (the CP ranks of a
// replica hold the same weights; Megatron's data_parallel_group_with_cp). ZeRO and FSDP shard over them.
uint32_t gradient_ranks(const ClusterConfig& config);

// The parameters whose optimizer state (and Adam update) one chip holds: all of them, or with ZeRO/FSDP its shard,
// dense parameters over DP x CP, the experts' over their expert-data-parallel group (DP x CP / EP).
double optimizer_params_per_chip(const ClusterConfig& config, const Workload& workload);

struct MemoryNeed {
    double weights_bytes = 0;    // bf16 weights and gradients (ZeRO-3/FSDP: their shards and the gathered units)
    double optimizer_bytes = 0;  // fp32 master weights, Adam moments (sharded by ZeRO-1 and ZeRO-3/FSDP)
    double activation_bytes = 0;
    double total_bytes() const { return weights_bytes + optimizer_bytes + activation_bytes; }
};

// What the most loaded chip (pipeline stage 0, which holds the most micro-batches in flight) needs in HBM.
MemoryNeed memory_need(const ClusterConfig& config, const Workload& workload);

// Throws, saying by how much, when the model does not fit.
void check_memory(const ClusterConfig& config, const Workload& workload);

}  // namespace npuemu::cluster
