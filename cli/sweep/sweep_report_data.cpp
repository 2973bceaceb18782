#include "cli/sweep/sweep_report_data.h"

#include <fstream>

#include "cli/sweep/workload_kind.h"
#include "model/common/error.h"

namespace npuemu::sweep {

double ReportPoint::value(const std::string& name) const {
    return values.contains(name) && values[name].is_number() ? values[name].get<double>() : 0.0;
}

std::string point_label(const ReportPoint& point) {
    std::string label = point.workload;
    for (const auto& [key, value] : point.settings) label += " " + key + "=" + value;
    return label;
}

ReportData load_report_data(const std::string& dir) {
    ReportData data;
    data.manifest = read_manifest(dir);
    data.kind = &workload_kind(data.manifest.value("kind", std::string("chip")));
    for (const auto& point : data.manifest["points"]) {
        ReportPoint p;
        p.id = point["id"].get<std::string>();
        p.workload = point["workload"].get<std::string>();
        for (const auto& [key, value] : point["settings"].items())
            p.settings.emplace_back(key, value.get<std::string>());
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
        p.output_path = point_dir(dir, p.id) + "/" + data.kind->output_file();
        std::ifstream in(p.output_path);
        if (!in) {
            p.output_path.clear();
        } else {
            try {
                p.values = data.kind->read_values(in);
                p.has_output = true;
            } catch (const nlohmann::json::exception&) {
                p.has_output = false;
            } catch (const Error&) {
                p.has_output = false;
            }
        }
        data.kind->read_report_point(p, data.manifest);
        data.points.push_back(std::move(p));
    }
    return data;
}

}  // namespace npuemu::sweep
