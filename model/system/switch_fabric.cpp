#include "model/system/switch_fabric.h"

#include <algorithm>
#include <cmath>

namespace npuemu::system {

SwitchFabric::SwitchFabric(uint32_t ports, double port_bytes_per_ps, double oversubscription) {
    if (oversubscription > 1.0 && ports > 0) bytes_per_ps_ = ports * port_bytes_per_ps / oversubscription;
}

uint64_t SwitchFabric::cross(uint64_t head_ps, uint64_t tail_ps, uint64_t wire_bytes) {
    if (!limits()) return tail_ps;
    const uint64_t hold_ps =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(static_cast<double>(wire_bytes) / bytes_per_ps_)));
    const uint64_t start = calendar_.reserve(head_ps, hold_ps);
    busy_ps_ += hold_ps;
    const uint64_t moved = start + hold_ps;
    if (moved > tail_ps) wait_ps_ += moved - tail_ps;
    return std::max(moved, tail_ps);
}

}  // namespace npuemu::system
