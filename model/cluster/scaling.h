// The scaling curve of a cluster: the same model, plan and global batch on fewer data-parallel replicas (the
// configured count halved while the plan still divides the batch), each simulated: strong scaling, as a training
// run at a fixed global batch sees it when chips are added (smaller per-replica batches, longer bubbles, larger
// collectives).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"

namespace npuemu::cluster {

struct ScalingPoint {
    uint32_t chips = 0;
    uint32_t data_parallel = 0;
    double step_s = 0;
    double tokens_per_s = 0;
    double mfu = 0;
};

// Points by ascending chip count, the configured cluster last. `file` and `overrides` are how the cluster was loaded
// (each point re-loads it with its chip count); a replica count the plan cannot take is left out.
std::vector<ScalingPoint> strong_scaling(const ClusterConfig& config, const std::string& file,
                                         const std::vector<std::string>& overrides);

}  // namespace npuemu::cluster
