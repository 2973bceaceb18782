// One training step's work, generated from the model's dimensions and the parallel plan (Megatron-style tensor,
// pipeline and data parallelism): the GEMMs and memory-bound ops of one transformer layer on one TP rank for one
// micro-batch, with their FLOPs and bytes; the embedding and logit layers; the TP all-reduces, PP sends and DP
// gradient traffic each implies; and what one chip must hold in HBM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"

namespace npuemu::cluster {

enum class OpKind { Gemm, Memory };

struct Op {
    std::string name;   // "qkv", "mlp_up", "softmax", ...
    OpKind kind = OpKind::Gemm;
    double flops = 0;   // GEMM: 2 M N K (batched: summed)
    double bytes = 0;   // memory-bound: HBM bytes read + written
    uint32_t kernels = 1;
};

// The forward pass of one piece (a layer, the embedding, the logits) on one TP rank for one micro-batch, and what the
// backward costs relative to it: GEMMs twice (input and weight gradients), memory-bound ops twice their bytes.
struct Piece {
    std::vector<Op> forward;
    uint32_t tp_all_reduces_forward = 0;   // each of tp_all_reduce_bytes
    uint32_t tp_all_reduces_backward = 0;
};

struct Workload {
    Piece layer;
    Piece embedding;  // first stage, first chunk
    Piece logits;     // last stage, last chunk (vocab-parallel GEMM and cross-entropy)
    double tp_all_reduce_bytes = 0;   // activations of one micro-batch: b s h x 2 bytes
    double pp_send_bytes = 0;         // per TP rank (scatter/gather) or per stage boundary
    double grad_bytes_per_chip = 0;   // DP gradient all-reduce, per chip
    double params_per_chip = 0;       // the largest stage's (first or last: + embedding)
    uint32_t micro_batches = 0;       // per DP replica per step
    uint32_t layers_per_chunk = 0;
    double megatron_flops_per_step = 0;  // F = 96 B s l h^2 (1 + s/6h + V/16lh)
    double model_flops_per_step = 0;     // the same without recomputation (72 B s l h^2 ...): MFU's numerator
};

Workload make_workload(const ClusterConfig& config);

struct MemoryNeed {
    double weights_bytes = 0;    // bf16 weights and gradients
    double optimizer_bytes = 0;  // fp32 master weights, Adam moments (sharded by ZeRO-1)
    double activation_bytes = 0;
    double total_bytes() const { return weights_bytes + optimizer_bytes + activation_bytes; }
};

// What the most loaded chip (pipeline stage 0, which holds the most micro-batches in flight) needs in HBM.
MemoryNeed memory_need(const ClusterConfig& config, const Workload& workload);

// Throws, saying by how much, when the model does not fit.
void check_memory(const ClusterConfig& config, const Workload& workload);

}  // namespace npuemu::cluster
