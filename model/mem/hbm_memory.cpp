#include "model/mem/hbm_memory.h"

#include <algorithm>

namespace npuemu::mem {

HbmMemory::HbmMemory(sc_core::sc_module_name name, const HbmConfig& config)
    : sc_module(name),
      config_(config),
      address_map_(config),
      frontend_ps_(config.clock_period_ps() * config.controller.frontend_latency_cycles),
      lookahead_ps_(frontend_ps_) {
    controllers_.reserve(config.geometry.pseudo_channels());
    for (uint32_t pc = 0; pc < config.geometry.pseudo_channels(); ++pc) controllers_.emplace_back(config);
    next_decision_ps_.assign(controllers_.size(), UINT64_MAX);
    register_stats();
    SC_HAS_PROCESS(HbmMemory);
    SC_METHOD(service);
    sensitive << wake_;
    dont_initialize();
}

void HbmMemory::submit(uint32_t pseudo_channel, const HbmRequest& request) {
    HbmChannelController& controller = controllers_[pseudo_channel];
    controller.submit(request);
    next_decision_ps_[pseudo_channel] = controller.next_decision_ps();
    // No decision about it can come before it arrives (an earlier wake only advances the controller sooner).
    wake_for(request.arrival_ps);
}

void HbmMemory::wake_for(uint64_t decision_ps) {
    if (decision_ps == UINT64_MAX) return;
    // A decision at time d may be made once simulated time is past d - lookahead (everything arriving by d is known
    // then), and must be made before d + the read latency (its requester acts at its completion). Waking at d
    // itself and deciding a lookahead's worth ahead batches the most decisions per wake-up.
    const uint64_t earliest = decision_ps + (lookahead_ps_ == 0 ? 1 : 0);
    if (earliest >= wake_at_ps_) return;  // the wake-up below would be no earlier (without asking SystemC the time)
    const uint64_t now = sc_core::sc_time_stamp().value();
    const uint64_t wake = std::max(earliest, now + 1);
    if (wake >= wake_at_ps_) return;
    wake_at_ps_ = wake;
    wake_.notify(sc_core::sc_time::from_value(wake - now));
}

void HbmMemory::advance_all(uint64_t until_ps, bool every_controller) {
    // A completion is not reported before the time it is decided at: with no front-end lookahead, an early write
    // acknowledgement decided at d is made a picosecond later, and its requester must not see it in its past.
    const uint64_t now = sc_core::sc_time_stamp().value();
    const HbmChannelController::DoneCallback collect = [this, now](uint64_t tag, uint64_t done_ps) {
        done_.emplace_back(tag, std::max(done_ps, now));
    };
    for (size_t pc = 0; pc < controllers_.size(); ++pc) {
        if (!every_controller && next_decision_ps_[pc] >= until_ps) continue;
        controllers_[pc].advance(until_ps, collect);
        next_decision_ps_[pc] = controllers_[pc].next_decision_ps();
    }
    // Completions may submit new requests (a response's next leg): only after every controller has advanced. Both
    // lists keep their capacity from one batch to the next.
    delivering_.swap(done_);
    for (const auto& [tag, done_ps] : delivering_) sink_(tag, done_ps);
    delivering_.clear();
}

void HbmMemory::service() {
    const uint64_t now = sc_core::sc_time_stamp().value();
    wake_at_ps_ = UINT64_MAX;
    advance_all(now + lookahead_ps_, false);
    uint64_t next = UINT64_MAX;
    for (const uint64_t decision_ps : next_decision_ps_) next = std::min(next, decision_ps);
    wake_for(next);
}

void HbmMemory::settle(uint64_t until_ps) {
    advance_all(until_ps, true);
    read_latency_all_ = LatencyHistogram();
    write_latency_all_ = LatencyHistogram();
    for (const auto& controller : controllers_) {
        read_latency_all_.merge(controller.stats().read_latency_ps);
        write_latency_all_.merge(controller.stats().write_latency_ps);
    }
}

double HbmMemory::energy_pj(uint32_t pseudo_channel) const {
    return command_energy_pj(controllers_[pseudo_channel].stats(), config_);
}

void HbmMemory::register_stats() {
    const HbmGeometry& g = config_.geometry;
    const uint32_t per_stack = g.channels_per_stack * g.pseudo_channels_per_channel;
    std::vector<const HbmChannelStats*> all;
    for (uint32_t pc = 0; pc < pseudo_channels(); ++pc) {
        const std::string name = "s" + std::to_string(pc / per_stack) + ".ch" +
                                 std::to_string(pc % per_stack / g.pseudo_channels_per_channel) + ".pc" +
                                 std::to_string(pc % g.pseudo_channels_per_channel);
        channel_stats_.push_back(std::make_unique<StatsGroup>(stats_, name));
        controllers_[pc].stats().register_in(*channel_stats_.back(), config_.clock_period_ps());
        channel_stats_.back()->derived(
            "energy_j", [this, pc] { return energy_pj(pc) * 1e-12; }, StatUnit::Joules,
            "the stack's energy for this pseudo channel's ACTs and column commands");
        all.push_back(&controllers_[pc].stats());
    }
    auto sum = [all](uint64_t HbmChannelStats::*field) {
        double total = 0;
        for (const auto* s : all) total += static_cast<double>(s->*field);
        return total;
    };
    auto elapsed_ps = [] { return static_cast<double>(sc_core::sc_time_stamp().value()); };
    stats_.derived(
        "read_bytes", [sum] { return sum(&HbmChannelStats::read_bytes); }, StatUnit::Bytes, "bytes read, all channels");
    stats_.derived(
        "write_bytes", [sum] { return sum(&HbmChannelStats::write_bytes); }, StatUnit::Bytes,
        "bytes written, all channels");
    const double peak_bytes_per_ps = config_.peak_bytes_per_second() / 1e12;
    stats_.derived(
        "peak_gbps", [peak_bytes_per_ps] { return peak_bytes_per_ps * 1000.0; }, StatUnit::GigabytesPerSecond,
        "theoretical peak: pins x data rate, all stacks");
    stats_.derived(
        "bandwidth_gbps",
        [sum, elapsed_ps] {
            const double ps = elapsed_ps();
            return ps > 0 ? (sum(&HbmChannelStats::read_bytes) + sum(&HbmChannelStats::write_bytes)) / ps * 1000.0
                          : 0.0;
        },
        StatUnit::GigabytesPerSecond, "bytes read and written per second over the whole run");
    stats_.derived(
        "row_hit_rate",
        [sum] {
            const double columns = sum(&HbmChannelStats::row_hits) + sum(&HbmChannelStats::row_misses) +
                                   sum(&HbmChannelStats::row_conflicts);
            return columns > 0 ? sum(&HbmChannelStats::row_hits) / columns : 0.0;
        },
        StatUnit::Ratio, "row hits / column commands, all channels");
    stats_.derived(
        "activates", [sum] { return sum(&HbmChannelStats::activates); }, StatUnit::Count, "ACT commands, all channels");
    stats_.derived(
        "refreshes", [sum] { return sum(&HbmChannelStats::refreshes); }, StatUnit::Count,
        "refresh commands, all channels");
    stats_.derived(
        "turnarounds",
        [sum] {
            return sum(&HbmChannelStats::read_to_write_turnarounds) + sum(&HbmChannelStats::write_to_read_turnarounds);
        },
        StatUnit::Count, "data bus direction changes, all channels");
    stats_.derived(
        "average_queue_occupancy",
        [sum, elapsed_ps] {
            const double ps = elapsed_ps();
            return ps > 0 ? sum(&HbmChannelStats::occupancy_integral_ps) / ps : 0.0;
        },
        StatUnit::Count, "requests in all controllers, averaged over the run");
    stats_.derived(
        "energy_j",
        [this] {
            double pj = 0;
            for (uint32_t pc = 0; pc < pseudo_channels(); ++pc) pj += energy_pj(pc);
            return pj * 1e-12;
        },
        StatUnit::Joules, "the stacks' energy for ACTs and column commands, all channels (hbm.energy.*)");
    stats_.histogram("read_latency", read_latency_all_, "HBM read, arrival at the scheduler to last data");
    stats_.histogram("write_latency", write_latency_all_, "HBM write, arrival at the scheduler to data written");
}

}  // namespace npuemu::mem
