#include "cli/sweep/sweep_report.h"

#include <filesystem>

#include "cli/report/html_page.h"
#include "cli/sweep/sweep_report_charts.h"
#include "cli/sweep/sweep_report_data.h"
#include "cli/sweep/sweep_store.h"
#include "cli/sweep/workload_kind.h"
#include "model/common/error.h"

namespace npuemu::sweep {

size_t write_report(const std::string& dir, const std::string& out_file, const std::string& metric_name) {
    const ReportData data = load_report_data(dir);
    const Json& manifest = data.manifest;
    const std::string metric =
        metric_name.empty() ? manifest["metrics"][0]["name"].get<std::string>() : metric_name;
    bool known_metric = false;
    for (const auto& m : manifest["metrics"]) known_metric |= m["name"] == metric;
    if (!known_metric) throw Error("sweep report --metric " + metric + ": the sweep has no such metric");

    report::Page page;
    page.title = "Sweep " + manifest["name"].get<std::string>();
    page.paragraphs.push_back(
        "npuemu " + manifest["npuemu_version"].get<std::string>() + "; spec " +
        manifest["spec_file"].get<std::string>() + " (hash " + manifest["spec_hash"].get<std::string>() + ")" +
        (manifest["base_config"].get<std::string>().empty()
             ? std::string()
             : "; base config " + manifest["base_config"].get<std::string>()) +
        ". " + std::to_string(data.finished) + " of " + std::to_string(manifest["points"].size()) +
        " points finished, " + std::to_string(data.failed) + " failed, " + std::to_string(data.missing) + " not run.");
    page.paragraphs.push_back("Hover a mark for its point's id and parameters; each chart saves as PNG or SVG.");

    if (data.failed + data.missing > 0) {
        report::Section trouble;
        trouble.heading = "Points that did not finish";
        for (const auto& p : data.points) {
            if (!p.ok()) trouble.paragraphs.push_back(p.id + " (" + point_label(p) + "): " + p.status + ": " + p.error);
        }
        page.sections.push_back(std::move(trouble));
    }
    if (data.finished == 0) {
        report::Section none;
        none.heading = "Charts";
        none.paragraphs.push_back("No point finished: there is nothing to chart yet.");
        page.sections.push_back(std::move(none));
    } else {
        report::Section charts;
        charts.heading = "Throughput";
        charts.figures = data.kind->throughput_figures(data);
        page.sections.push_back(std::move(charts));

        report::Section parameters;
        parameters.heading = "By parameter";
        parameters.figures = parameter_figures(data, metric);
        const std::string fixed = fixed_parameters(data);
        if (!fixed.empty()) parameters.paragraphs.push_back("Held at one value in every point (no chart): " + fixed + ".");
        page.sections.push_back(std::move(parameters));
    }

    report::Section all;
    all.heading = "All points";
    all.paragraphs.push_back(std::string("Click a column to sort; ids link to the point's ") +
                             data.kind->output_file() + ".");
    const std::string out_dir = std::filesystem::absolute(out_file).parent_path().string();
    all.tables.push_back(points_table(data, out_dir));
    page.sections.push_back(std::move(all));

    write_file_atomic(out_file, report::render_html(page));
    return data.finished;
}

}  // namespace npuemu::sweep
