// A step's result as JSON (versioned schema) and as a short human summary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"

namespace npuemu::cluster {

// The step's losses in the order of the loss budget: the JSON's key, a reader's label, the seconds. One list for the
// JSON, the summary and the HTML report, so a new loss is added in one place.
struct LossPart {
    const char* key;
    const char* label;
    double seconds;
};
std::vector<LossPart> loss_parts(const StepLosses& losses);

nlohmann::ordered_json step_json(const ClusterConfig& config, const StepResult& result);
std::string step_summary(const ClusterConfig& config, const StepResult& result);

}  // namespace npuemu::cluster
