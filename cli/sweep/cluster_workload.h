// The cluster kind of sweep workload (cli/sweep/workload_kind.h): one training step of a cluster file (`npuemu
// cluster FILE --set ... --out DIR/points/<id>/step.json`) per point; its metrics are the step's numbers by their path
// in that JSON (step_s, mfu, losses.stragglers.s, heat.power.facility_w, equal_budget.equal_capex.tokens_per_s).
#pragma once

#include <nlohmann/json.hpp>

namespace npuemu::sweep {

// Every number of a step document by its dotted path (objects only: arrays such as the per-rack records are left
// out; strings and booleans too). Throws npuemu::Error when the document is not a JSON object.
nlohmann::json step_values(const nlohmann::json& step);

}  // namespace npuemu::sweep
