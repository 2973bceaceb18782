// The facility a cluster runs in (`facility:`) and its chips' manufacturing spread (`variation:`): racks and the inlet
// temperature each rack sees, the cooling preset, the power around the chips (node overheads, PUE), and how
// synchronous steps treat a slow chip. With a facility, each npuemu chip's operating point comes from its chip
// config's power and thermal model at its rack's inlet (model/cluster/thermal_operating_point.h); docs/cluster.md,
// "Heat and variation".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/power/power_config.h"

namespace npuemu::config {
class ConfigNode;
}

namespace npuemu::cluster {

enum class StragglerPolicy {
    Wait,  // synchronous collectives wait for the slowest member (data-parallel training as it is run)
    None,  // every chip at the cluster's mean slowdown, as if work were rebalanced: the bound without stragglers
};

struct FacilitySpec {
    bool given = false;            // a facility: section exists (otherwise every chip runs at its nominal point)
    uint32_t racks = 0;            // 0: chips / chips_per_rack, rounded up
    uint32_t chips_per_rack = 32;  // whole nodes; with racks given: derived (the fewest whole nodes that fit)
    std::optional<power::Cooling> cooling;  // a chip cooling preset (thermal.cooling); none: the chip config's own
    bool inlet_mean_given = false;
    double inlet_mean_mC = 0;      // default: the cooling preset's design inlet (the chip config's ambient_mC)
    double inlet_sigma_mC = 0;     // racks' inlets: mean + sigma x a standard normal per rack (seeded)
    std::vector<double> inlet_mC;  // or one inlet per rack, exactly
    uint32_t hot_racks = 0;        // the last this many racks (end of row, recirculation) at hot_inlet_mC
    double hot_inlet_mC = 45000;
    double node_overhead_w = 0;  // per node besides its chips: host CPUs, NICs, switches, fans
    double pue = 1.0;            // facility power / IT power
    StragglerPolicy straggler_policy = StragglerPolicy::Wait;
};

struct VariationSpec {
    uint64_t seed = 1;
    double speed_sigma = 0;  // a chip's compute slowdown: 1 + sigma x |normal| (chips that cannot hold a point's clock)
    double leakage_sigma = 0;  // a chip's leakage multiplier: exp(sigma x normal) (log-normal, median 1)
};

// Reads `facility:` and `variation:` (absent: the defaults above, facility.given false).
void read_facility(config::ConfigNode facility, FacilitySpec& spec);
void read_variation(config::ConfigNode variation, VariationSpec& spec);

// The racks of a cluster: which rack each chip is in and each rack's inlet temperature.
struct RackLayout {
    uint32_t chips_per_rack = 0;
    std::vector<double> inlet_mC;  // per rack
    uint32_t rack_of(uint32_t chip) const { return chip / chips_per_rack; }
};

// Chips fill racks in order (whole nodes). Throws npuemu::Error naming the key: chips_per_rack not a whole number of
// nodes, racks too few for the chips, an inlet list of the wrong length.
RackLayout lay_out_racks(const FacilitySpec& facility, uint32_t chip_count, uint32_t chips_per_node,
                         double default_inlet_mC, uint64_t seed);

// One chip's draw from the manufacturing spread; a pure function of (seed, chip), so the same seed gives the same
// cluster whatever else changes.
struct ChipVariation {
    double slowdown = 1;       // compute time relative to the nominal chip's at the same point (>= 1)
    double leakage_scale = 1;  // leakage power relative to the chip config's
};
ChipVariation chip_variation(const VariationSpec& spec, uint32_t chip);

// A standard normal from (seed, stream, index): SplitMix64 and Box-Muller, identical on every platform (the
// standard library's distributions are not).
double seeded_normal(uint64_t seed, uint64_t stream, uint64_t index);

}  // namespace npuemu::cluster
