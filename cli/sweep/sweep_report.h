// `npuemu sweep report DIR`: one self-contained HTML page (Vega charts inlined, no network, see cli/report/) with the
// roofline of each configuration and its ridge, Pareto fronts of throughput against power and against a chip-area
// proxy, one chart per swept parameter, and a sortable table of every point (failed and missing points with their
// error, finished ones linked to their stats). Each chart exports PNG and SVG.
#pragma once

#include <string>

namespace npuemu::sweep {

// Returns how many finished points the report shows. metric: the per-parameter charts' metric ("" = the first).
size_t write_report(const std::string& dir, const std::string& out_file, const std::string& metric);

}  // namespace npuemu::sweep
