#include "cli/sweep/cluster_sweep_charts.h"

#include <algorithm>
#include <map>
#include <string>

#include "cli/report/units.h"
#include "cli/sweep/sweep_report_charts.h"
#include "model/cluster/step_report.h"

namespace npuemu::sweep {

namespace {

using report::Chart;
using report::ChartKind;
using report::Figure;
using report::Scale;
using report::Spec;

std::vector<const ReportPoint*> finished_with_step(const ReportData& data, std::vector<std::string>& without) {
    std::vector<const ReportPoint*> rows;
    for (const auto& p : data.points) {
        if (!p.ok()) continue;
        if (p.has_output && p.values.contains("step_s"))
            rows.push_back(&p);
        else
            without.push_back(p.id);
    }
    return rows;
}

// One bar per point (by index, in plan order), its step split into the losses it is made of.
Figure loss_figure(const std::vector<const ReportPoint*>& rows, const ReportData& data) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::bar;
    c.title = "Where each point's step goes";
    c.x = report::Axis{"point (index in the plan)", Scale::category, "", {}, false};
    c.y = report::Axis{"step time (s)", Scale::linear, "", {}, true};
    c.series_title = "part of the step";
    c.width = std::max<int>(460, static_cast<int>(rows.size()) * 9);
    std::map<std::string, size_t> index_of;
    for (const auto& point : data.manifest["points"])
        index_of[point["id"].get<std::string>()] = point["index"].get<size_t>();
    for (const ReportPoint* p : rows) {
        const std::string bar = std::to_string(index_of[p->id]);
        c.x.categories.push_back(bar);
        for (const cluster::LossPart& part : cluster::loss_parts(cluster::StepLosses{})) {
            const std::string name = std::string("losses.") + part.key + ".s";
            if (!p->values.contains(name)) continue;
            const double seconds = p->value(name);
            c.points.push_back({{"id", p->id},
                                {"x", bar},
                                {"y", seconds},
                                {"series", part.label},
                                {"tip", tooltip_of(*p, {{part.label, report::round4(seconds) + " s"},
                                                        {"step", report::round4(p->value("step_s")) + " s"}})}});
        }
    }
    fig.caption =
        "Each finished point's step time split into its parts (npuemu cluster's loss budget, the stage that "
        "finishes last): useful compute, recomputation, compute inefficiency, TP/PP/DP communication, "
        "pipeline bubble, optimizer, throttling, stragglers, failures. Hover a bar for its settings.";
    return fig;
}

Figure power_pareto_figure(const std::vector<const ReportPoint*>& rows) {
    Figure fig;
    Chart& c = fig.chart;
    c.title = "Throughput vs facility power (Pareto front)";
    c.x = report::Axis{"facility power (MW, heat.power.facility_w)", Scale::linear, "", {}, false};
    c.y = report::Axis{"tokens/s (tokens_per_s)", Scale::linear, "", {}, false};
    c.series_title = "workload (lines: Pareto front)";
    std::map<std::string, std::vector<std::pair<double, double>>> by_workload;
    for (const ReportPoint* p : rows) {
        const double mw = p->value("heat.power.facility_w") / 1e6, tokens = p->value("tokens_per_s");
        c.points.push_back(
            {{"id", p->id},
             {"series", p->workload},
             {"x", mw},
             {"y", tokens},
             {"tip", tooltip_of(*p, {{"tokens/s", report::round4(tokens)}, {"facility MW", report::round4(mw)}})}});
        by_workload[p->workload].emplace_back(mw, tokens);
    }
    c.lines = pareto_front_lines(by_workload);
    fig.caption =
        "Tokens/s against the facility's power (chips, node overheads, PUE) of each finished point. Lines: "
        "the front per workload (no point above-left of it).";
    return fig;
}

}  // namespace

std::vector<Figure> cluster_throughput_figures(const ReportData& data) {
    std::vector<std::string> without;
    const std::vector<const ReportPoint*> rows = finished_with_step(data, without);
    std::vector<Figure> figures;
    figures.push_back(loss_figure(rows, data));
    if (!without.empty()) {
        figures.back().notes.push_back(std::to_string(without.size()) +
                                       " finished point(s) have no readable step.json (" + id_list(without) + ").");
    }
    const bool have_power = !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const ReportPoint* p) {
        return p->values.contains("heat.power.facility_w");
    });
    if (have_power) figures.push_back(power_pareto_figure(rows));
    return figures;
}

}  // namespace npuemu::sweep
