#include "cli/sweep/sweep_report_data.h"

#include <fstream>

#include "model/config/chip_config.h"

namespace npuemu::sweep {

namespace {

double counter_value(const Json& counters, const std::string& name) {
    return counters.contains(name) && counters[name].is_number() ? counters[name].get<double>() : 0.0;
}

void read_stats(ReportPoint& p) {
    std::ifstream in(p.stats_path);
    if (!in) { p.stats_path.clear(); return; }
    try {
        const Json counters = Json::parse(in).at("counters");
        p.has_stats = true;
        p.macs = counter_value(counters, "npu.macs");
        p.peak_tops = counter_value(counters, "npu.peak_tops");
        p.achieved_tops = counter_value(counters, "npu.achieved_tops");
        p.power_w = counter_value(counters, "power.average_w");
        for (const auto& [name, value] : counters.items()) {
            if (name.size() > 10 && name.compare(name.size() - 10, 10, ".dma.bytes") == 0 && value.is_number()) {
                p.dma_bytes += value.get<double>();
            }
        }
    } catch (const nlohmann::json::exception&) {
        p.has_stats = false;
    }
}

}  // namespace

std::string point_label(const ReportPoint& point) {
    std::string label = point.workload;
    for (const auto& [key, value] : point.settings) label += " " + key + "=" + value;
    return label;
}

ReportData load_report_data(const std::string& dir) {
    ReportData data;
    data.manifest = read_manifest(dir);
    const std::string base = data.manifest["base_config"].get<std::string>();
    for (const auto& point : data.manifest["points"]) {
        ReportPoint p;
        p.id = point["id"].get<std::string>();
        p.workload = point["workload"].get<std::string>();
        std::vector<std::string> overrides;
        for (const auto& [key, value] : point["settings"].items()) {
            p.settings.emplace_back(key, value.get<std::string>());
            overrides.push_back(key + "=" + value.get<std::string>());
        }
        const auto result = read_result(dir, p.id);
        if (!result) {
            p.status = "not run";
            p.error = "no result.json: the point was not run, or its run was interrupted";
            ++data.missing;
        } else if (result->value("status", "") != "ok") {
            p.status = "failed";
            p.error = result->value("error", "");
            if (p.error.empty()) p.error = "status '" + result->value("status", "") + "' without an error message";
            ++data.failed;
        } else {
            p.status = "ok";
            ++data.finished;
        }
        if (result && result->contains("metrics") && (*result)["metrics"].is_object()) p.metrics = (*result)["metrics"];
        p.stats_path = point_dir(dir, p.id) + "/stats.json";
        read_stats(p);
        if (p.ok()) {
            const config::ChipConfig chip = config::load_chip_config(base, overrides);
            p.area = static_cast<double>(chip.tile_count) * chip.npu.matrix.rows * chip.npu.matrix.cols;
            p.bandwidth_tbps = static_cast<double>(chip.npu.dma.bandwidth_bytes_per_cycle) * chip.tile_count *
                               static_cast<double>(chip.clock_frequency_hz) / 1e12;
        }
        data.points.push_back(std::move(p));
    }
    return data;
}

}  // namespace npuemu::sweep
