// What a sweep's points run, as one small interface with an implementation per kind: firmware on a chip config
// (`npuemu run`, chip_workload.cpp) or one training step of a cluster (`npuemu cluster`, cluster_workload.cpp). The
// spec, plan, runner, store and report are the same for both; they ask the kind for what differs: the file a point's
// settings apply to, the files its result depends on, its command line, the output its metrics are read from, the
// check before anything runs and the report's throughput charts. docs/sweeps.md.
#pragma once

#include <nlohmann/json.hpp>

#include <istream>
#include <set>
#include <string>
#include <vector>

#include "cli/report/html_page.h"
#include "cli/sweep/input_hashes.h"
#include "cli/sweep/sweep_spec.h"
#include "model/config/config_node.h"

namespace npuemu::sweep {

struct Point;
struct ReportData;
struct ReportPoint;

class WorkloadKind {
public:
    virtual ~WorkloadKind() = default;

    // What the manifest records ("chip", "cluster"), and the file each point's output is written to.
    virtual const char* name() const = 0;
    virtual const char* output_file() const = 0;

    // The file the settings of a point of this workload are applied to (the base chip config; the cluster file).
    virtual std::string settings_base(const SweepSpec& spec, const Workload& workload) const = 0;
    // What the workload's runs read besides that file and its settings (an image and its --load files), as text for
    // the point ids; checks what it can (an image that is not an ELF). Throws npuemu::Error naming the workload.
    virtual std::string workload_inputs(const SweepSpec& spec, const Workload& workload, InputHashes& hashes) const = 0;
    // Loads the settings base with one point's overrides (as the point's own run will) and returns the content of
    // every file that load read, as text for the point ids. Throws npuemu::Error with the loader's message on a key
    // that does not exist, a value out of range, a plan that does not divide. parsed_files: YAML parsed once.
    virtual std::string settings_inputs(const SweepSpec& spec, const Workload& workload,
                                        const std::vector<std::string>& overrides, InputHashes& hashes,
                                        config::YamlFileCache& parsed_files) const = 0;

    // The command line that checks a workload once with its first point's settings (runs nothing big), and the
    // names of the values that point's run reports, from the check's stdout and the file it was told to write.
    virtual std::vector<std::string> check_command(const SweepSpec& spec, const Workload& workload, const Point& first,
                                                   const std::string& executable,
                                                   const std::string& output_path) const = 0;
    virtual std::set<std::string> checked_value_names(const std::string& check_stdout,
                                                      const std::string& output_path) const = 0;
    // The error for a metric that names a value the workload's output does not have.
    virtual std::string missing_value(const std::string& name, const std::string& workload) const = 0;

    // A point's command line (args[0]: the executable), writing its output into point_dir/output_file().
    virtual std::vector<std::string> point_command(const SweepSpec& spec, const Point& point,
                                                   const std::string& executable,
                                                   const std::string& point_dir) const = 0;
    // The numbers a point's output holds, by the names metrics use (a flat object name -> number).
    virtual nlohmann::json read_values(std::istream& output) const = 0;

    // The report: what a finished point adds beyond its metrics (read from its output), and the charts of the
    // "Throughput" section.
    virtual void read_report_point(ReportPoint& point, const nlohmann::ordered_json& manifest) const = 0;
    virtual std::vector<report::Figure> throughput_figures(const ReportData& data) const = 0;
};

// The kind of a sweep spec's workloads, and the kind a manifest names (a manifest without "kind": chip). Throws
// npuemu::Error for a kind this npuemu does not know.
const WorkloadKind& workload_kind(WorkloadKindId id);
const WorkloadKind& workload_kind(const std::string& name);
// The two kinds (chip_workload.cpp, cluster_workload.cpp): stateless, one each.
const WorkloadKind& chip_workload_kind();
const WorkloadKind& cluster_workload_kind();

}  // namespace npuemu::sweep
