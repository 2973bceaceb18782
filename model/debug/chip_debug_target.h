// The DebugTarget of a whole chip: one GDB thread per hart, registers and memory through each tile's core, and run
// control through a core::DebugControl that every core of the chip checks at its block boundaries.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/common/stats.h"
#include "model/core/debug_control.h"
#include "model/debug/debug_target.h"
#include "model/soc/chip.h"

namespace npuemu::debug {

class ChipDebugTarget : public DebugTarget {
public:
    // Puts every core of the chip under this target's run control. stats may be null (no `monitor stats`).
    ChipDebugTarget(soc::Chip& chip, const StatsRegistry* stats);

    core::DebugControl& control() { return control_; }
    bool killed() const { return killed_; }
    // A stop the cores recorded, as GDB's stop reply says it.
    StopEvent stop_event(const core::DebugControl::Stop& stop) const;
    // A client connected or interrupted: every hart stops; faults and ebreak stop while attached.
    void attach();
    unsigned first_alive_hart() const;
    // The hart a stop that no hart caused (Ctrl-C) names: `preferred` if it is alive and was resumed, else the
    // first such hart, else the first alive one. GDB expects the thread of a stop to be one it resumed.
    unsigned hart_for_stop(unsigned preferred) const;

    // GDB's signal for an unhandled trap (mcause): SIGILL, SIGSEGV, SIGBUS, ...
    static int signal_for_cause(uint32_t mcause);

    // DebugTarget
    unsigned hart_count() const override;
    bool hart_alive(unsigned hart) const override;
    std::string hart_description(unsigned hart) const override;
    std::string target_description_xml() const override;
    bool read_register(unsigned hart, unsigned regnum, uint32_t& value) override;
    bool write_register(unsigned hart, unsigned regnum, uint32_t value) override;
    size_t read_memory(unsigned hart, uint32_t addr, uint8_t* data, size_t length) override;
    size_t write_memory(unsigned hart, uint32_t addr, const uint8_t* data, size_t length) override;
    bool insert_trigger(TriggerKind kind, uint32_t addr, uint32_t length) override;
    bool remove_trigger(TriggerKind kind, uint32_t addr, uint32_t length) override;
    void resume(const std::vector<HartResume>& actions) override;
    bool monitor(const std::string& command, std::string& output) override;
    void kill() override;
    void detach() override;

private:
    core::Rv32Hart& hart(unsigned h);
    void rebuild_triggers();

    soc::Chip& chip_;
    const StatsRegistry* stats_;
    core::DebugControl control_;
    // Inserted triggers with how many times each was inserted (GDB may insert one address twice).
    std::map<uint32_t, unsigned> software_breaks_;
    std::map<uint32_t, unsigned> hardware_breaks_;
    struct WatchKey {
        TriggerKind kind;
        uint32_t addr;
        uint32_t length;
        bool operator<(const WatchKey& o) const {
            return std::tie(kind, addr, length) < std::tie(o.kind, o.addr, o.length);
        }
    };
    std::map<WatchKey, unsigned> watches_;
    std::vector<bool> resumed_;  // by the last resume()
    bool killed_ = false;
};

}  // namespace npuemu::debug
