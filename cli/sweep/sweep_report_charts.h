// The sweep report's figures, as chart descriptions (cli/report/chart.h): rooflines per configuration with their
// ridges, Pareto fronts of throughput against power and against an area proxy, one chart per swept parameter, and
// the table of all points.
#pragma once

#include <string>
#include <vector>

#include "cli/report/html_page.h"
#include "cli/sweep/sweep_report_data.h"

namespace npuemu::sweep {

report::Figure roofline_figure(const ReportData& data);
// Throughput vs average power (when every finished point simulated power) and vs the area proxy.
std::vector<report::Figure> pareto_figures(const ReportData& data);
// metric: one of the manifest's metrics. Parameters held at one value get no chart (see fixed_parameters).
std::vector<report::Figure> parameter_figures(const ReportData& data, const std::string& metric);
// "key = value, ..." of the parameters every point has at the same value ("" when none).
std::string fixed_parameters(const ReportData& data);
// Every point, finished or not; ids link to their stats.json relative to the report's directory.
report::Table points_table(const ReportData& data, const std::string& report_dir);

}  // namespace npuemu::sweep
