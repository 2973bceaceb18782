// The sweep report's figures, as chart descriptions (cli/report/chart.h): for chip sweeps rooflines per configuration
// with their ridges and Pareto fronts of throughput against power and against an area proxy (a cluster sweep's
// throughput charts: cluster_sweep_charts.h); for every sweep one chart per swept parameter and the table of all
// points.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/report/html_page.h"
#include "cli/sweep/sweep_report_data.h"

namespace npuemu::sweep {

// A point's tooltip: workload and settings, then the figures the chart shows.
report::Spec tooltip_of(const ReportPoint& p, std::initializer_list<std::pair<const char*, std::string>> figures);
// "id, id, ... and N more" (at most 12 named), for notes under a chart.
std::string id_list(const std::vector<std::string>& ids);
// The Pareto front of each series' (cost, throughput) points, drawn as steps: no point above-left of it. Scatter
// chart lines ({"series", "x", "y"}).
report::Spec pareto_front_lines(std::map<std::string, std::vector<std::pair<double, double>>> by_series);

report::Figure roofline_figure(const ReportData& data);
// Throughput vs average power (when every finished point simulated power) and vs the area proxy.
std::vector<report::Figure> pareto_figures(const ReportData& data);
// metric: one of the manifest's metrics. Parameters held at one value get no chart (see fixed_parameters).
std::vector<report::Figure> parameter_figures(const ReportData& data, const std::string& metric);
// "key = value, ..." of the parameters every point has at the same value ("" when none).
std::string fixed_parameters(const ReportData& data);
// Every point, finished or not; ids link to their output (stats.json, step.json) relative to the report's directory.
report::Table points_table(const ReportData& data, const std::string& report_dir);

}  // namespace npuemu::sweep
