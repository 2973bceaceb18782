// npuemu cluster FILE.yaml: one training step of a cluster (the L2 model, docs/cluster.md): load, simulate, report.
#include <iostream>
#include <optional>

#include "cli/cluster_report.h"
#include "cli/commands.h"
#include "model/cluster/cluster_config.h"
#include "model/cluster/equal_budget.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::cli {

int cluster_command(const ClusterArguments& args) {
    const cluster::ClusterConfig config = cluster::load_cluster_config(args.config, args.overrides);
    const cluster::StepResult result = cluster::simulate_step(config);
    std::optional<cluster::EqualBudget> comparison;
    if (!args.equal_budget.empty()) {
        comparison = cluster::compare_equal_budget(config, result, args.equal_budget, args.equal_budget_overrides);
    }
    if (!args.out_path.empty()) {
        nlohmann::ordered_json document = cluster::step_json(config, result);
        if (comparison) document["equal_budget"] = cluster::equal_budget_json(*comparison);
        write_output_file(args.out_path, document.dump(2) + "\n");
    }
    if (!args.report_path.empty()) write_output_file(args.report_path, cluster_report_html(config, result));
    if (!args.quiet) {
        std::cout << cluster::step_summary(config, result);
        if (comparison) std::cout << cluster::equal_budget_summary(*comparison);
    }
    return 0;
}

}  // namespace npuemu::cli
