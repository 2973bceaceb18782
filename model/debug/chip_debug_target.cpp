#include "model/debug/chip_debug_target.h"

#include <cstdio>
#include <sstream>
#include <tuple>

#include "model/debug/rv32_target_description.h"

namespace npuemu::debug {

namespace {

constexpr size_t kMaxTriggers = 256;  // each kind; checks are per instruction on the debug path

}  // namespace

ChipDebugTarget::ChipDebugTarget(soc::Chip& chip, const StatsRegistry* stats)
    : chip_(chip), stats_(stats), control_(static_cast<unsigned>(chip.tiles().size())) {
    for (auto& tile : chip_.tiles()) tile->core().set_debug_control(&control_);
}

core::Rv32Hart& ChipDebugTarget::hart(unsigned h) { return chip_.tiles().at(h)->core().hart(); }

unsigned ChipDebugTarget::hart_count() const { return static_cast<unsigned>(chip_.tiles().size()); }

bool ChipDebugTarget::hart_alive(unsigned h) const { return h < hart_count() && !chip_.run_control().hart_done(h); }

unsigned ChipDebugTarget::first_alive_hart() const {
    for (unsigned h = 0; h < hart_count(); ++h) {
        if (hart_alive(h)) return h;
    }
    return 0;
}

unsigned ChipDebugTarget::hart_for_stop(unsigned preferred) const {
    auto resumed = [this](unsigned h) { return h < resumed_.size() && resumed_[h]; };
    if (hart_alive(preferred) && resumed(preferred)) return preferred;
    for (unsigned h = 0; h < hart_count(); ++h) {
        if (hart_alive(h) && resumed(h)) return h;
    }
    return hart_alive(preferred) ? preferred : first_alive_hart();
}

std::string ChipDebugTarget::hart_description(unsigned h) const {
    return h < hart_count() ? chip_.tiles()[h]->basename() : "?";
}

std::string ChipDebugTarget::target_description_xml() const { return rv32_target_description_xml(); }

bool ChipDebugTarget::read_register(unsigned h, unsigned regnum, uint32_t& value) {
    if (h >= hart_count()) return false;
    if (regnum < 32) { value = hart(h).reg(regnum); return true; }
    if (regnum == kRegPc) { value = hart(h).pc(); return true; }
    if (regnum >= kRegFirstCsr && regnum < kRegFirstCsr + 4096) {
        return hart(h).read_csr(static_cast<uint16_t>(regnum - kRegFirstCsr), value);
    }
    return false;
}

bool ChipDebugTarget::write_register(unsigned h, unsigned regnum, uint32_t value) {
    if (h >= hart_count()) return false;
    if (regnum < 32) { hart(h).set_reg(regnum, value); return true; }
    if (regnum == kRegPc) { hart(h).set_pc(value & ~3u); return true; }  // IALIGN = 32
    if (regnum >= kRegFirstCsr && regnum < kRegFirstCsr + 4096) {
        return hart(h).write_csr(static_cast<uint16_t>(regnum - kRegFirstCsr), value);
    }
    return false;
}

size_t ChipDebugTarget::read_memory(unsigned h, uint32_t addr, uint8_t* data, size_t length) {
    if (h >= hart_count()) return 0;
    return chip_.tiles()[h]->core().debug_access(false, addr, data, length);
}

size_t ChipDebugTarget::write_memory(unsigned h, uint32_t addr, const uint8_t* data, size_t length) {
    if (h >= hart_count()) return 0;
    return chip_.tiles()[h]->core().debug_access(true, addr, const_cast<uint8_t*>(data), length);
}

bool ChipDebugTarget::insert_trigger(TriggerKind kind, uint32_t addr, uint32_t length) {
    switch (kind) {
        case TriggerKind::SoftwareBreak:
        case TriggerKind::HardwareBreak: {
            auto& set = kind == TriggerKind::SoftwareBreak ? software_breaks_ : hardware_breaks_;
            if (!set.count(addr) && set.size() >= kMaxTriggers) return false;
            ++set[addr];
            break;
        }
        default:
            if (!watches_.count({kind, addr, length}) && watches_.size() >= kMaxTriggers) return false;
            ++watches_[{kind, addr, length}];
            break;
    }
    rebuild_triggers();
    return true;
}

bool ChipDebugTarget::remove_trigger(TriggerKind kind, uint32_t addr, uint32_t length) {
    auto drop = [](auto& map, const auto& key) {
        auto it = map.find(key);
        if (it == map.end()) return false;
        if (--it->second == 0) map.erase(it);
        return true;
    };
    bool removed;
    switch (kind) {
        case TriggerKind::SoftwareBreak: removed = drop(software_breaks_, addr); break;
        case TriggerKind::HardwareBreak: removed = drop(hardware_breaks_, addr); break;
        default: removed = drop(watches_, WatchKey{kind, addr, length}); break;
    }
    if (removed) rebuild_triggers();
    return removed;
}

void ChipDebugTarget::rebuild_triggers() {
    core::DebugTriggers& t = control_.triggers();
    t.breakpoints.clear();
    for (const auto& [addr, count] : software_breaks_) t.breakpoints.push_back(addr);
    for (const auto& [addr, count] : hardware_breaks_) t.breakpoints.push_back(addr);
    std::sort(t.breakpoints.begin(), t.breakpoints.end());
    t.breakpoints.erase(std::unique(t.breakpoints.begin(), t.breakpoints.end()), t.breakpoints.end());
    t.watchpoints.clear();
    for (const auto& [key, count] : watches_) {
        core::Watchpoint w;
        w.addr = key.addr;
        w.length = key.length;
        w.on_read = key.kind == TriggerKind::ReadWatch || key.kind == TriggerKind::AccessWatch;
        w.on_write = key.kind == TriggerKind::WriteWatch || key.kind == TriggerKind::AccessWatch;
        t.watchpoints.push_back(w);
    }
}

void ChipDebugTarget::resume(const std::vector<HartResume>& actions) {
    std::vector<core::DebugControl::Mode> modes(hart_count(), core::DebugControl::Mode::Hold);
    std::vector<int> signals(hart_count(), 0);
    for (unsigned h = 0; h < hart_count() && h < actions.size(); ++h) {
        switch (actions[h].action) {
            case HartResume::Action::Hold: modes[h] = core::DebugControl::Mode::Hold; break;
            case HartResume::Action::Continue: modes[h] = core::DebugControl::Mode::Run; break;
            case HartResume::Action::Step: modes[h] = core::DebugControl::Mode::Step; break;
        }
        signals[h] = actions[h].signal;
    }
    resumed_.assign(hart_count(), false);
    for (unsigned h = 0; h < hart_count(); ++h) resumed_[h] = modes[h] != core::DebugControl::Mode::Hold;
    control_.resume(modes, signals);
}

void ChipDebugTarget::attach() {
    control_.set_attached(true);
    control_.halt();
}

void ChipDebugTarget::kill() { killed_ = true; }

void ChipDebugTarget::detach() {
    software_breaks_.clear();
    hardware_breaks_.clear();
    watches_.clear();
    rebuild_triggers();
    control_.set_attached(false);
    control_.resume(std::vector<core::DebugControl::Mode>(hart_count(), core::DebugControl::Mode::Run),
                    std::vector<int>(hart_count(), 0));
}

int ChipDebugTarget::signal_for_cause(uint32_t mcause) {
    if (mcause & 0x80000000u) return gdb_signal::kTrap;  // an interrupt with no handler
    switch (mcause) {
        case 2: return gdb_signal::kIll;
        case 0: case 4: case 6: return gdb_signal::kBus;   // misaligned
        case 1: case 5: case 7: return gdb_signal::kSegv;  // access faults
        case 11: return 12;                                // ecall with no handler: SIGSYS
        default: return gdb_signal::kTrap;                 // ebreak with no handler, and anything else
    }
}

StopEvent ChipDebugTarget::stop_event(const core::DebugControl::Stop& stop) const {
    StopEvent event;
    event.hart = stop.hart;
    event.signal = gdb_signal::kTrap;
    if (stop.fault) {
        event.signal = signal_for_cause(stop.fault->cause);
        return event;
    }
    switch (stop.kind) {
        case core::DebugStop::Kind::Breakpoint: {
            const uint32_t pc = chip_.tiles()[stop.hart]->core().hart().pc();
            event.cause = software_breaks_.count(pc) ? StopEvent::Cause::SoftwareBreak : StopEvent::Cause::HardwareBreak;
            break;
        }
        case core::DebugStop::Kind::Watchpoint:
            event.cause = stop.watch_read && stop.watch_write ? StopEvent::Cause::AccessWatch
                          : stop.watch_read                  ? StopEvent::Cause::ReadWatch
                                                             : StopEvent::Cause::Watch;
            event.data_address = stop.data_address;
            break;
        case core::DebugStop::Kind::Step: event.cause = StopEvent::Cause::Step; break;
        default: break;  // ebreak: a plain SIGTRAP
    }
    return event;
}

bool ChipDebugTarget::monitor(const std::string& command_line, std::string& output) {
    std::istringstream words(command_line);
    std::string command, argument;
    words >> command >> argument;
    std::ostringstream out;
    const uint64_t period_ps = chip_.config().clock_period_ps();
    if (command.empty() || command == "help") {
        out << "npuemu monitor commands:\n"
               "  cycles          simulated time, and cycles, instructions and state per hart\n"
               "  stats [PREFIX]  the run's counters (those whose name starts with PREFIX)\n"
               "  reset           not supported (see docs/gdb.md): kill and start npuemu again\n";
        output = out.str();
        return true;
    }
    if (command == "cycles") {
        const uint64_t now_ps = sc_core::sc_time_stamp().value();
        out << "simulated time " << now_ps / 1e6 << " us = " << now_ps / period_ps << " chip cycles\n";
        for (unsigned h = 0; h < hart_count(); ++h) {
            auto& core = chip_.tiles()[h]->core();
            const char* state = chip_.run_control().hart_done(h) ? "exited"
                                : core.sleeping()                ? "asleep in wfi"
                                                                 : "running";
            char line[160];
            std::snprintf(line, sizeof line, "  hart %u (%s): %llu cycles, %llu instructions, pc 0x%08x, %s\n", h,
                          chip_.tiles()[h]->basename(), static_cast<unsigned long long>(core.hart().cycles()),
                          static_cast<unsigned long long>(core.hart().instructions()), core.hart().pc(), state);
            out << line;
        }
        output = out.str();
        return true;
    }
    if (command == "stats") {
        if (!stats_) {
            output = "no statistics in this run\n";
            return false;
        }
        for (auto& tile : chip_.tiles()) tile->core().publish_counters();  // the halt's own figures
        unsigned shown = 0;
        for (const auto& [name, entry] : stats_->entries()) {
            if (name.compare(0, argument.size(), argument) != 0) continue;
            out << "  " << name << " = ";
            if (entry->counter) {
                out << *entry->counter;  // counters are integers: all their digits
            } else {
                out << stat_value(*entry);
            }
            out << "\n";
            ++shown;
        }
        if (shown == 0) out << "no counter starts with '" << argument << "'\n";
        output = out.str();
        return shown > 0;
    }
    if (command == "reset") {
        output =
            "monitor reset is not supported: SystemC elaborates a chip once per process, and simulated time, device "
            "state and exited harts cannot be rewound. Use 'kill' and start npuemu again.\n";
        return false;
    }
    output = "unknown monitor command '" + command + "' (try 'monitor help')\n";
    return false;
}

}  // namespace npuemu::debug
