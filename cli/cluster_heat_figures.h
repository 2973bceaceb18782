// The cluster report's heat figures: per rack, the inlet and die temperatures and the chips' clocks.
#pragma once

#include "cli/report/html_page.h"
#include "model/cluster/cluster_heat.h"

namespace npuemu::cli {

report::Figure rack_temperature_figure(const cluster::HeatResult& heat);
report::Figure rack_frequency_figure(const cluster::HeatResult& heat);

}  // namespace npuemu::cli
