// Inference serving on a cluster (workload.kind: inference): the chips split into model replicas of TP x PP chips,
// each serving its share of the requests with continuous batching. Per replica: the prefill of one prompt (the
// layer's ops at m = prompt_tokens, its TP all-reduces and PP sends), the decode step at batch B (skinny m = B GEMMs
// that read every weight once per step, bounded by the HBM rate; each sequence's KV cache read), the KV cache each
// sequence holds and the batch that fits in HBM; then the serving figures at the request rate (docs/cluster.md,
// "Inference serving"). Op times come from the training step's rules (ops_compute_s, the collectives on the network).
#pragma once

#include <cstdint>
#include <memory>

#include "model/cluster/cluster_config.h"
#include "model/cluster/collectives.h"
#include "model/cluster/topology.h"

namespace npuemu::cluster {

struct InferenceMemory {
    double capacity_bytes = 0;         // one chip's HBM
    double weights_bytes = 0;          // bf16 weights on the most loaded chip (stage 0, with the embedding)
    double kv_bytes_per_token = 0;     // on one chip: 2 (K, V) x its layers x its KV heads x head_dim x 2 bytes
    double kv_bytes_per_sequence = 0;  // at the longest context, prompt_tokens + output_tokens
    uint32_t max_batch_fit = 0;        // sequences whose KV caches fit beside the weights
};

// One chip's memory need; throws npuemu::Error saying by how much when not even the weights and one sequence fit.
InferenceMemory inference_memory(const ClusterConfig& config);
void check_inference_memory(const ClusterConfig& config);

// One decode step of a replica at a batch: the step and its parts.
struct DecodeStep {
    double step_s = 0;
    double compute_s = 0;  // every layer's and the logits' ops, on one chip
    double tp_s = 0;       // the TP all-reduces
    double pp_s = 0;       // the activations sent between stages
};

struct InferenceResult {
    uint32_t replicas = 0;
    uint32_t chips_per_replica = 0;
    InferenceMemory memory;
    uint32_t batch_cap = 0;  // min(max_batch, max_batch_fit)
    double prefill_s = 0;    // one prompt, whole, through the replica
    double prefill_tp_s = 0;
    DecodeStep decode_at_1, decode_at_cap;
    double request_rate_per_replica_s = 0;
    double prefill_share = 0;           // of a replica's time spent on prefills: rate x prefill_s
    double utilisation = 0;             // the offered load over the replica's capacity at batch_cap
    bool sustainable = false;           // utilisation < 1
    double max_request_rate_per_s = 0;  // the cluster's, at batch_cap
    uint32_t settled_batch = 0;         // the decode step's batch continuous batching settles at
    DecodeStep decode;                  // at settled_batch
    // Of the requests served (not sustainable: at the max rate, the rest queueing without bound).
    double mean_decoding_sequences = 0;  // Little's law: rate x output_tokens x time per output token
    double time_to_first_token_s = 0;    // not sustainable: the queue grows without bound (infinity)
    double time_per_output_token_s = 0;
    double tokens_per_s_per_replica = 0;  // output tokens delivered (not sustainable: at the max rate)
    double tokens_per_s = 0;              // the cluster's
};

// Times a replica's prefill and decode steps on its chips and the network.
class InferenceModel {
public:
    explicit InferenceModel(const ClusterConfig& config);
    ~InferenceModel();

    double prefill_s(double* tp_s = nullptr) const;
    DecodeStep decode_step(uint32_t batch) const;

private:
    double tp_all_reduce_s(double bytes) const;
    double pp_sends_s(double bytes) const;

    ClusterConfig config_;  // a copy: the model may outlive the config it was made from
    std::unique_ptr<ClusterTopology> topology_;
    std::unique_ptr<Collectives> collectives_;
};

InferenceResult simulate_inference(const ClusterConfig& config);

}  // namespace npuemu::cluster
