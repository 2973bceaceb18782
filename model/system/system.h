// A system of chips in one SystemC process: every chip of a system config, each told where it sits (chip id, node,
// what its link ports lead to). The run of a system is over when every chip's run is, or as soon as one chip faults
// or aborts. Statistics and trace scopes start with the chip ("chip2.tile3.npu.dma.bytes"); the links' and the
// fabric's are "links.c0p1-c1p0.*" and "fabric.*". A tile's DMA reaches chip c's address a at (c + 1) * 2^32 + a:
// the data through the chips' routers and gateways (DMI), the timing through the fabric.
#pragma once

#include <systemc>

#include <memory>
#include <ostream>
#include <vector>

#include "model/common/stats.h"
#include "model/soc/chip.h"
#include "model/soc/chip_placement.h"
#include "model/system/chip_gateway.h"
#include "model/system/system_config.h"
#include "model/system/system_fabric.h"

namespace npuemu::system {

// Chip `chip`'s place in the system: its node and, per link port, the chip (or switch) at the far end.
soc::ChipPlacement chip_placement(const SystemConfig& config, uint32_t chip);

class System : public sc_core::sc_module {
public:
    System(sc_core::sc_module_name name, const SystemConfig& config, std::ostream& console);

    StatsGroup& stats() { return stats_; }
    const SystemConfig& config() const { return config_; }
    std::vector<std::unique_ptr<soc::Chip>>& chips() { return chips_; }
    SystemFabric& fabric() { return *fabric_; }

private:
    void chip_finished(size_t chip);

    const SystemConfig& config_;
    StatsGroup stats_{*this};  // before the chips: their groups go below it
    std::vector<std::unique_ptr<soc::Chip>> chips_;
    std::vector<std::unique_ptr<ChipGateway>> gateways_;  // per chip: its way to the others' memory maps
    std::unique_ptr<SystemFabric> fabric_;                // and the links' timing
    bool stopped_ = false;
};

}  // namespace npuemu::system
