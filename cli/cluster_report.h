// The HTML report of one cluster training step (npuemu cluster FILE --report out.html): where the step's time goes
// and what it costs per chip, drawn with the report module's charts (cli/report/).
#pragma once

#include <string>

#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/scaling.h"
#include "model/cluster/step_model.h"

namespace npuemu::cli {

// The page (with the strong-scaling curve when `scaling` has points); throws npuemu::Error if Vega is not installed
// (report/vega_library.h).
std::string cluster_report_html(const cluster::ClusterConfig& config, const cluster::StepResult& result,
                                const std::vector<cluster::ScalingPoint>& scaling = {});

}  // namespace npuemu::cli
