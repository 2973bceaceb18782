// Closes the loop between work and heat, per tile, every sample interval: activity counted by the core and the NPU
// units since the last sample -> energy (x (V / V_nominal)^2) + leakage at the tile's temperature -> power -> the RC
// thermal network -> quantised sensor readings -> the hardware throttle: above Tj,max a tile drops one DVFS
// operating point per sample; below Tj,max - hysteresis it climbs back one. A new operating point changes the tile's
// clock period, so a throttled tile does its work more slowly in simulated time.
#pragma once

#include <systemc>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/common/stats.h"
#include "model/common/tile_clock.h"
#include "model/power/power_config.h"
#include "model/power/power_history.h"
#include "model/power/thermal_network.h"
#include "model/trace/tracer.h"

namespace npuemu::power {

class PowerMonitor : public sc_core::sc_module {
public:
    // What the monitor needs from one tile: its clock and a reading of its activity counters, and where the tile's
    // power state is named (its statistics in a group "power" below the tile's, its trace signals in the tile's
    // scope).
    struct TileProbe {
        TileClock* clock;
        std::function<Activity()> activity;
        std::function<double()> charged_energy_pj;  // cumulative pJ the mesh, HBM and links charge to the tile
        std::function<void(bool)> alarm_line;  // drives the tile core's machine external interrupt
        StatsGroup* tile_stats;
        std::string tile_trace_scope;          // "chip.tile3"
    };

    PowerMonitor(sc_core::sc_module_name name, const PowerConfig& config, std::vector<TileProbe> tiles);

    // chip.tileN.power.{temperature_C, power_W, frequency_MHz}, one value per sample.
    void attach_tracer(trace::Tracer& tracer);
    // Temperature, frequency and power of every tile over the run, bounded (power/power_history.h).
    const PowerHistory& history() const { return history_; }
    double tile_temperature_mC(size_t tile) const { return network_.tile_temperature_mC(tile); }
    uint32_t sensor_mC(size_t tile) const { return sensors_mC_[tile]; }
    size_t operating_point(size_t tile) const { return state_[tile].point; }

    // What the PMU registers show and do (register map `pmu` in isa/npu_isa.yaml; power/pmu_registers.h).
    uint32_t power_mw(size_t tile) const;  // over the last sample interval
    size_t point_count() const { return config_.operating_points.size(); }
    size_t requested_point(size_t tile) const { return state_[tile].requested; }
    size_t throttle_point(size_t tile) const { return state_[tile].throttle; }
    uint32_t alarm_threshold_mC(size_t tile) const { return state_[tile].alarm_threshold_mC; }
    bool alarm(size_t tile) const { return state_[tile].alarm; }
    bool error(size_t tile) const { return state_[tile].error; }
    uint32_t frequency_mhz(size_t tile) const { return config_.operating_points[state_[tile].point].frequency_mhz; }
    // A point that does not exist leaves the request as it was and sets the error flag.
    void request_point(size_t tile, uint64_t point);
    void set_alarm_threshold(size_t tile, uint32_t threshold_mC);
    void write_alarm_status(size_t tile, bool clear);
    void clear_error(size_t tile) { state_[tile].error = false; }

private:
    struct TileState {
        Activity last;
        double last_charged_pj = 0;
        size_t point = 0;
        double energy_j = 0;
        double dynamic_j = 0;
        double charged_j = 0;
        double leakage_j = 0;
        double peak_mC = 0;
        double temperature_time_integral = 0;  // mC x s, for the average
        uint64_t throttled_ps = 0;
        uint64_t throttle_steps = 0;
        size_t requested = 0;     // firmware's request
        size_t throttle = 0;      // the hardware throttle's floor
        double power_w = 0;
        uint32_t alarm_threshold_mC = 0;
        bool alarm = false;
        bool error = false;
        uint64_t requests = 0;
    };
    void register_stats();
    void update_point(size_t tile);
    void update_alarm(size_t tile);

    void run();
    void sample(double interval_s);
    void apply_point(size_t tile);

    PowerConfig config_;
    std::vector<TileProbe> tiles_;
    ThermalNetwork network_;
    std::vector<TileState> state_;
    std::vector<uint32_t> sensors_mC_;
    double elapsed_s_ = 0;
    trace::Tracer* tracer_ = nullptr;
    struct TraceSignals {
        uint32_t temperature = trace::kNoSignal, power = trace::kNoSignal, frequency = trace::kNoSignal;
    };
    std::vector<TraceSignals> trace_signals_;
    uint64_t samples_ = 0;
    PowerHistory history_;
    StatsGroup stats_{*this};
    std::vector<std::unique_ptr<StatsGroup>> tile_stats_;  // tileN.power
};

}  // namespace npuemu::power
