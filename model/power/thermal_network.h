// A compact RC thermal network, HotSpot-style: one die node per tile (lateral conductances to its mesh neighbours),
// a heat spreader, a heat sink, and ambient as a fixed temperature. Temperatures in milli-degrees Celsius (integers
// at the sensor boundary, doubles inside), power in watts, time in seconds.
// Integration is backward Euler (implicit, unconditionally stable for any step), solving
//   (C/dt + G) T(t+dt) = C/dt T(t) + P + G_ambient T_ambient
// with a dense LU factorisation cached per step size; steady_state() solves G T = P + G_ambient T_ambient.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::power {

struct ThermalConfig {
    uint32_t mesh_cols = 1, mesh_rows = 1;       // tiles laid out row-major on the die
    double die_capacitance_j_per_k = 0.02;       // per tile
    double lateral_resistance_k_per_w = 2.0;     // between neighbouring tiles
    double die_to_spreader_k_per_w = 0.8;        // per tile
    double spreader_capacitance_j_per_k = 5.0;
    double spreader_to_sink_k_per_w = 0.05;
    double sink_capacitance_j_per_k = 100.0;
    double sink_to_ambient_k_per_w = 0.2;  // the cooling presets set it: air 0.12, liquid 0.03
    double ambient_mC = 35000;
    // Real heat sinks take seconds to minutes to warm up; capacitances divided by this factor let a run of
    // milliseconds show the sustained behaviour (documented in docs/power.md). 1 = physical.
    double time_scale = 1.0;
};

class ThermalNetwork {
public:
    explicit ThermalNetwork(const ThermalConfig& config);  // throws npuemu::Error for non-positive R or C

    size_t tile_count() const { return tiles_; }
    size_t node_count() const { return temperatures_.size(); }  // tiles, spreader, sink
    size_t spreader() const { return tiles_; }
    size_t sink() const { return tiles_ + 1; }

    // Advances by dt with the tiles' powers held constant over the step.
    void step(double dt_s, const std::vector<double>& tile_power_w);
    // The temperatures the network settles at under constant tile powers.
    std::vector<double> steady_state(const std::vector<double>& tile_power_w) const;
    void set_temperatures(const std::vector<double>& temperatures_mC) { temperatures_ = temperatures_mC; }
    void set_steady_state(const std::vector<double>& tile_power_w) { temperatures_ = steady_state(tile_power_w); }

    const std::vector<double>& temperatures_mC() const { return temperatures_; }
    double tile_temperature_mC(size_t tile) const { return temperatures_[tile]; }
    // Heat leaving to ambient right now (W), for energy balance checks.
    double heat_to_ambient_w() const;
    // Stored heat relative to ambient (J).
    double stored_energy_j() const;

private:
    std::vector<double> solve(std::vector<double> matrix, std::vector<double> rhs) const;

    ThermalConfig config_;
    size_t tiles_;
    std::vector<double> conductance_;  // node x node Laplacian (W/K), ambient coupling on the diagonal
    std::vector<double> capacitance_;  // J/K per node (after time_scale)
    std::vector<double> temperatures_;  // mC
    double ambient_conductance_;        // sink -> ambient (W/K)
};

}  // namespace npuemu::power
