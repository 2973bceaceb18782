#include "model/cluster/thermal_operating_point.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/common/error.h"

namespace npuemu::cluster {

namespace {

// Leakage at point p relative to temperature: P_leak(T) = slope x T + offset (W, T in degC).
struct LeakageLine {
    double slope_w_per_k = 0;
    double offset_w = 0;
};

LeakageLine leakage_line(const ChipThermal& chip, const ThermalPoint& point, double leakage_scale) {
    const double scale_w = leakage_scale * chip.leakage_w * point.voltage_ratio;
    const double reference_c = chip.leakage_reference_mC / 1000.0;
    return {scale_w * chip.leakage_per_kelvin, scale_w * (1.0 - chip.leakage_per_kelvin * reference_c)};
}

double leakage_at_w(const ChipThermal& chip, const ThermalPoint& point, double leakage_scale, double junction_mC) {
    const LeakageLine leak = leakage_line(chip, point, leakage_scale);
    return std::max(0.0, leak.slope_w_per_k * junction_mC / 1000.0 + leak.offset_w);
}

// The junction a point's average and busy powers give at a fixed leakage (the dithering mix below).
double junction_of_mC(const ChipThermal& chip, double inlet_mC, double average_w, double busy_w) {
    return inlet_mC + 1000.0 * (chip.sink_k_per_w * average_w + chip.package_k_per_w * busy_w);
}

}  // namespace

double steady_junction_mC(const ChipThermal& chip, const ThermalPoint& point, double inlet_mC, double leakage_scale) {
    const LeakageLine leak = leakage_line(chip, point, leakage_scale);
    const double r = chip.sink_k_per_w + chip.package_k_per_w;
    const double feedback = 1.0 - r * leak.slope_w_per_k;  // each kelvin of die heat brings r x slope more
    if (feedback <= 0) return std::numeric_limits<double>::infinity();
    const double rise_c =
        chip.sink_k_per_w * point.dynamic_w + chip.package_k_per_w * point.busy_dynamic_w + r * leak.offset_w;
    return 1000.0 * (inlet_mC / 1000.0 + rise_c) / feedback;
}

OperatingState solve_operating_state(const ChipThermal& chip, double inlet_mC, double leakage_scale) {
    if (chip.points.empty()) throw Error("thermal operating point: the chip has no DVFS operating points");
    if (!(chip.package_k_per_w >= 0 && chip.sink_k_per_w >= 0 && chip.package_k_per_w + chip.sink_k_per_w > 0)) {
        throw Error("thermal operating point: the thermal resistances must be positive");
    }
    OperatingState s;
    const size_t n = chip.points.size();
    size_t first_cool = n;
    for (size_t p = 0; p < n; ++p) {
        if (steady_junction_mC(chip, chip.points[p], inlet_mC, leakage_scale) <= chip.tj_max_mC) {
            first_cool = p;
            break;
        }
    }
    if (first_cool == 0 || first_cool == n) {
        // Unthrottled, or too hot even at the slowest point (the chip would trip: run it there and say so).
        const size_t p = first_cool == 0 ? 0 : n - 1;
        const ThermalPoint& point = chip.points[p];
        const double junction = steady_junction_mC(chip, point, inlet_mC, leakage_scale);
        s.point = static_cast<uint32_t>(p);
        s.throttled = p > 0;
        s.over_limit = first_cool == n;
        s.junction_mC = std::isfinite(junction) ? junction : std::numeric_limits<double>::max();
        s.power_w =
            point.dynamic_w + (std::isfinite(junction) ? leakage_at_w(chip, point, leakage_scale, junction) : 0.0);
        s.frequency_mhz = point.frequency_mhz;
        s.compute_factor = point.compute_factor;
        return s;
    }
    // Dithering between the hot point and the cool one, holding the hottest die at Tj,max on average: at Tj,max's
    // leakage, the junction is linear in the share of time at the cool point.
    const ThermalPoint& hot = chip.points[first_cool - 1];
    const ThermalPoint& cool = chip.points[first_cool];
    const double limit = chip.tj_max_mC;
    const double hot_leak_w = leakage_at_w(chip, hot, leakage_scale, limit);
    const double cool_leak_w = leakage_at_w(chip, cool, leakage_scale, limit);
    const double hot_mC = junction_of_mC(chip, inlet_mC, hot.dynamic_w + hot_leak_w, hot.busy_dynamic_w + hot_leak_w);
    const double cool_mC =
        junction_of_mC(chip, inlet_mC, cool.dynamic_w + cool_leak_w, cool.busy_dynamic_w + cool_leak_w);
    const double at_cool = hot_mC > cool_mC ? std::clamp((hot_mC - limit) / (hot_mC - cool_mC), 0.0, 1.0) : 1.0;
    s.point = static_cast<uint32_t>(first_cool);
    s.share_at_point = at_cool;
    s.throttled = true;
    s.junction_mC = limit;
    s.power_w = (1 - at_cool) * (hot.dynamic_w + hot_leak_w) + at_cool * (cool.dynamic_w + cool_leak_w);
    s.frequency_mhz = (1 - at_cool) * hot.frequency_mhz + at_cool * cool.frequency_mhz;
    const double rate = (1 - at_cool) / hot.compute_factor + at_cool / cool.compute_factor;
    s.compute_factor = 1.0 / rate;
    return s;
}

}  // namespace npuemu::cluster
