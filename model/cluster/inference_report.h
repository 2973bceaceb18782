// Inference serving's result (model/cluster/inference.h) as JSON (versioned schema) and as a short human summary.
// The HTML report (`npuemu cluster --report`) is training-only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/inference.h"

namespace npuemu::cluster {

nlohmann::ordered_json inference_json(const ClusterConfig& config, const InferenceResult& result);
std::string inference_summary(const ClusterConfig& config, const InferenceResult& result);

}  // namespace npuemu::cluster
