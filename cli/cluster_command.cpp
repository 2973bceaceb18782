// npuemu cluster FILE.yaml: one training step of a cluster (the L2 model, docs/cluster.md), or its inference serving
// (workload.kind: inference): load, simulate, report.
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/cluster_report.h"
#include "cli/commands.h"
#include "cli/inference_report_html.h"
#include "model/cluster/cluster_config.h"
#include "model/cluster/cluster_heat.h"
#include "model/cluster/equal_budget.h"
#include "model/cluster/inference_report.h"
#include "model/cluster/scaling.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::cli {

namespace {

std::string scaling_summary(const std::vector<cluster::ScalingPoint>& scaling) {
    std::string out = "strong scaling (the same global batch on fewer replicas):\n";
    char line[160];
    std::snprintf(line, sizeof line, "  %7s %5s %9s %12s %6s %18s\n", "chips", "DP", "step s", "tokens/s", "MFU",
                  "of linear scaling");
    out += line;
    for (const cluster::ScalingPoint& p : scaling) {
        const double linear = scaling.front().tokens_per_s * p.chips / scaling.front().chips;
        std::snprintf(line, sizeof line, "  %7u %5u %9.3f %12.0f %5.1f%% %17.1f%%\n", p.chips, p.data_parallel,
                      p.step_s, p.tokens_per_s, 100 * p.mfu, 100 * p.tokens_per_s / linear);
        out += line;
    }
    return out;
}

// Inference serving: its JSON and summary; the training-only outputs are refused rather than silently skipped.
int inference_command(const ClusterArguments& args, const cluster::ClusterConfig& config) {
    if (args.scaling || !args.equal_budget.empty()) {
        throw Error(args.config +
                    ": workload.kind is inference: --scaling and --equal-budget are training-only (JSON with --out, "
                    "the HTML report with --report and the summary are written)");
    }
    const cluster::InferenceResult result = cluster::simulate_inference(config);
    if (!args.out_path.empty()) {
        write_output_file(args.out_path, cluster::inference_json(config, result).dump(2) + "\n");
    }
    if (!args.report_path.empty()) write_output_file(args.report_path, inference_report_html(config, result));
    if (!args.quiet) std::cout << cluster::inference_summary(config, result);
    return 0;
}

}  // namespace

int cluster_command(const ClusterArguments& args) {
    const cluster::ClusterConfig config = cluster::load_cluster_config(args.config, args.overrides);
    if (config.workload.kind == cluster::WorkloadKind::Inference) return inference_command(args, config);
    const cluster::StepResult result = cluster::simulate_cluster_step(config);
    std::optional<cluster::EqualBudget> comparison;
    if (!args.equal_budget.empty()) {
        comparison = cluster::compare_equal_budget(config, result, args.equal_budget, args.equal_budget_overrides);
    }
    std::vector<cluster::ScalingPoint> scaling;
    if (args.scaling || !args.report_path.empty())
        scaling = cluster::strong_scaling(config, args.config, args.overrides);
    if (!args.out_path.empty()) {
        nlohmann::ordered_json document = cluster::step_json(config, result);
        if (comparison) document["equal_budget"] = cluster::equal_budget_json(*comparison);
        for (const cluster::ScalingPoint& p : scaling) {
            document["strong_scaling"].push_back({{"chips", p.chips},
                                                  {"data_parallel", p.data_parallel},
                                                  {"step_s", p.step_s},
                                                  {"tokens_per_s", p.tokens_per_s},
                                                  {"mfu", p.mfu}});
        }
        write_output_file(args.out_path, document.dump(2) + "\n");
    }
    if (!args.report_path.empty()) write_output_file(args.report_path, cluster_report_html(config, result, scaling));
    if (!args.quiet) {
        std::cout << cluster::step_summary(config, result);
        if (comparison) std::cout << cluster::equal_budget_summary(*comparison);
        if (args.scaling) std::cout << scaling_summary(scaling);
    }
    return 0;
}

}  // namespace npuemu::cli
