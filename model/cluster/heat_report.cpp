#include "model/cluster/heat_report.h"

#include <algorithm>
#include <cstdio>

namespace npuemu::cluster {

nlohmann::ordered_json heat_json(const ClusterConfig& c, const StepResult& r, const HeatResult& h) {
    nlohmann::ordered_json j;
    j["thermal_model"] = h.thermal_model ? h.thermal_source : "none (comparator chip without a thermal section)";
    if (h.thermal_model) {
        nlohmann::ordered_json points = nlohmann::ordered_json::array();
        for (const ThermalPoint& p : h.chip.points) {
            points.push_back({{"frequency_mhz", p.frequency_mhz},
                              {"voltage_ratio", p.voltage_ratio},
                              {"dynamic_w", p.dynamic_w},
                              {"busy_dynamic_w", p.busy_dynamic_w},
                              {"compute_factor", p.compute_factor}});
        }
        j["cooling"] = h.cooling;
        j["package_k_per_w"] = h.chip.package_k_per_w;
        j["sink_k_per_w"] = h.chip.sink_k_per_w;
        j["tj_max_mC"] = h.chip.tj_max_mC;
        j["leakage_w"] = h.chip.leakage_w;
        j["operating_points"] = points;
    }
    j["straggler_policy"] = c.facility.straggler_policy == StragglerPolicy::Wait ? "wait" : "none";
    j["variation"] = {{"seed", c.variation.seed},
                      {"speed_sigma", c.variation.speed_sigma},
                      {"leakage_sigma", c.variation.leakage_sigma}};
    j["nominal_step_s"] = r.nominal_step_s;
    j["throttled_chips"] = h.throttled_chips;
    j["over_limit_chips"] = h.over_limit_chips;
    j["mean_compute_factor"] = h.mean_compute_factor;
    j["max_compute_factor"] = h.max_compute_factor;
    j["slowest_chip"] = h.slowest_chip;
    j["slowest_replica"] = r.slowest_replica;
    j["power"] = {{"chip_mean_w", h.chip_power_w},
                  {"it_w", h.it_power_w},
                  {"pue", c.facility.pue},
                  {"facility_w", h.facility_power_w},
                  {"node_overhead_w", c.facility.node_overhead_w}};
    nlohmann::ordered_json racks = nlohmann::ordered_json::array();
    for (const RackHeat& rack : h.racks) {
        racks.push_back({{"inlet_mC", rack.inlet_mC},
                         {"chips", rack.chips},
                         {"mean_junction_mC", rack.mean_junction_mC},
                         {"max_junction_mC", rack.max_junction_mC},
                         {"mean_frequency_mhz", rack.mean_frequency_mhz},
                         {"min_frequency_mhz", rack.min_frequency_mhz},
                         {"power_w", rack.power_w},
                         {"throttled", rack.throttled},
                         {"over_limit", rack.over_limit}});
    }
    j["chips_per_rack"] = h.chips_per_rack;
    j["racks"] = racks;
    return j;
}

std::string heat_summary(const ClusterConfig& c, const StepResult& r, const HeatResult& h) {
    std::string out;
    char line[512];
    if (h.thermal_model) {
        double hottest_inlet = 0, coolest_inlet = 1e30, hottest_die = 0, slowest_mhz = 1e30;
        for (const RackHeat& rack : h.racks) {
            hottest_inlet = std::max(hottest_inlet, rack.inlet_mC);
            coolest_inlet = std::min(coolest_inlet, rack.inlet_mC);
            hottest_die = std::max(hottest_die, rack.max_junction_mC);
            slowest_mhz = std::min(slowest_mhz, rack.min_frequency_mhz);
        }
        std::snprintf(line, sizeof line,
                      "heat: %s cooling, %zu racks of %u chips, inlet %.1f-%.1f degC, hottest die %.1f degC "
                      "(Tj,max %.0f), %u chips throttled (slowest %.0f MHz)%s\n",
                      h.cooling.c_str(), h.racks.size(), h.chips_per_rack, coolest_inlet / 1000, hottest_inlet / 1000,
                      hottest_die / 1000, h.chip.tj_max_mC / 1000, h.throttled_chips, slowest_mhz,
                      h.over_limit_chips ? ", SOME ABOVE Tj,max EVEN AT THE SLOWEST POINT" : "");
        out += line;
    } else {
        out += "heat: the comparator chip has no thermal section: never throttled\n";
    }
    std::snprintf(line, sizeof line,
                  "compute slowdown: mean %.4f, slowest chip %u x%.4f (replica %u sets the step; straggler policy "
                  "%s); nominal step %.3f s\n",
                  h.mean_compute_factor, h.slowest_chip, h.max_compute_factor, r.slowest_replica,
                  c.facility.straggler_policy == StragglerPolicy::Wait ? "wait" : "none", r.nominal_step_s);
    out += line;
    std::snprintf(line, sizeof line, "power: %.0f W per chip, IT %.1f kW, facility %.1f kW (PUE %.2f)\n",
                  h.chip_power_w, h.it_power_w / 1e3, h.facility_power_w / 1e3, c.facility.pue);
    out += line;
    return out;
}

}  // namespace npuemu::cluster
