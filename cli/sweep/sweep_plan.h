// Turns a sweep description into its points: the product of workloads and parameter groups, minus the points a
// constraint rejects. Each point has a stable id (a hash of its workload and its key=value settings), so results
// survive reordering of the spec, and an index (its place in the plan) for sorting and sharding.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cli/sweep/sweep_spec.h"
#include "model/config/config_node.h"

namespace npuemu::sweep {

struct Point {
    size_t index = 0;
    std::string id;                                             // 16 hex digits
    size_t workload = 0;                                        // index into SweepSpec::workloads
    std::vector<std::pair<std::string, std::string>> settings;  // key path -> value, in parameter_keys order

    std::vector<std::string> overrides() const;  // "key=value" for --set
};

struct Plan {
    std::vector<Point> points;
    size_t rejected_by_constraints = 0;
};

Plan make_plan(const SweepSpec& spec);

// Loads each workload's settings base (the base chip config; a cluster file) with every distinct setting set, as the
// point's own run will (each file parsed once), so a key that does not exist, a value out of range or (clusters) a
// plan that does not divide is reported before anything runs; checks what the workloads read besides (an image is a
// usable ELF, --load files and an --equal-budget cluster are readable). Then gives each point its final id: a hash of
// its workload, settings and the content of every file it reads (cli/sweep/workload_kind.h), so a resume after a
// rebuild or an edit runs the point again. Throws npuemu::Error naming the spec location.
// The YAML files it parses (the base config, the HBM presets) are left in parsed_files when given: a sweep's points,
// forked from this process, read them from there instead of parsing them again.
void validate_plan(const SweepSpec& spec, Plan& plan, config::YamlFileCache* parsed_files = nullptr);

// "I/N" with 0 <= I < N; throws npuemu::Error otherwise.
std::pair<size_t, size_t> parse_shard(const std::string& text);
// The points of shard I of N: every N-th point, starting at I (so long and short points spread over the shards).
std::vector<Point> shard_points(const std::vector<Point>& points, size_t index, size_t count);

// inputs: what the point reads, as validate_plan() describes it (empty: ids from the settings alone, as make_plan()
// gives them before validation).
std::string point_id(const std::string& workload, const std::vector<std::string>& args,
                     const std::vector<std::pair<std::string, std::string>>& settings, const std::string& inputs = "");

}  // namespace npuemu::sweep
