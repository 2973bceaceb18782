// A sweep description (YAML): the workloads (firmware on a base chip config, or cluster files), the parameters to
// vary (grid, zip, seeded random), constraints that skip points, and the metrics to collect. Loaded and validated in one place: every error names
// file:line:col and the key path in the spec, before anything runs. See docs/sweeps.md for the format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/sweep/expression.h"

namespace npuemu::sweep {

// What a sweep's points run (cli/sweep/workload_kind.h): firmware on a chip config, or a cluster's training step.
enum class WorkloadKindId { Chip, Cluster };

struct Workload {
    std::string name;
    std::string image;              // chip: resolved path of the firmware image
    std::string cluster;            // cluster: resolved path of the cluster file the settings apply to
    std::vector<std::string> args;  // extra options: `npuemu run` (--max-cycles N, --load F@A) or `npuemu cluster`
                                    // (--equal-budget OTHER.yaml)
    // The args as the spec spells them ({sweep_dir} not replaced): what a point's id covers, so the same spec run
    // from another directory (or by another path) resumes its points; the files they name are covered by content.
    std::vector<std::string> args_as_written;
};

// One swept key and its values (YAML scalars kept as text, as `--set KEY=VALUE` takes them).
struct Axis {
    std::string key;
    std::vector<std::string> values;
    std::string where;  // "spec.yaml:12:7: parameters[0].grid.npu.matrix.rows", for errors about this key
};

// A random axis: an integer range, a real range, or a list of choices.
struct RandomAxis {
    std::string key;
    enum class Kind { Integer, Real, Choice } kind = Kind::Integer;
    double min = 0, max = 0;
    std::vector<std::string> choices;
    std::string where;
};

// The points are the Cartesian product of the groups (and of the workloads). A grid group is itself the product of
// its axes; a zip group walks its axes in lockstep; a random group draws `samples` points from a seeded generator.
struct ParameterGroup {
    enum class Kind { Grid, Zip, Random } kind = Kind::Grid;
    std::vector<Axis> axes;               // grid, zip
    std::vector<RandomAxis> random_axes;  // random
    uint64_t samples = 0;
    uint64_t seed = 1;
};

struct Constraint {
    Expression expression;
    std::string where;
};

struct Metric {
    std::string name;        // column name
    bool derived = false;    // false: the stats counter of that name
    Expression expression;   // when derived: over stats counters
    std::string where;
};

// A sweep that makes more points than this is refused before anything is built (raise it with sweep.max_points).
constexpr uint64_t kDefaultMaxPoints = 100'000;

struct SweepSpec {
    std::string spec_file;
    std::string spec_text;  // the file's bytes, for the manifest's hash
    std::string name;
    WorkloadKindId kind = WorkloadKindId::Chip;  // every workload's (a sweep is of one kind)
    std::string base_config;  // chip: the resolved base chip config; cluster: "" (each workload names its file)
    std::vector<Workload> workloads;
    std::vector<ParameterGroup> groups;
    std::vector<Constraint> constraints;
    std::vector<Metric> metrics;
    std::vector<std::string> parameter_keys;  // every swept key, in spec order
    uint64_t max_points = kDefaultMaxPoints;  // sweep.max_points: a spec that makes more is refused
    std::string max_points_where;             // the spec location that set it (or the spec file)
};

// firmware_dir replaces "{firmware}" in image paths (the build's firmware directory); relative paths are taken
// from the spec file's directory. Throws npuemu::Error (file:line:col: key.path: message).
SweepSpec load_sweep_spec(const std::string& file, const std::string& firmware_dir);

}  // namespace npuemu::sweep
