#include "model/power/power_monitor.h"

#include <algorithm>
#include <cmath>


namespace npuemu::power {

PowerMonitor::PowerMonitor(sc_core::sc_module_name name, const PowerConfig& config,
                           std::vector<TileProbe> tiles)
    : sc_module(name),
      config_(config),
      tiles_(std::move(tiles)),
      network_(config.thermal),
      state_(tiles_.size()),
      sensors_mC_(tiles_.size(), 0) {
    if (config_.initial == InitialTemperature::Steady) {
        network_.set_steady_state(std::vector<double>(tiles_.size(), config_.initial_power_w));
    }
    for (size_t t = 0; t < tiles_.size(); ++t) {
        state_[t].peak_mC = network_.tile_temperature_mC(t);
        sensors_mC_[t] = static_cast<uint32_t>(network_.tile_temperature_mC(t));
        if (config_.start_point > 0) {
            state_[t].requested = state_[t].point = config_.start_point;
            apply_point(t);
        }
    }
    register_stats();
    SC_HAS_PROCESS(PowerMonitor);
    SC_THREAD(run);
}

void PowerMonitor::apply_point(size_t tile) {
    const uint64_t period_ps = 1'000'000ull / config_.operating_points[state_[tile].point].frequency_mhz;
    tiles_[tile].clock->set_period(sc_core::sc_time::from_value(period_ps));
}

void PowerMonitor::run() {
    const sc_core::sc_time interval = sc_core::sc_time::from_value(config_.sample_interval_ns * 1000);
    for (;;) {
        wait(interval);
        sample(static_cast<double>(config_.sample_interval_ns) * 1e-9);
        // Go on only while something else is going on: otherwise the run is over (or deadlocked), and this thread
        // must not keep the simulation alive.
        if (sc_core::sc_time_to_pending_activity() == sc_core::sc_max_time()) return;
    }
}

void PowerMonitor::sample(double interval_s) {
    const double nominal_mv = config_.operating_points.front().voltage_mv;
    std::vector<double> power_w(tiles_.size());
    for (size_t t = 0; t < tiles_.size(); ++t) {
        TileState& s = state_[t];
        const Activity now = tiles_[t].activity();
        Activity delta;
        delta.int8_macs = now.int8_macs - s.last.int8_macs;
        delta.bf16_macs = now.bf16_macs - s.last.bf16_macs;
        delta.vector_elements = now.vector_elements - s.last.vector_elements;
        delta.sram_bytes = now.sram_bytes - s.last.sram_bytes;
        delta.dma_bytes = now.dma_bytes - s.last.dma_bytes;
        delta.core_instructions = now.core_instructions - s.last.core_instructions;
        s.last = now;
        const double voltage_ratio = config_.operating_points[s.point].voltage_mv / nominal_mv;
        const double dynamic = dynamic_energy_j(delta, config_.energy, voltage_ratio);
        const double leakage =
            leakage_power_w(config_.leakage, network_.tile_temperature_mC(t), voltage_ratio) * interval_s;
        const double charged_pj = tiles_[t].charged_energy_pj ? tiles_[t].charged_energy_pj() : 0.0;
        const double charged = charged_energy_j(s.last_charged_pj, charged_pj);
        s.last_charged_pj = charged_pj;
        const double energy = dynamic + charged + leakage;
        s.dynamic_j += dynamic;
        s.charged_j += charged;
        s.leakage_j += leakage;
        s.energy_j += energy;
        power_w[t] = energy / interval_s;
    }
    network_.step(interval_s, power_w);
    elapsed_s_ += interval_s;
    ++samples_;
    const bool keep = history_.takes_next();  // most samples are not kept once the run is long
    PowerSample record;
    if (keep) {
        record.time_ps = sc_core::sc_time_stamp().value();
        record.power_w = power_w;
    }
    for (size_t t = 0; t < tiles_.size(); ++t) {
        TileState& s = state_[t];
        const double temperature = network_.tile_temperature_mC(t);
        s.peak_mC = std::max(s.peak_mC, temperature);
        s.temperature_time_integral += temperature * interval_s;
        sensors_mC_[t] = static_cast<uint32_t>(std::floor(temperature / config_.sensor_step_mC) * config_.sensor_step_mC);
        s.power_w = power_w[t];
        if (s.throttle > 0) s.throttled_ps += config_.sample_interval_ns * 1000;
        // The hardware throttle, on the quantised sensor: it sets a floor under the operating point.
        if (sensors_mC_[t] > config_.tj_max_mC && s.throttle + 1 < config_.operating_points.size()) {
            ++s.throttle;
            ++s.throttle_steps;
        } else if (s.throttle > 0 && sensors_mC_[t] + config_.hysteresis_mC < config_.tj_max_mC) {
            --s.throttle;
        }
        update_point(t);
        update_alarm(t);
        if (keep) {
            record.temperature_mC.push_back(temperature);
            record.frequency_mhz.push_back(config_.operating_points[s.point].frequency_mhz);
        }
        if (tracer_) {
            const uint64_t now = sc_core::sc_time_stamp().value();
            tracer_->change_real(trace_signals_[t].temperature, now, temperature / 1000.0);
            tracer_->change_real(trace_signals_[t].power, now, power_w[t]);
            tracer_->change_real(trace_signals_[t].frequency, now,
                                 config_.operating_points[s.point].frequency_mhz);
        }
    }
    history_.record(std::move(record));
}

void PowerMonitor::attach_tracer(trace::Tracer& tracer) {
    tracer_ = &tracer;
    trace_signals_.resize(tiles_.size());
    for (size_t t = 0; t < tiles_.size(); ++t) {
        const std::string scope = tiles_[t].tile_trace_scope + ".power.";
        trace_signals_[t].temperature = tracer.declare_real(scope + "temperature_C");
        trace_signals_[t].power = tracer.declare_real(scope + "power_W");
        trace_signals_[t].frequency = tracer.declare_real(scope + "frequency_MHz");
    }
}

void PowerMonitor::update_point(size_t tile) {
    TileState& s = state_[tile];
    const size_t point = std::max(s.requested, s.throttle);
    if (point == s.point) return;
    s.point = point;
    apply_point(tile);
}

void PowerMonitor::update_alarm(size_t tile) {
    TileState& s = state_[tile];
    if (s.alarm_threshold_mC && sensors_mC_[tile] >= s.alarm_threshold_mC) s.alarm = true;
    if (tiles_[tile].alarm_line) tiles_[tile].alarm_line(s.alarm);
}

uint32_t PowerMonitor::power_mw(size_t tile) const {
    return static_cast<uint32_t>(state_[tile].power_w * 1000.0 + 0.5);
}

void PowerMonitor::request_point(size_t tile, uint64_t point) {
    TileState& s = state_[tile];
    if (point >= config_.operating_points.size()) {
        s.error = true;  // a defined register error; the request stays as it was
        return;
    }
    s.requested = point;
    ++s.requests;
    update_point(tile);
}

void PowerMonitor::set_alarm_threshold(size_t tile, uint32_t threshold_mC) {
    state_[tile].alarm_threshold_mC = threshold_mC;
    update_alarm(tile);
}

void PowerMonitor::write_alarm_status(size_t tile, bool clear) {
    if (clear) state_[tile].alarm = false;
    update_alarm(tile);  // still at or above the threshold: set again at once
}

void PowerMonitor::register_stats() {
    const double* elapsed = &elapsed_s_;
    for (size_t t = 0; t < tiles_.size(); ++t) {
        tile_stats_.push_back(std::make_unique<StatsGroup>(*tiles_[t].tile_stats, "power"));
        StatsGroup& group = *tile_stats_.back();
        const TileState* s = &state_[t];
        group.derived(
            "energy_j", [s] { return s->energy_j; }, StatUnit::Joules, "energy (dynamic + memory_network + leakage)");
        group.derived(
            "dynamic_energy_j", [s] { return s->dynamic_j; }, StatUnit::Joules,
            "switching energy of the tile's logic and SRAM (activity x energy per event x (V/V_nom)^2)");
        group.derived(
            "memory_network_energy_j", [s] { return s->charged_j; }, StatUnit::Joules,
            "what the mesh (this router), the HBM channels and the link ports attached here charged");
        group.derived("leakage_energy_j", [s] { return s->leakage_j; }, StatUnit::Joules, "leakage energy");
        // The activity the energy was computed from (up to the last sample).
        group.counter("activity.int8_macs", s->last.int8_macs, StatUnit::Count, "INT8 MACs");
        group.counter("activity.bf16_macs", s->last.bf16_macs, StatUnit::Count, "BF16 MACs");
        group.counter("activity.vector_elements", s->last.vector_elements, StatUnit::Count, "vector elements");
        group.counter("activity.sram_bytes", s->last.sram_bytes, StatUnit::Bytes, "scratchpad/accumulator bytes");
        group.counter("activity.dma_bytes", s->last.dma_bytes, StatUnit::Bytes, "DMA bytes");
        group.counter("activity.core_instructions", s->last.core_instructions, StatUnit::Count, "core instructions");
        group.derived("average_w", [s, elapsed] { return *elapsed > 0 ? s->energy_j / *elapsed : 0.0; },
                      StatUnit::Watts, "average power over the sampled time");
        group.derived("peak_temperature_mC", [s] { return s->peak_mC; }, StatUnit::MilliCelsius,
                      "hottest die temperature");
        group.derived("average_temperature_mC", [s, elapsed] {
            return *elapsed > 0 ? s->temperature_time_integral / *elapsed : 0.0;
        }, StatUnit::MilliCelsius, "time-averaged die temperature");
        group.counter("throttled_ps", s->throttled_ps, StatUnit::Picoseconds, "time below the fastest operating point");
        group.counter("throttle_steps", s->throttle_steps, StatUnit::Count, "times the throttle stepped down");
        group.counter("firmware_requests", s->requests, StatUnit::Count, "operating points firmware requested");
    }
    const std::vector<TileState>* states = &state_;
    stats_.derived("energy_j", [states] {
        double sum = 0;
        for (const auto& s : *states) sum += s.energy_j;
        return sum;
    }, StatUnit::Joules, "chip energy");
    stats_.derived("average_w", [states, elapsed] {
        double sum = 0;
        for (const auto& s : *states) sum += s.energy_j;
        return *elapsed > 0 ? sum / *elapsed : 0.0;
    }, StatUnit::Watts, "chip average power over the sampled time");
    stats_.derived("peak_temperature_mC", [states] {
        double peak = 0;
        for (const auto& s : *states) peak = std::max(peak, s.peak_mC);
        return peak;
    }, StatUnit::MilliCelsius, "hottest die temperature of any tile");
    stats_.derived(
        "memory_network_energy_j",
        [states] {
            double sum = 0;
            for (const auto& s : *states) sum += s.charged_j;
            return sum;
        },
        StatUnit::Joules, "of energy_j: what the mesh, the HBM stacks and the link ports charged to the tiles");
    stats_.derived(
        "throttled_tiles",
        [states] {
            double tiles = 0;
            for (const auto& s : *states) tiles += s.throttled_ps > 0 ? 1 : 0;
            return tiles;
        },
        StatUnit::Count, "tiles that spent time below their fastest operating point because of the throttle");
    stats_.counter("samples", samples_, StatUnit::Count, "power/thermal samples taken");
}

}  // namespace npuemu::power
