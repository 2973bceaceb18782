// What the sweep report shows of each point of a sweep directory: its status (finished, failed with its error, not
// run), its metrics, and what its kind reads from its output (cli/sweep/workload_kind.h): a chip run's roofline and
// cost figures from its chip config and stats.json, a cluster step's numbers from its step.json.
#pragma once

#include <string>
#include <vector>

#include "cli/sweep/sweep_store.h"

namespace npuemu::sweep {

class WorkloadKind;

struct ReportPoint {
    std::string id, workload;
    std::string status;  // "ok", "failed", "not run"
    std::string error;   // failed: the runner's error; not run: why there is nothing to show
    std::vector<std::pair<std::string, std::string>> settings;
    Json metrics = Json::object();
    std::string output_path;  // DIR/points/<id>/stats.json or step.json ("" when there is none)
    // Finished points with an output: its values (the kind's read_values: counters, or the step's numbers by path).
    bool has_output = false;
    nlohmann::json values = nlohmann::json::object();
    // Chip points: the NPU's figures (0 when absent) and the configuration's.
    double macs = 0, dma_bytes = 0, peak_tops = 0, achieved_tops = 0, power_w = 0;
    double area = 0;            // MAC units: tiles x rows x cols
    double bandwidth_tbps = 0;  // DMA bytes/cycle x tiles x clock
    bool ok() const { return status == "ok"; }
    // A value of the point's output, 0 when it has none.
    double value(const std::string& name) const;
};

struct ReportData {
    Json manifest;
    const WorkloadKind* kind = nullptr;  // the manifest's
    std::vector<ReportPoint> points;     // in manifest order, every point
    size_t finished = 0, failed = 0, missing = 0;
};

ReportData load_report_data(const std::string& dir);

// "workload key=value key=value": how a point is named in tooltips and notes.
std::string point_label(const ReportPoint& point);

}  // namespace npuemu::sweep
