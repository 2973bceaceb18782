// Heat and variation in a training step: chips slower than nominal, and synchronous groups that wait for them.
//
// A chip's compute slowdown (its compute time over the nominal chip's) stretches its pipeline stage's compute; a
// tensor-parallel group runs at its slowest member (it all-reduces every layer), a replica's pipeline at its stages'
// speeds, and the gradient collective waits for the slowest replica. The step is therefore set by the replica whose
// pipeline, with each stage at its slowest chip, ends last. Two losses, on top of the nominal step's:
//   throttling = the step with every chip at the cluster's mean slowdown - the nominal step
//                (what the chips' own slowness costs even when no one waits for anyone);
//   stragglers = the step as it is - the step at the mean slowdown
//                (the waiting for the slowest; 0 with straggler_policy none, or when every chip is alike).
#pragma once

#include <functional>
#include <vector>

#include "model/cluster/step_model.h"

namespace npuemu::cluster {

// The step (pipeline, gradient collective, optimizer) with each pipeline stage's compute slowed by a factor.
using StepWithStageFactors = std::function<double(const std::vector<double>& stage_factor)>;

// Fills step_s, nominal_step_s, slowest_replica and the throttling and straggler losses of a result whose other
// losses are the nominal step's. Throws npuemu::Error for a factor list that does not have one factor per chip.
void add_slowdown_losses(const ClusterConfig& config, const ChipSlowdowns& slowdowns, StepResult& result,
                         const StepWithStageFactors& step_with_stage_factors);

}  // namespace npuemu::cluster
