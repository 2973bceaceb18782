// A step's result as JSON (versioned schema) and as a short human summary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"

namespace npuemu::cluster {

nlohmann::ordered_json step_json(const ClusterConfig& config, const StepResult& result);
std::string step_summary(const ClusterConfig& config, const StepResult& result);

}  // namespace npuemu::cluster
