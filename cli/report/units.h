// Axis titles with units, and numbers as people read them, for npuemu's counter and metric names, from the naming convention of the stats
// (units in the names: power.average_w, power.peak_temperature_mC, sim.cycles, npu.achieved_tops).
#pragma once

#include <string>

namespace npuemu::report {

// "power.average_w" -> "power.average_w (W)"; a name whose unit is not known is returned as it is.
std::string with_unit(const std::string& name);

// Four significant digits, for tooltips, notes and tables: 0.1235, 262.1, 1.024e+06.
std::string round4(double value);

}  // namespace npuemu::report
