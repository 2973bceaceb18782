#include "model/system/system.h"

#include <string>

namespace npuemu::system {

soc::ChipPlacement chip_placement(const SystemConfig& config, uint32_t chip) {
    soc::ChipPlacement placement;
    placement.chip_id = chip;
    placement.chip_count = static_cast<uint32_t>(config.chips.size());
    placement.node_id = config.node_of(chip);
    placement.node_count = config.node_count();
    placement.link_peers.assign(config.ports_per_chip, soc::ChipPlacement::kPortUnconnected);
    for (const LinkSpec& link : config.links) {
        if (link.a.chip == chip) {
            placement.link_peers[link.a.port] = link.to_switch() ? soc::ChipPlacement::kPortToSwitch : link.b.chip;
        }
        if (!link.to_switch() && link.b.chip == chip) placement.link_peers[link.b.port] = link.a.chip;
    }
    return placement;
}

System::System(sc_core::sc_module_name name, const SystemConfig& config, std::ostream& console)
    : sc_module(name), config_(config) {
    for (uint32_t c = 0; c < config.chips.size(); ++c) {
        chips_.push_back(std::make_unique<soc::Chip>(("chip" + std::to_string(c)).c_str(), config.chips[c], console,
                                                     std::nullopt, chip_placement(config, c)));
        chips_.back()->run_control().set_on_finish([this, c] { chip_finished(c); });
    }
    const uint32_t count = static_cast<uint32_t>(chips_.size());
    std::vector<soc::Chip*> chips;
    for (auto& chip : chips_) chips.push_back(chip.get());
    fabric_ = std::make_unique<SystemFabric>(config, chips, stats_);
    for (uint32_t c = 0; c < count; ++c) {
        gateways_.push_back(std::make_unique<ChipGateway>(("gateway" + std::to_string(c)).c_str(), count));
        chips_[c]->attach_other_chips(gateways_.back()->target_socket, count);
        for (auto& other : chips_) other->accept_from_other_chips(gateways_.back()->initiator_socket);
        chips_[c]->memory_system().join_system(*fabric_, c);
    }
}

void System::chip_finished(size_t chip) {
    // A fault or an abort on one chip ends the system's run; exits end it when the last chip's harts have exited.
    if (stopped_) return;
    if (!chips_[chip]->run_control().ended_early()) {
        for (const auto& other : chips_) {
            if (!other->run_control().finished()) return;
        }
    }
    stopped_ = true;
    sc_core::sc_stop();
}

}  // namespace npuemu::system
