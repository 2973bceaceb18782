// Before a sweep runs any point (and in --dry-run): each workload's options, files and metrics are checked by the
// npuemu binary itself, so a mistake fails the sweep once, with its reason, instead of failing every point.
#pragma once

#include <string>

#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_spec.h"

namespace npuemu::sweep {

// Checks each workload once with the settings of its first point, by its kind's check command (chip: `npuemu run
// --check`; cluster: that point's step): an unknown option or a bad value in the workload's args, a missing or
// overlapping --load file, an image the chip cannot load are errors, as is a metric (or a name in a derived metric's
// expression) that is not a value the run reports. Throws npuemu::Error naming the spec and the workload or metric.
void check_workloads(const SweepSpec& spec, const Plan& plan, const std::string& executable);

}  // namespace npuemu::sweep
