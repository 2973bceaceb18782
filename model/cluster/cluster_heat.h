// One training step with heat and variation (docs/cluster.md, "Heat and variation"): each npuemu chip's sustained
// operating point at its rack's inlet temperature, from its chip config's power and thermal model and the step's phase
// mix at each DVFS point (thermal_operating_point.h), times its manufacturing spread (facility.h); the step with every
// chip at its own speed, the synchronous groups waiting for their slowest member (straggler_losses.h).
//
// A comparator chip (A100, H100 presets) with a `thermal:` section gets the same compact model from its parameters
// (its package resistance, the cooling preset's sink scaled to its power, its leakage and DVFS ratios; its busy power
// the datasheet's full load); without one it runs at its nominal speed, its speed spread and the facility's power
// accounting still applied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"
#include "model/cluster/thermal_operating_point.h"

namespace npuemu::cluster {

struct RackHeat {
    double inlet_mC = 0;
    double mean_junction_mC = 0, max_junction_mC = 0;
    double mean_frequency_mhz = 0, min_frequency_mhz = 0;
    double power_w = 0;  // its chips'
    uint32_t chips = 0, throttled = 0, over_limit = 0;
};

struct HeatResult {
    bool thermal_model = false;  // false: a comparator chip without a thermal section, never throttled
    std::string thermal_source;  // where the compact model came from
    std::string cooling;         // the chip cooling preset in effect
    ChipThermal chip;            // the compact model
    uint32_t chips_per_rack = 0;
    std::vector<RackHeat> racks;
    uint32_t throttled_chips = 0, over_limit_chips = 0;
    double mean_compute_factor = 1, max_compute_factor = 1;  // with the speed spread
    uint32_t slowest_chip = 0;
    double chip_power_w = 0;      // mean per chip, at its operating point
    double it_power_w = 0;        // chips + node overheads
    double facility_power_w = 0;  // x PUE
};

// The step of a cluster: with a facility: section or a manufacturing spread, heat and variation as above (result.heat
// set); without either, simulate_step as it is.
StepResult simulate_cluster_step(const ClusterConfig& config);

}  // namespace npuemu::cluster
