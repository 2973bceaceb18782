// A chip's sustained operating point in the cluster model: where the chip model's hardware throttle would settle for
// the workload's phase mix at a given inlet temperature.
//
// The compact equivalent of the chip config's power and thermal model (docs/cluster.md, "Heat and variation"):
//   - heat: the steady state of the chip config's RC network (model/power/thermal_network.h, its R values) under equal
//     power in every tile, as two numbers: the hottest die's rise per watt above the heat sink (package_k_per_w:
//     die, spreader; time constants below a second) and the sink's rise above the inlet (sink_k_per_w; a time
//     constant of about a minute). The sink averages the step's power; the die rides on it at the power of the busy
//     phases (the compute phases of a step last far longer than the package's time constants);
//   - power at DVFS point p and hottest-die temperature T, average and busy:
//       P_p(T) = dynamic_w[p] + leak_p(T),  B_p(T) = busy_dynamic_w[p] + leak_p(T),
//       leak_p(T) = leakage_scale x L x v_p x (1 + k (T - T_ref)),
//     leakage L, k, T_ref from the chip config (all tiles), v_p the point's voltage over the first's; busy_dynamic_w
//     the profiled GEMMs' switching power at p, dynamic_w that times the step's busy share at p;
//   - T = inlet + sink_k_per_w x P_p(T) + package_k_per_w x B_p(T), solved in closed form (linear in T);
//   - the fastest point with T <= Tj,max runs; when point p is too hot and p+1 is not, the throttle dithers between
//     them: the share of time at p+1 is the one whose mix holds the hottest die at Tj,max, and the chip's work rate
//     is the time-weighted mix of the two points' rates.
#pragma once

#include <cstdint>
#include <vector>

namespace npuemu::cluster {

struct ThermalPoint {
    double frequency_mhz = 0;
    double voltage_ratio = 1;   // V_p / V_0
    double dynamic_w = 0;       // the step's average switching power at this point, whole chip
    double busy_dynamic_w = 0;  // while computing (>= dynamic_w)
    double compute_factor = 1;  // compute time at this point over compute time at the first point (>= 1)
};

struct ChipThermal {
    double package_k_per_w = 0;  // hottest die above the heat sink per watt of chip power, steady state
    double sink_k_per_w = 0;     // heat sink above the inlet per watt
    double tj_max_mC = 85000;
    double leakage_w = 0;  // whole chip at leakage_reference_mC and the first point's voltage
    double leakage_reference_mC = 60000;
    double leakage_per_kelvin = 0;
    std::vector<ThermalPoint> points;  // fastest first
};

struct OperatingState {
    double junction_mC = 0;     // the hottest die, time-averaged
    double power_w = 0;         // time-averaged
    double frequency_mhz = 0;   // time-averaged
    double compute_factor = 1;  // compute time over the unthrottled chip's (before its speed variation)
    uint32_t point = 0;         // the slower of the points it runs at
    double share_at_point = 1;  // share of time at `point` (the rest at point - 1)
    bool throttled = false;
    bool over_limit = false;  // above Tj,max even at the slowest point (or thermal runaway): a real chip trips
};

// Throws npuemu::Error for a model that cannot be solved (no points, a non-positive resistance).
OperatingState solve_operating_state(const ChipThermal& chip, double inlet_mC, double leakage_scale);

// The junction temperature at one point in steady state; +infinity past thermal runaway (leakage feedback >= 1).
double steady_junction_mC(const ChipThermal& chip, const ThermalPoint& point, double inlet_mC, double leakage_scale);

}  // namespace npuemu::cluster
