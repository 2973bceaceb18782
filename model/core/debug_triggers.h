// Breakpoints and watchpoints as the ISS checks them, and why a hart stopped for the debugger. Plain C++: the
// debugger owns one DebugTriggers for the chip (all harts share the breakpoints, as in GDB's all-stop mode) and each
// hart only reads it, on its debug run path (Rv32Hart::set_debug).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace npuemu::core {

struct Watchpoint {
    uint32_t addr = 0;
    uint32_t length = 1;
    bool on_read = false;
    bool on_write = false;
};

struct DebugTriggers {
    std::vector<uint32_t> breakpoints;  // sorted and unique: software and hardware breakpoints alike
    std::vector<Watchpoint> watchpoints;

    bool empty() const { return breakpoints.empty() && watchpoints.empty(); }
    bool breakpoint_at(uint32_t pc) const {
        return !breakpoints.empty() && std::binary_search(breakpoints.begin(), breakpoints.end(), pc);
    }
    // The first watchpoint an access of [addr, addr + size) triggers, or nullptr.
    const Watchpoint* watch_hit(uint32_t addr, unsigned size, bool write) const {
        for (const Watchpoint& w : watchpoints) {
            if (!(write ? w.on_write : w.on_read)) continue;
            if (uint64_t(addr) + size > w.addr && uint64_t(w.addr) + w.length > addr) return &w;
        }
        return nullptr;
    }
};

// Why Rv32Hart::run() returned StopReason::Debug.
struct DebugStop {
    enum class Kind { None, Breakpoint, Watchpoint, Step, Ebreak };
    Kind kind = Kind::None;
    uint32_t data_address = 0;  // watchpoint: the first byte of the access inside the watched range
    bool write = false;         // watchpoint: the access was a store
    const Watchpoint* watchpoint = nullptr;
};

}  // namespace npuemu::core
