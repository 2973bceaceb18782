// Failures and checkpointing, averaged into the step (the cluster file's `reliability:` section). A job on N chips
// fails at N times the per-chip rate; it writes a checkpoint every interval (Young's optimum sqrt(2 delta M) unless
// given) and, at each failure, loses on average half an interval of work plus the restart. Per second of
// failure-free progress that costs   delta / tau  +  (tau / 2 + R) / M   (Young, "A first order approximation to the
// optimum checkpoint interval", CACM 1974), with delta the checkpoint's write time, tau the interval, R the restart
// and M the job's mean time between failures.
#pragma once

#include <cstdint>

#include "model/cluster/cluster_config.h"

namespace npuemu::cluster {

struct FailureCost {
    double job_mtbf_s = 0;             // mean time between failures of the whole job (0: no failures)
    double checkpoint_write_s = 0;     // delta
    double checkpoint_interval_s = 0;  // tau
    double overhead_per_progress = 0;  // seconds lost per second of failure-free progress
};

// The parameters: the model's, all of them (what one checkpoint holds). Throws when the job cannot make progress
// (its failures come faster than a checkpoint and a restart), saying by how much.
FailureCost failure_cost(const ReliabilitySpec& reliability, uint32_t chips, double parameters);

// The model's parameter count: embeddings and, per layer, attention (grouped-query aware) and the MLP (gated for
// SwiGLU), weights only (biases and norms are a rounding error at these sizes).
double model_parameters(const ModelSpec& model);

}  // namespace npuemu::cluster
