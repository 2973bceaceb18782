#include "model/npu/doorbell_receiver.h"

#include <algorithm>

namespace npuemu::npu {

DoorbellReceiver::DoorbellReceiver(sc_core::sc_module_name name, Semaphores& semaphores)
    : sc_module(name), semaphores_(semaphores) {
    SC_HAS_PROCESS(DoorbellReceiver);
    SC_METHOD(deliver_due);
    sensitive << due_;
    dont_initialize();
}

void DoorbellReceiver::ring(uint64_t arrival_ps, unsigned flag) {
    const uint64_t now = sc_core::sc_time_stamp().value();
    pending_.emplace(std::make_pair(std::max(arrival_ps, now), sequence_++), flag);
    due_.notify(sc_core::sc_time::from_value(pending_.begin()->first.first - now));
}

void DoorbellReceiver::deliver_due() {
    const uint64_t now = sc_core::sc_time_stamp().value();
    while (!pending_.empty() && pending_.begin()->first.first <= now) {
        semaphores_.signal(pending_.begin()->second);
        pending_.erase(pending_.begin());
    }
    if (!pending_.empty()) due_.notify(sc_core::sc_time::from_value(pending_.begin()->first.first - now));
}

}  // namespace npuemu::npu
