// Where a chip sits in a system of chips: its index, its node, and what each of its link ports leads to. A chip that
// runs alone is chip 0 of 1 with no link ports. Firmware reads it through the chip-info registers.
#pragma once

#include <cstdint>
#include <vector>

namespace npuemu::soc {

struct ChipPlacement {
    static constexpr uint32_t kPortToSwitch = 0xFFFFFFFEu;
    static constexpr uint32_t kPortUnconnected = 0xFFFFFFFFu;

    uint32_t chip_id = 0;
    uint32_t chip_count = 1;
    uint32_t node_id = 0;
    uint32_t node_count = 1;
    std::vector<uint32_t> link_peers;  // per port: the chip at the far end, kPortToSwitch or kPortUnconnected

    bool in_system() const { return chip_count > 1; }
};

}  // namespace npuemu::soc
