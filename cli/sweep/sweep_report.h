// `npuemu sweep report DIR`: one self-contained HTML page (inline SVG, no network) with the roofline of each
// configuration, the Pareto front of throughput against a chip-area proxy (the model has no power yet), and one chart
// per swept parameter; each chart has a PNG export button for slides.
#pragma once

#include <string>

namespace npuemu::sweep {

// Returns how many finished points the report shows. metric: the per-parameter charts' metric ("" = the first).
size_t write_report(const std::string& dir, const std::string& out_file, const std::string& metric);

}  // namespace npuemu::sweep
