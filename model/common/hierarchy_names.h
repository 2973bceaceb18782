// The one naming rule for a block's statistics, trace scopes and GDB's `monitor stats`: a block is named by its
// place in the SystemC module hierarchy. Traces keep the top module ("chip.tile3.npu.dma.busy"); statistics leave it
// out ("tile3.npu.dma.bytes"), since a stats file belongs to one run of one top module. In a system of chips the
// top is the system and every name starts with the chip ("chip2.tile3.npu.dma.bytes").
#pragma once

#include <systemc>

#include <string>

namespace npuemu {

// The module's trace scope: its full hierarchical name.
inline std::string trace_scope(const sc_core::sc_object& module) { return module.name(); }

// The module's name below an ancestor ("tile3.npu.dma" below "chip"); the full name if it is not below it.
inline std::string name_below(const sc_core::sc_object& ancestor, const sc_core::sc_object& module) {
    const std::string full = module.name(), top = ancestor.name();
    if (full.size() > top.size() && full.compare(0, top.size(), top) == 0 && full[top.size()] == '.') {
        return full.substr(top.size() + 1);
    }
    return full;
}

}  // namespace npuemu
