// The HTML report of one cluster training step (npuemu cluster FILE --report out.html): where the step's time goes
// and what it costs per chip, drawn with the report module's charts (cli/report/).
#pragma once

#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"

namespace npuemu::cli {

// The page; throws npuemu::Error if Vega is not installed (report/vega_library.h).
std::string cluster_report_html(const cluster::ClusterConfig& config, const cluster::StepResult& result);

}  // namespace npuemu::cli
