// A system of chips (configs/systems/*.yaml): the chips (each a chip config with overrides, so systems may mix
// chips), grouped into nodes of chips_per_node; the chip-to-chip links (explicit pairs, or generated inside each
// node: fully connected, ring, 2-D torus); and between nodes a switch (one port per chip). Loaded like chip configs:
// every bad value names file, line, column and key; `--set` overrides any key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config/chip_config.h"
#include "model/link/link_config.h"

namespace npuemu::system {

enum class NodeTopology { None, FullyConnected, Ring, Torus2D };

struct LinkEnd {
    uint32_t chip = 0;
    uint32_t port = 0;
};

// A link between two chip ports, or between a chip port and a switch port (b.chip == kSwitch).
struct LinkSpec {
    static constexpr uint32_t kSwitch = 0xFFFFFFFFu;
    LinkEnd a, b;
    link::ChipLinkConfig config;
    bool to_switch() const { return b.chip == kSwitch; }
};

struct SwitchConfig {
    bool present = false;
    link::ChipLinkConfig port;       // each chip-to-switch link
    uint64_t latency_ns = 500;       // through the switch, port to port
    double oversubscription = 1.0;   // the switch's fabric carries ports x port rate / this
};

struct SystemConfig {
    std::string name = "unnamed";
    std::string source_file;
    std::vector<config::ChipConfig> chips;
    uint32_t chips_per_node = 1;
    uint32_t ports_per_chip = 0;     // link ports on each chip's mesh (west and east edges, alternately)
    NodeTopology topology = NodeTopology::None;
    std::vector<LinkSpec> links;     // every link, chip-to-chip and chip-to-switch
    SwitchConfig network_switch;

    uint32_t node_count() const { return (static_cast<uint32_t>(chips.size()) + chips_per_node - 1) / chips_per_node; }
    uint32_t node_of(uint32_t chip) const { return chip / chips_per_node; }
};

// Loads a system description; overrides are "key.path=value" (as `npuemu run --system FILE --set ...`).
// chip configs named in it are found as files (relative to the system file) or as presets in configs/.
SystemConfig load_system_config(const std::string& file, const std::vector<std::string>& overrides = {});

// A system of one chip: what `npuemu run` without --system simulates.
SystemConfig single_chip_system(config::ChipConfig chip);

}  // namespace npuemu::system
