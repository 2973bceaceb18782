// The heat and variation part of a step's report: JSON (the step JSON's "heat" object) and summary lines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/cluster/cluster_heat.h"

namespace npuemu::cluster {

nlohmann::ordered_json heat_json(const ClusterConfig& config, const StepResult& result, const HeatResult& heat);
std::string heat_summary(const ClusterConfig& config, const StepResult& result, const HeatResult& heat);

}  // namespace npuemu::cluster
