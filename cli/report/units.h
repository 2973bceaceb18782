// Axis titles with units, and numbers as people read them, for npuemu's counter and metric names, from the naming convention of the stats
// (units in the names: power.average_w, power.peak_temperature_mC, sim.cycles, npu.achieved_tops).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace npuemu::report {

// "power.average_w" -> "power.average_w (W)"; a name whose unit is not known is returned as it is.
std::string with_unit(const std::string& name);

// Four significant digits, for tooltips, notes and tables: 0.1235, 262.1, 1.024e+06.
std::string round4(double value);

// A fixed number of decimals, for tables and tooltips whose column shares one precision: 6.814, 769445.
std::string fixed(double value, int decimals);

// A counter of a run's stats (stats_to_json()), 0 when the run has no such counter or it is not a number.
inline double counter_value(const nlohmann::ordered_json& counters, const std::string& name) {
    return counters.contains(name) && counters[name].is_number() ? counters[name].get<double>() : 0.0;
}

}  // namespace npuemu::report
