#include "cli/sweep/sweep_report_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "cli/report/units.h"

namespace npuemu::sweep {

using report::Chart;
using report::ChartKind;
using report::Figure;
using report::Scale;
using report::Spec;

Spec tooltip_of(const ReportPoint& p, std::initializer_list<std::pair<const char*, std::string>> figures) {
    Spec tip;
    tip["workload"] = p.workload;
    for (const auto& [key, value] : p.settings) tip[key] = value;
    for (const auto& [key, value] : figures) tip[key] = value;
    return tip;
}

std::string id_list(const std::vector<std::string>& ids) {
    std::string out;
    for (size_t i = 0; i < ids.size() && i < 12; ++i) out += (i ? ", " : "") + ids[i];
    if (ids.size() > 12) out += " and " + std::to_string(ids.size() - 12) + " more";
    return out;
}

Spec pareto_front_lines(std::map<std::string, std::vector<std::pair<double, double>>> by_series) {
    Spec lines = Spec::array();
    for (auto& [series, xy] : by_series) {
        std::sort(xy.begin(), xy.end(),
                  [](auto a, auto b) { return a.first < b.first || (a.first == b.first && a.second > b.second); });
        double best = -INFINITY;
        for (const auto& [cx, cy] : xy) {
            if (cy <= best) continue;
            if (std::isfinite(best)) lines.push_back({{"series", series}, {"x", cx}, {"y", best}});
            lines.push_back({{"series", series}, {"x", cx}, {"y", cy}});
            best = cy;
        }
    }
    return lines;
}

Figure roofline_figure(const ReportData& data) {
    Figure fig;
    Chart& c = fig.chart;
    c.title = "Roofline per configuration";
    c.x = report::Axis{"operational intensity (ops per DMA byte)", Scale::log, "", {}, false};
    c.y = report::Axis{"achieved TOPS (10^12 ops/s)", Scale::log, "", {}, false};
    c.series_title = "configuration (peak, DMA bandwidth)";
    std::map<std::pair<double, double>, std::vector<const ReportPoint*>> configs;
    std::vector<std::string> no_macs, no_peak, unbounded;
    for (const auto& p : data.points) {
        if (!p.ok() || !p.has_output) continue;
        if (p.macs <= 0 || p.achieved_tops <= 0) { no_macs.push_back(p.id); continue; }
        if (p.peak_tops <= 0 || p.bandwidth_tbps <= 0) { no_peak.push_back(p.id); continue; }
        configs[{p.peak_tops, p.bandwidth_tbps}].push_back(&p);
    }
    double lo = INFINITY, hi = 0;
    for (const auto& [key, members] : configs) {
        for (const ReportPoint* p : members) {
            if (p->dma_bytes > 0) { lo = std::min(lo, 2 * p->macs / p->dma_bytes); hi = std::max(hi, 2 * p->macs / p->dma_bytes); }
        }
    }
    for (const auto& [key, members] : configs) {
        const auto [peak, bandwidth] = key;
        const std::string series = "peak " + report::round4(peak) + " TOPS, " + report::round4(bandwidth * 1e3) + " GB/s";
        const double ridge = peak / bandwidth;
        for (double i : {std::min(lo, ridge) / 4, ridge, std::max(hi, ridge) * 4}) {
            c.lines.push_back({{"series", series}, {"x", i}, {"y", std::min(peak, i * bandwidth)}});
        }
        c.rules.push_back({{"series", series}, {"x", ridge}, {"label", "ridge " + report::round4(ridge) + " ops/B"}});
        for (const ReportPoint* p : members) {
            Spec point{{"id", p->id}, {"series", series}, {"y", p->achieved_tops}};
            const std::string tops = report::round4(p->achieved_tops);
            if (p->dma_bytes > 0) {
                point["x"] = 2 * p->macs / p->dma_bytes;
                point["tip"] = tooltip_of(*p, {{"TOPS", tops}, {"ops/B", report::round4(2 * p->macs / p->dma_bytes)}});
            } else {
                point["x"] = nullptr;
                point["why"] = "MACs but no DMA bytes: the operands stayed in the scratchpad, intensity unbounded";
                point["tip"] = tooltip_of(*p, {{"TOPS", tops}, {"ops/B", "unbounded"}});
                unbounded.push_back(p->id);
            }
            c.points.push_back(std::move(point));
        }
    }
    fig.caption = "Roofline of each configuration: compute roof = npu.peak_tops, memory roof = DMA bytes/cycle x "
                  "tiles x clock, dotted rule at the ridge (peak / bandwidth). Dots: achieved TOPS "
                  "(npu.achieved_tops) at 2 x npu.macs / the sum of tile*.npu.dma.bytes.";
    if (!unbounded.empty()) {
        fig.notes.push_back(std::to_string(unbounded.size()) + " point(s) ran the NPU (MACs) but moved no DMA bytes, "
                            "so their intensity is unbounded: drawn as triangles at the right edge, at their achieved "
                            "TOPS (" + id_list(unbounded) + ").");
    }
    if (!no_macs.empty()) {
        fig.notes.push_back(std::to_string(no_macs.size()) + " finished point(s) did no MACs (npu.macs = 0), so "
                            "they have no place on a roofline (" + id_list(no_macs) + ").");
    }
    if (!no_peak.empty()) {
        fig.notes.push_back(std::to_string(no_peak.size()) + " point(s) have no npu.peak_tops or DMA bandwidth, so "
                            "there is no roof to draw them under (" + id_list(no_peak) + ").");
    }
    return fig;
}

std::vector<Figure> pareto_figures(const ReportData& data) {
    std::vector<const ReportPoint*> rows;
    for (const auto& p : data.points) {
        if (p.ok()) rows.push_back(&p);
    }
    auto pareto = [&rows](const std::string& title, const report::Axis& x, const char* cost_name, double ReportPoint::*cost) {
        Figure fig;
        Chart& c = fig.chart;
        c.title = title;
        c.x = x;
        c.y = report::Axis{"achieved TOPS (npu.achieved_tops)", Scale::linear, "", {}, true};
        c.series_title = "workload (lines: Pareto front)";
        std::map<std::string, std::vector<std::pair<double, double>>> by_workload;
        for (const ReportPoint* p : rows) {
            c.points.push_back({{"id", p->id}, {"series", p->workload}, {"x", p->*cost}, {"y", p->achieved_tops},
                                {"tip", tooltip_of(*p, {{"TOPS", report::round4(p->achieved_tops)},
                                                        {cost_name, report::round4(p->*cost)}})}});
            by_workload[p->workload].emplace_back(p->*cost, p->achieved_tops);
        }
        for (auto& line : pareto_front_lines(by_workload)) c.lines.push_back(std::move(line));
        return fig;
    };
    std::vector<Figure> out;
    const bool have_power = !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const ReportPoint* p) {
        return p->power_w > 0;
    });
    if (have_power) {
        out.push_back(pareto("Throughput vs power (Pareto front)",
                             report::Axis{"average power (W, power.average_w)", Scale::linear, "", {}, false}, "power (W)",
                             &ReportPoint::power_w));
        out.back().caption = "Pareto front of throughput against average power (power.average_w). Lines: the front "
                             "per workload (no point above-left of it).";
    }
    out.push_back(pareto("Throughput vs area proxy (Pareto front)",
                         report::Axis{"area proxy: tiles x rows x cols (MAC units)", Scale::log, "", {}, false}, "MAC units",
                         &ReportPoint::area));
    out.back().caption = std::string(have_power ? "" : "These runs did not simulate power (no power section in their "
                                                       "config), so the only cost here is ") +
                         "a chip-area proxy: the number of MAC units (tiles x rows x cols). Lines: the front per "
                         "workload (no point above-left of it).";
    return out;
}

std::vector<Figure> parameter_figures(const ReportData& data, const std::string& metric) {
    std::vector<Figure> out;
    for (const auto& key_json : data.manifest["parameters"]) {
        const std::string key = key_json.get<std::string>();
        std::vector<std::string> values;
        bool numeric = true;
        double lo = INFINITY, hi = -INFINITY;
        for (const auto& p : data.points) {
            if (!p.ok()) continue;
            for (const auto& [k, v] : p.settings) {
                if (k != key) continue;
                if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
                char* end = nullptr;
                const double d = std::strtod(v.c_str(), &end);
                numeric &= !v.empty() && *end == '\0';
                lo = std::min(lo, d);
                hi = std::max(hi, d);
            }
        }
        if (values.size() == 1) continue;  // held fixed: the page lists it (fixed_parameters)
        Figure fig;
        Chart& c = fig.chart;
        c.title = metric + " by " + key;
        // Numbers spanning a factor of 8 or more (tiles 1..16, array sizes 8..128) read best on a log axis.
        const Scale scale = !numeric ? Scale::category : (lo > 0 && hi / lo >= 8 ? Scale::log : Scale::linear);
        c.x = report::Axis{key, scale, "", scale == Scale::category ? values : std::vector<std::string>{}, false};
        c.y = report::Axis{report::with_unit(metric), Scale::linear, "", {}, false};
        c.series_title = "workload";
        std::vector<std::string> without;
        for (const auto& p : data.points) {
            if (!p.ok()) continue;
            std::string v;
            for (const auto& [k, value] : p.settings) {
                if (k == key) v = value;
            }
            if (!p.metrics.contains(metric) || !p.metrics[metric].is_number()) { without.push_back(p.id); continue; }
            const double y = p.metrics[metric].get<double>();
            Spec point{{"id", p.id}, {"series", p.workload}, {"y", y},
                       {"tip", tooltip_of(p, {{metric.c_str(), report::round4(y)}})}};
            if (numeric) point["x"] = std::strtod(v.c_str(), nullptr); else point["x"] = v;
            c.points.push_back(std::move(point));
        }
        fig.caption = metric + " at each value of " + key + " (one dot per point; the other parameters vary within "
                      "a column).";
        if (!without.empty()) {
            fig.notes.push_back(std::to_string(without.size()) + " finished point(s) have no value of " + metric +
                                " (" + id_list(without) + ").");
        }
        out.push_back(std::move(fig));
    }
    return out;
}

std::string fixed_parameters(const ReportData& data) {
    std::string out;
    for (const auto& key_json : data.manifest["parameters"]) {
        const std::string key = key_json.get<std::string>();
        std::vector<std::string> values;
        for (const auto& p : data.points) {
            for (const auto& [k, v] : p.settings) {
                if (k == key && std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
            }
        }
        if (values.size() == 1) out += (out.empty() ? "" : ", ") + key + " = " + values[0];
    }
    return out;
}

report::Table points_table(const ReportData& data, const std::string& report_dir) {
    report::Table table;
    table.columns = {"id", "status", "workload"};
    for (const auto& key : data.manifest["parameters"]) table.columns.push_back(key.get<std::string>());
    for (const auto& m : data.manifest["metrics"]) table.columns.push_back(m["name"].get<std::string>());
    table.columns.push_back("error");
    for (const auto& p : data.points) {
        Spec row = Spec::array();
        if (p.output_path.empty()) {
            row.push_back(p.id);
        } else {
            std::error_code ec;
            const auto rel = std::filesystem::relative(p.output_path, report_dir, ec);
            row.push_back({{"text", p.id}, {"href", ec || rel.empty() ? p.output_path : rel.generic_string()}});
        }
        if (p.ok()) row.push_back(p.status); else row.push_back({{"text", p.status}, {"class", "failed"}});
        row.push_back(p.workload);
        for (const auto& key : data.manifest["parameters"]) {
            std::string v;
            for (const auto& [k, value] : p.settings) {
                if (k == key) v = value;
            }
            row.push_back(v);
        }
        for (const auto& m : data.manifest["metrics"]) {
            const std::string name = m["name"].get<std::string>();
            if (p.metrics.contains(name) && p.metrics[name].is_number()) {
                const double v = p.metrics[name].get<double>();
                row.push_back({{"text", report::round4(v)}, {"sort", v}});
            } else {
                row.push_back(nullptr);
            }
        }
        row.push_back(p.error);
        table.rows.push_back(std::move(row));
    }
    return table;
}

}  // namespace npuemu::sweep
