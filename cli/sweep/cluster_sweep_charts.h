// A cluster sweep's "Throughput" charts: where each point's step goes (its losses, cluster::loss_parts, stacked per
// point) and, when the points simulated a facility, the Pareto front of tokens/s against facility power.
#pragma once

#include <vector>

#include "cli/report/html_page.h"
#include "cli/sweep/sweep_report_data.h"

namespace npuemu::sweep {

std::vector<report::Figure> cluster_throughput_figures(const ReportData& data);

}  // namespace npuemu::sweep
