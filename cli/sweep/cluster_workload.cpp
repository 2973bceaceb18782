#include "cli/sweep/cluster_workload.h"

#include <fstream>
#include <sstream>

#include "cli/sweep/cluster_sweep_charts.h"
#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_report_data.h"
#include "cli/sweep/workload_kind.h"
#include "model/cluster/cluster_config.h"
#include "model/common/error.h"

namespace npuemu::sweep {

namespace {

void add_step_values(const nlohmann::json& node, const std::string& path, nlohmann::json& values) {
    for (const auto& [key, value] : node.items()) {
        const std::string name = path.empty() ? key : path + "." + key;
        if (value.is_object())
            add_step_values(value, name, values);
        else if (value.is_number())
            values[name] = value;
    }
}

// The content of every file a cluster load read, as text for point ids.
std::string cluster_inputs(const cluster::ClusterConfig& config, InputHashes& hashes) {
    std::string text;
    for (const std::string& file : config.input_files) {
        text += "file=" + std::to_string(hashes.of(file, file, "a file of the cluster")) + '\0';
    }
    return text;
}

// The --equal-budget file and its --equal-budget-set overrides among a workload's args (empty file: none).
void equal_budget_args(const std::vector<std::string>& args, std::string& file, std::vector<std::string>& sets) {
    for (size_t i = 0; i < args.size(); ++i) {
        for (const auto& [option, target] : {std::pair<const char*, bool>{"--equal-budget", true},
                                             std::pair<const char*, bool>{"--equal-budget-set", false}}) {
            const std::string prefix = std::string(option) + "=";
            std::string value;
            if (args[i] == option && i + 1 < args.size())
                value = args[i + 1];
            else if (args[i].rfind(prefix, 0) == 0)
                value = args[i].substr(prefix.size());
            else
                continue;
            if (target)
                file = value;
            else
                sets.push_back(value);
        }
    }
}

class ClusterWorkload : public WorkloadKind {
public:
    const char* name() const override { return "cluster"; }
    const char* output_file() const override { return "step.json"; }

    std::string settings_base(const SweepSpec&, const Workload& workload) const override { return workload.cluster; }

    // The comparison cluster of --equal-budget (and every file it reads), loaded once here so a bad one fails the
    // sweep before any point runs.
    std::string workload_inputs(const SweepSpec& spec, const Workload& workload, InputHashes& hashes) const override {
        std::string file;
        std::vector<std::string> sets;
        equal_budget_args(workload.args, file, sets);
        if (file.empty()) return "";
        try {
            return "equal_budget=" + cluster_inputs(cluster::load_cluster_config(file, sets), hashes);
        } catch (const Error& e) {
            throw Error(spec.spec_file + ": workload '" + workload.name + "': --equal-budget " + file + ": " +
                        e.what());
        }
    }

    std::string settings_inputs(const SweepSpec&, const Workload& workload, const std::vector<std::string>& overrides,
                                InputHashes& hashes, config::YamlFileCache&) const override {
        return cluster_inputs(cluster::load_cluster_config(workload.cluster, overrides), hashes);
    }

    // The first point's step, run in full: its JSON names every value a metric can read.
    std::vector<std::string> check_command(const SweepSpec& spec, const Workload& workload, const Point& first,
                                           const std::string& executable,
                                           const std::string& output_path) const override {
        return command(workload, first, executable, output_path);
    }

    std::set<std::string> checked_value_names(const std::string&, const std::string& output_path) const override {
        std::ifstream in(output_path);
        std::set<std::string> names;
        try {
            const nlohmann::json values = read_values(in);  // kept: items() refers into it
            for (const auto& [name, value] : values.items()) names.insert(name);
        } catch (const nlohmann::json::exception& e) {
            throw Error("the first point's step.json: " + std::string(e.what()));
        }
        return names;
    }

    std::string missing_value(const std::string& name, const std::string& workload) const override {
        return "no value '" + name + "' in the step of workload '" + workload +
               "' (a number's path in `npuemu cluster --out`'s JSON, e.g. losses.stragglers.s; a derived metric can "
               "use those only, not other metrics)";
    }

    std::vector<std::string> point_command(const SweepSpec& spec, const Point& point, const std::string& executable,
                                           const std::string& point_dir) const override {
        return command(spec.workloads[point.workload], point, executable, point_dir + "/step.json");
    }

    nlohmann::json read_values(std::istream& output) const override {
        return step_values(nlohmann::json::parse(output));
    }

    void read_report_point(ReportPoint&, const Json&) const override {}

    std::vector<report::Figure> throughput_figures(const ReportData& data) const override {
        return cluster_throughput_figures(data);
    }

private:
    static std::vector<std::string> command(const Workload& workload, const Point& point, const std::string& executable,
                                            const std::string& output_path) {
        std::vector<std::string> args = {executable, "cluster", workload.cluster};
        for (const auto& o : point.overrides()) {
            args.push_back("--set");
            args.push_back(o);
        }
        args.insert(args.end(), workload.args.begin(), workload.args.end());
        args.insert(args.end(), {"--out", output_path, "--quiet"});
        return args;
    }
};

}  // namespace

nlohmann::json step_values(const nlohmann::json& step) {
    if (!step.is_object()) throw Error("a cluster step's JSON is an object (npuemu cluster --out)");
    nlohmann::json values = nlohmann::json::object();
    add_step_values(step, "", values);
    return values;
}

const WorkloadKind& cluster_workload_kind() {
    static const ClusterWorkload kind;
    return kind;
}

}  // namespace npuemu::sweep
