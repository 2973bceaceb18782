// npuemu cluster FILE.yaml: one training step of a cluster (the L2 model, docs/cluster.md): load, simulate, report.
#include <fstream>
#include <iostream>

#include "cli/cluster_report.h"
#include "cli/commands.h"
#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"
#include "model/cluster/step_report.h"
#include "model/common/error.h"

namespace npuemu::cli {

int cluster_command(const ClusterArguments& args) {
    const cluster::ClusterConfig config = cluster::load_cluster_config(args.config, args.overrides);
    const cluster::StepResult result = cluster::simulate_step(config);
    if (!args.out_path.empty()) {
        std::ofstream out(args.out_path);
        if (!out) throw Error(args.out_path + ": cannot write the step's JSON");
        out << cluster::step_json(config, result).dump(2) << "\n";
    }
    if (!args.report_path.empty()) {
        const std::string page = cluster_report_html(config, result);
        std::ofstream out(args.report_path, std::ios::binary);
        out << page;
        out.close();
        if (!out) throw Error(args.report_path + ": cannot write the report (does the directory exist, is it writable?)");
    }
    if (!args.quiet) std::cout << cluster::step_summary(config, result);
    return 0;
}

}  // namespace npuemu::cli
