#include "model/power/thermal_network.h"

#include <cmath>

#include "model/common/error.h"

namespace npuemu::power {

namespace {

void require_positive(double value, const char* name) {
    if (!(value > 0) || !std::isfinite(value)) {
        throw Error(std::string("thermal: ") + name + " must be a positive number, got " + std::to_string(value));
    }
}

}  // namespace

ThermalNetwork::ThermalNetwork(const ThermalConfig& config)
    : config_(config), tiles_(size_t(config.mesh_cols) * config.mesh_rows) {
    require_positive(config.die_capacitance_j_per_k, "die_capacitance_j_per_k");
    require_positive(config.lateral_resistance_k_per_w, "lateral_resistance_k_per_w");
    require_positive(config.die_to_spreader_k_per_w, "die_to_spreader_k_per_w");
    require_positive(config.spreader_capacitance_j_per_k, "spreader_capacitance_j_per_k");
    require_positive(config.spreader_to_sink_k_per_w, "spreader_to_sink_k_per_w");
    require_positive(config.sink_capacitance_j_per_k, "sink_capacitance_j_per_k");
    require_positive(config.sink_to_ambient_k_per_w, "sink_to_ambient_k_per_w");
    require_positive(config.time_scale, "time_scale");
    if (tiles_ == 0) throw Error("thermal: the die needs at least one tile");

    const size_t n = tiles_ + 2;
    conductance_.assign(n * n, 0.0);
    auto couple = [&](size_t a, size_t b, double resistance) {
        const double g = 1.0 / resistance;
        conductance_[a * n + a] += g;
        conductance_[b * n + b] += g;
        conductance_[a * n + b] -= g;
        conductance_[b * n + a] -= g;
    };
    for (uint32_t r = 0; r < config.mesh_rows; ++r) {
        for (uint32_t c = 0; c < config.mesh_cols; ++c) {
            const size_t t = size_t(r) * config.mesh_cols + c;
            if (c + 1 < config.mesh_cols) couple(t, t + 1, config.lateral_resistance_k_per_w);
            if (r + 1 < config.mesh_rows) couple(t, t + config.mesh_cols, config.lateral_resistance_k_per_w);
            couple(t, spreader(), config.die_to_spreader_k_per_w);
        }
    }
    couple(spreader(), sink(), config.spreader_to_sink_k_per_w);
    ambient_conductance_ = 1.0 / config.sink_to_ambient_k_per_w;
    conductance_[sink() * n + sink()] += ambient_conductance_;

    capacitance_.assign(n, config.die_capacitance_j_per_k / config.time_scale);
    capacitance_[spreader()] = config.spreader_capacitance_j_per_k / config.time_scale;
    capacitance_[sink()] = config.sink_capacitance_j_per_k / config.time_scale;
    temperatures_.assign(n, config.ambient_mC);
}

std::vector<double> ThermalNetwork::solve(std::vector<double> a, std::vector<double> b) const {
    // Gaussian elimination with partial pivoting; the matrices are small (tiles + 2) and diagonally dominant.
    const size_t n = b.size();
    for (size_t col = 0; col < n; ++col) {
        size_t pivot = col;
        for (size_t row = col + 1; row < n; ++row) {
            if (std::fabs(a[row * n + col]) > std::fabs(a[pivot * n + col])) pivot = row;
        }
        if (pivot != col) {
            for (size_t k = 0; k < n; ++k) std::swap(a[col * n + k], a[pivot * n + k]);
            std::swap(b[col], b[pivot]);
        }
        for (size_t row = col + 1; row < n; ++row) {
            const double factor = a[row * n + col] / a[col * n + col];
            if (factor == 0) continue;
            for (size_t k = col; k < n; ++k) a[row * n + k] -= factor * a[col * n + k];
            b[row] -= factor * b[col];
        }
    }
    std::vector<double> x(n);
    for (size_t i = n; i-- > 0;) {
        double sum = b[i];
        for (size_t k = i + 1; k < n; ++k) sum -= a[i * n + k] * x[k];
        x[i] = sum / a[i * n + i];
    }
    return x;
}

void ThermalNetwork::step(double dt_s, const std::vector<double>& tile_power_w) {
    if (!(dt_s > 0)) throw Error("thermal: the time step must be positive");
    if (tile_power_w.size() != tiles_) {
        throw Error("thermal: " + std::to_string(tile_power_w.size()) + " tile powers for a network of " +
                    std::to_string(tiles_) + " tiles");
    }
    const size_t n = node_count();
    std::vector<double> a = conductance_;
    std::vector<double> rhs(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        const double c_over_dt = capacitance_[i] / dt_s;
        a[i * n + i] += c_over_dt;
        // Work in kelvin above ambient so ambient drops out: T' = T - ambient.
        rhs[i] = c_over_dt * (temperatures_[i] - config_.ambient_mC) / 1000.0;
    }
    for (size_t t = 0; t < tiles_; ++t) rhs[t] += tile_power_w[t];
    const std::vector<double> rise = solve(std::move(a), std::move(rhs));
    for (size_t i = 0; i < n; ++i) temperatures_[i] = config_.ambient_mC + rise[i] * 1000.0;
}

std::vector<double> ThermalNetwork::steady_state(const std::vector<double>& tile_power_w) const {
    if (tile_power_w.size() != tiles_) {
        throw Error("thermal: " + std::to_string(tile_power_w.size()) + " tile powers for a network of " +
                    std::to_string(tiles_) + " tiles");
    }
    std::vector<double> rhs(node_count(), 0.0);
    for (size_t t = 0; t < tiles_; ++t) rhs[t] = tile_power_w[t];
    std::vector<double> rise = solve(conductance_, std::move(rhs));
    for (double& r : rise) r = config_.ambient_mC + r * 1000.0;
    return rise;
}

double ThermalNetwork::heat_to_ambient_w() const {
    return ambient_conductance_ * (temperatures_[sink()] - config_.ambient_mC) / 1000.0;
}

double ThermalNetwork::stored_energy_j() const {
    double energy = 0;
    for (size_t i = 0; i < node_count(); ++i) energy += capacitance_[i] * (temperatures_[i] - config_.ambient_mC) / 1000.0;
    return energy;
}

}  // namespace npuemu::power
