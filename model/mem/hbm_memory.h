// The HBM stacks as a SystemC block: one controller per pseudo channel (HbmChannelController, plain C++) and one
// process that advances them. Requests are submitted with the time they reach a controller's scheduler; the
// process makes the controllers' decisions in batches, each batch as far ahead of simulated time as the
// controllers' front-end latency allows (no request submitted later can arrive earlier than that), so it wakes
// about once per front-end latency while there is work and never while there is none. Completions go to one sink.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "model/common/stats.h"
#include "model/mem/hbm_address_map.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"

namespace npuemu::mem {

class HbmMemory : public sc_core::sc_module {
public:
    HbmMemory(sc_core::sc_module_name name, const HbmConfig& config);

    const HbmConfig& config() const { return config_; }
    const HbmAddressMap& address_map() const { return address_map_; }
    uint32_t pseudo_channels() const { return static_cast<uint32_t>(controllers_.size()); }
    const HbmChannelController& controller(uint32_t pseudo_channel) const { return controllers_[pseudo_channel]; }
    // Energy of pseudo channel pc's DRAM commands so far (command_energy_pj of its controller's counts), in pJ.
    double energy_pj(uint32_t pseudo_channel) const;
    // From a request's arrival at its channel's port to its arrival at the scheduler.
    uint64_t frontend_latency_ps() const { return frontend_ps_; }

    using DoneSink = std::function<void(uint64_t tag, uint64_t done_ps)>;
    void set_done_sink(DoneSink sink) { sink_ = std::move(sink); }
    // request.arrival_ps must be at least the current time plus frontend_latency_ps().
    void submit(uint32_t pseudo_channel, const HbmRequest& request);
    // End of the run: every controller decided up to until_ps (refreshes of idle channels counted), and the
    // channels' latency histograms merged into the stacks'.
    void settle(uint64_t until_ps);

private:
    void register_stats();
    void service();
    // Advances the controllers with a decision before until_ps (every_controller: all of them) and delivers the
    // completions.
    void advance_all(uint64_t until_ps, bool every_controller);
    void wake_for(uint64_t decision_ps);

    StatsGroup stats_{*this};
    std::vector<std::unique_ptr<StatsGroup>> channel_stats_;  // "s0.ch1.pc0", per pseudo channel
    LatencyHistogram read_latency_all_, write_latency_all_;   // every channel's, merged by settle()
    HbmConfig config_;
    HbmAddressMap address_map_;
    std::vector<HbmChannelController> controllers_;
    // Each controller's next_decision_ps(), as of its last submit() or advance() (nothing else changes it): a wake-up
    // scans these 64 figures instead of calling into every controller, whose state is cold by then.
    std::vector<uint64_t> next_decision_ps_;
    uint64_t frontend_ps_;
    uint64_t lookahead_ps_;  // decisions may be made this far ahead of simulated time
    DoneSink sink_;
    std::vector<std::pair<uint64_t, uint64_t>> done_;        // (tag, done_ps) collected while advancing
    std::vector<std::pair<uint64_t, uint64_t>> delivering_;  // the batch being handed to the sink
    sc_core::sc_event wake_;
    uint64_t wake_at_ps_ = UINT64_MAX;  // the pending wake-up, if any
};

}  // namespace npuemu::mem
