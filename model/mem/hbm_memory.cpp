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
    SC_HAS_PROCESS(HbmMemory);
    SC_METHOD(service);
    sensitive << wake_;
    dont_initialize();
}

void HbmMemory::submit(uint32_t pseudo_channel, const HbmRequest& request) {
    controllers_[pseudo_channel].submit(request);
    // No decision about it can come before it arrives (an earlier wake only advances the controller sooner).
    wake_for(request.arrival_ps);
}

void HbmMemory::wake_for(uint64_t decision_ps) {
    if (decision_ps == UINT64_MAX) return;
    // A decision at time d may be made once simulated time is past d - lookahead (everything arriving by d is known
    // then), and must be made before d + the read latency (its requester acts at its completion). Waking at d
    // itself and deciding a lookahead's worth ahead batches the most decisions per wake-up.
    const uint64_t now = sc_core::sc_time_stamp().value();
    const uint64_t wake = std::max(decision_ps + (lookahead_ps_ == 0 ? 1 : 0), now + 1);
    if (wake >= wake_at_ps_) return;
    wake_at_ps_ = wake;
    wake_.notify(sc_core::sc_time::from_value(wake - now));
}

void HbmMemory::advance_all(uint64_t until_ps, bool every_controller) {
    // A completion is not reported before the time it is decided at: with no front-end lookahead, an early write
    // acknowledgement decided at d is made a picosecond later, and its requester must not see it in its past.
    const uint64_t now = sc_core::sc_time_stamp().value();
    for (HbmChannelController& controller : controllers_) {
        if (every_controller || controller.next_decision_ps() < until_ps) {
            controller.advance(until_ps, [this, now](uint64_t tag, uint64_t done_ps) {
                done_.emplace_back(tag, std::max(done_ps, now));
            });
        }
    }
    // Completions may submit new requests (a response's next leg): only after every controller has advanced.
    std::vector<std::pair<uint64_t, uint64_t>> batch;
    batch.swap(done_);
    for (const auto& [tag, done_ps] : batch) sink_(tag, done_ps);
}

void HbmMemory::service() {
    const uint64_t now = sc_core::sc_time_stamp().value();
    wake_at_ps_ = UINT64_MAX;
    advance_all(now + lookahead_ps_, false);
    uint64_t next = UINT64_MAX;
    for (const HbmChannelController& controller : controllers_) next = std::min(next, controller.next_decision_ps());
    wake_for(next);
}

void HbmMemory::settle(uint64_t until_ps) { advance_all(until_ps, true); }

}  // namespace npuemu::mem
