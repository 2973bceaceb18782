#include "cli/cluster_report.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/cluster_heat_figures.h"
#include "cli/report/html_page.h"
#include "cli/report/units.h"
#include "model/cluster/step_report.h"

namespace npuemu::cli {

namespace {

using report::Axis;
using report::Chart;
using report::ChartKind;
using report::Figure;
using report::fixed;
using report::Scale;

// The step's parts in the order of the loss budget, by their labels (cluster::loss_parts); failures only when the
// cluster has any.
std::vector<std::pair<const char*, double>> parts_of(const cluster::StepLosses& l) {
    std::vector<std::pair<const char*, double>> parts;
    for (const cluster::LossPart& part : cluster::loss_parts(l)) {
        if (std::string(part.key) == "failures" && !(part.seconds > 0)) continue;
        parts.emplace_back(part.label, part.seconds);
    }
    return parts;
}

// The step time built up from its parts (each a step up), the total at the end.
Figure step_time_figure(const cluster::StepResult& r) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::waterfall;
    c.title = "Where one training step's time goes";
    c.x = Axis{"part of the step", Scale::category, "", {}, false};
    c.y = Axis{"time (ms)", Scale::linear, "", {}, true};
    c.series_title = "part";
    c.width = 900;
    for (const auto& [name, seconds] : parts_of(r.losses)) {
        c.points.push_back(
            {{"id", name},
             {"x", name},
             {"y", seconds * 1e3},
             {"series", "part of the step"},
             {"tip",
              {{"ms", fixed(seconds * 1e3, 3)}, {"share of the step", fixed(100 * seconds / r.step_s, 1) + "%"}}}});
    }
    c.points.push_back({{"id", "step"},
                        {"x", "step"},
                        {"y", r.step_s * 1e3},
                        {"total", true},
                        {"tip", {{"ms", fixed(r.step_s * 1e3, 3)}}}});
    f.caption = "The stage that finishes last, part by part (docs/cluster.md defines each); the parts sum to the step.";
    return f;
}

// Dense peak per chip down to what the step achieves: each part that is not useful compute takes its share.
Figure throughput_figure(const cluster::ClusterConfig& config, const cluster::StepResult& r) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::waterfall;
    c.title = "Per chip: from dense peak to the model's achieved TFLOP/s";
    c.x = Axis{"from peak, part by part, to what the step achieves", Scale::category, "", {}, false};
    c.y = Axis{"TFLOP/s per chip (BF16)", Scale::linear, "", {}, true};
    c.series_title = "step";
    c.width = 900;
    const double peak = config.chip.peak_bf16_tflops;
    c.points.push_back({{"id", "peak"},
                        {"x", "dense peak"},
                        {"y", peak},
                        {"series", "gain"},
                        {"tip", {{"TFLOP/s", fixed(peak, 1)}, {"chip", config.chip.name}}}});
    for (const auto& [name, seconds] : parts_of(r.losses)) {
        if (std::string(name) == "useful compute") continue;
        const double lost = peak * seconds / r.step_s;
        c.points.push_back(
            {{"id", name},
             {"x", name},
             {"y", -lost},
             {"tip",
              {{"TFLOP/s lost", fixed(lost, 1)}, {"share of the step", fixed(100 * seconds / r.step_s, 1) + "%"}}}});
    }
    c.points.push_back(
        {{"id", "achieved"},
         {"x", "achieved (model)"},
         {"y", 0},
         {"total", true},
         {"tip",
          {{"model TFLOP/s per chip", fixed(r.model_tflops_per_chip, 1)}, {"MFU", fixed(100 * r.mfu, 1) + "%"}}}});
    f.caption =
        "Dense BF16 peak times each part's share of the step; what is left is useful compute: the model's "
        "FLOPs per chip and second (MFU x peak).";
    return f;
}

// Tokens per second against chips, log-log, beside the line of perfect scaling from the smallest point.
Figure scaling_figure(const std::vector<cluster::ScalingPoint>& scaling) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::line;
    c.title = "Strong scaling at the same global batch";
    c.x = Axis{"chips", Scale::log, "", {}, false};
    c.y = Axis{"tokens per second", Scale::log, "", {}, false};
    c.series_title = "curve";
    c.width = 560;
    const cluster::ScalingPoint& first = scaling.front();
    for (const cluster::ScalingPoint& p : scaling) {
        const std::string id = std::to_string(p.chips) + " chips";
        c.points.push_back({{"id", id},
                            {"x", p.chips},
                            {"y", p.tokens_per_s},
                            {"series", "simulated"},
                            {"tip",
                             {{"chips", std::to_string(p.chips)},
                              {"DP", std::to_string(p.data_parallel)},
                              {"step (s)", fixed(p.step_s, 3)},
                              {"MFU", fixed(100 * p.mfu, 1) + "%"}}}});
        const double linear = first.tokens_per_s * p.chips / first.chips;
        c.points.push_back({{"id", id + ", linear"},
                            {"x", p.chips},
                            {"y", linear},
                            {"series", "linear from the smallest"},
                            {"tip",
                             {{"tokens/s if scaling were perfect", fixed(linear, 0)},
                              {"simulated share of it", fixed(100 * p.tokens_per_s / linear, 1) + "%"}}}});
    }
    f.caption =
        "The same model, plan and global batch on fewer data-parallel replicas (halved while the plan divides "
        "the batch): each replica's share of the batch grows as chips are removed.";
    return f;
}

// What each size keeps: its share of linear scaling from the smallest point, and its MFU.
Figure scaling_efficiency_figure(const std::vector<cluster::ScalingPoint>& scaling) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::line;
    c.title = "Scaling efficiency and MFU against chips";
    c.x = Axis{"chips", Scale::log, "", {}, false};
    c.y = Axis{"percent", Scale::linear, "", {}, true};
    c.series_title = "figure";
    c.width = 560;
    const cluster::ScalingPoint& first = scaling.front();
    for (const cluster::ScalingPoint& p : scaling) {
        const std::string id = std::to_string(p.chips) + " chips";
        const double share = 100 * p.tokens_per_s / (first.tokens_per_s * p.chips / first.chips);
        c.points.push_back({{"id", id + ", scaling"},
                            {"x", p.chips},
                            {"y", share},
                            {"series", "share of linear scaling"},
                            {"tip", {{"chips", std::to_string(p.chips)}, {"share", fixed(share, 1) + "%"}}}});
        c.points.push_back({{"id", id + ", MFU"},
                            {"x", p.chips},
                            {"y", 100 * p.mfu},
                            {"series", "MFU"},
                            {"tip", {{"chips", std::to_string(p.chips)}, {"MFU", fixed(100 * p.mfu, 1) + "%"}}}});
    }
    f.caption = "Tokens per second against the smallest point's times the chip ratio, and model FLOP utilisation.";
    return f;
}

}  // namespace

std::string cluster_report_html(const cluster::ClusterConfig& config, const cluster::StepResult& r,
                                const std::vector<cluster::ScalingPoint>& scaling) {
    report::Page page;
    page.title = "npuemu cluster: " + config.name;
    page.paragraphs.push_back(
        std::to_string(config.chip_count) + " x " + config.chip.name + " in " + std::to_string(config.node_count()) +
        " nodes; plan TP " + std::to_string(config.plan.tensor_parallel) + ", PP " +
        std::to_string(config.plan.pipeline_parallel) + ", DP " + std::to_string(config.data_parallel()) + ", " +
        std::to_string(r.micro_batches) + " micro-batches. Source: " + config.source_file + ".");
    report::Section budget;
    budget.heading = "The step";
    budget.figures.push_back(step_time_figure(r));
    budget.figures.push_back(throughput_figure(config, r));
    report::Table figures;
    figures.columns = {"figure", "value"};
    auto row = [&figures](const std::string& name, double value, int decimals) {
        figures.rows.push_back({name, {{"text", fixed(value, decimals)}, {"sort", value}}});
    };
    row("step time (s)", r.step_s, 3);
    row("tokens per second", r.tokens_per_s, 0);
    row("Megatron TFLOP/s per chip (recomputation counted)", r.megatron_tflops_per_chip, 1);
    row("model TFLOP/s per chip", r.model_tflops_per_chip, 1);
    row("MFU (%)", 100 * r.mfu, 1);
    row("TP all-reduce, one (ms), " + r.tp_algorithm, r.tp_all_reduce_s * 1e3, 3);
    row("DP gradient collective (ms), " + r.dp_algorithm, r.dp_gradient_s * 1e3, 1);
    budget.tables.push_back(figures);
    page.sections.push_back(budget);
    if (r.heat && r.heat->thermal_model) {
        report::Section heat;
        heat.heading = "Heat";
        heat.figures.push_back(rack_temperature_figure(*r.heat));
        heat.figures.push_back(rack_frequency_figure(*r.heat));
        page.sections.push_back(heat);
    }
    if (scaling.size() > 1) {
        report::Section curve;
        curve.heading = "Scaling";
        curve.figures.push_back(scaling_figure(scaling));
        curve.figures.push_back(scaling_efficiency_figure(scaling));
        page.sections.push_back(curve);
    }
    return report::render_html(page);
}

}  // namespace npuemu::cli
