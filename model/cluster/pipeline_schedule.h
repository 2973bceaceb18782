// One data-parallel replica's pipeline, simulated task by task: each stage runs its forward and backward chunks in
// Megatron's (interleaved) 1F1B order, a task starting when its stage is free and its input has arrived from the
// neighbouring stage. Identical replicas and TP ranks are simulated once (symmetry).
#pragma once

#include <cstdint>
#include <vector>

namespace npuemu::cluster {

struct PipelineInput {
    uint32_t stages = 1;
    uint32_t chunks = 1;         // virtual stages per stage (interleaving)
    uint32_t micro_batches = 1;
    std::vector<std::vector<double>> forward_s;   // [stage][chunk]: one micro-batch's forward task
    std::vector<std::vector<double>> backward_s;  // [stage][chunk]: its backward (with recomputation)
    double send_s = 0;           // activation or gradient from one stage to the next
    // Megatron (2021) waits for each send and receive to complete before the next task (its p2p calls synchronise):
    // a stage that sends is busy for send_s, and a receiver re-assembles the scattered activation for gather_s.
    bool blocking_sends = false;
    double gather_s = 0;
};

struct PipelineResult {
    double makespan_s = 0;                  // first forward to the last backward of any stage
    std::vector<double> busy_s;             // per stage: time computing
    std::vector<double> comm_busy_s;        // per stage: time held by blocking sends and gathers
    std::vector<double> finish_s;           // per stage: end of its last backward
    std::vector<double> last_backward_s;    // per stage: duration of its last backward task
};

PipelineResult simulate_pipeline(const PipelineInput& input);

}  // namespace npuemu::cluster
