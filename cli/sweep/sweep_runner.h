// Runs a sweep's points on this machine: each point is a child process running its kind's command line
// (`npuemu run --set ... --stats DIR/points/<id>/stats.json IMAGE`: SystemC elaborates once per process; or `npuemu
// cluster FILE --set ... --out DIR/points/<id>/step.json`), at most `jobs` at a time: a forked copy of the sweep
// process, or the binary started afresh. Points with a result already are skipped; failed and unfinished ones run
// again. Each finished point gets its result.json (written atomically, the mark of a finished point) and results.csv
// is regenerated.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/sweep/child_process.h"
#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_spec.h"
#include "cli/sweep/sweep_store.h"

namespace npuemu::sweep {

struct RunnerOptions {
    std::string dir;
    std::string executable;  // the npuemu binary the points run with (args[0] of their command lines)
    // Set: each point is a forked copy of this process that calls entry with the point's command line (no exec, no
    // library loading: a small point costs a fraction). Null: each point execs the executable.
    CommandLineEntry entry;
    unsigned jobs = 1;
    std::string csv_name = "results.csv";
};

struct RunnerSummary {
    size_t points = 0;   // in this run (the whole sweep or one shard)
    size_t resumed = 0;  // already finished before this run
    size_t ran = 0;
    size_t failed = 0;  // of those that ran
};

RunnerSummary run_points(const SweepSpec& spec, const Json& manifest, const std::vector<Point>& points,
                         const RunnerOptions& options);

// The metrics of one point from the values of its output (WorkloadKind::read_values: a chip run's counters, a cluster
// step's numbers by JSON path); throws npuemu::Error naming a missing value.
Json point_metrics(const SweepSpec& spec, const nlohmann::json& values);

}  // namespace npuemu::sweep
