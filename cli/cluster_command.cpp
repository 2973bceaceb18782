// npuemu cluster FILE.yaml: one training step of a cluster (the L2 model, docs/cluster.md): load, simulate, report.
#include <iostream>

#include "cli/cluster_report.h"
#include "cli/commands.h"
#include "model/cluster/cluster_config.h"
#include "model/cluster/cluster_heat.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::cli {

int cluster_command(const ClusterArguments& args) {
    const cluster::ClusterConfig config = cluster::load_cluster_config(args.config, args.overrides);
    const cluster::StepResult result = cluster::simulate_cluster_step(config);
    if (!args.out_path.empty()) write_output_file(args.out_path, cluster::step_json(config, result).dump(2) + "\n");
    if (!args.report_path.empty()) write_output_file(args.report_path, cluster_report_html(config, result));
    if (!args.quiet) std::cout << cluster::step_summary(config, result);
    return 0;
}

}  // namespace npuemu::cli
