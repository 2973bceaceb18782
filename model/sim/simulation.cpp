#include "model/sim/simulation.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "model/common/error.h"
#include "model/common/format.h"
#include "model/trace/trace_file.h"

namespace npuemu::sim {

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::Exited: return "exited";
        case Outcome::Fault: return "fault";
        case Outcome::CycleLimit: return "cycle_limit";
        case Outcome::Deadlock: return "deadlock";
        case Outcome::Killed: return "killed";
    }
    return "unknown";
}

namespace {

uint64_t parse_number(const std::string& text, const std::string& option, const char* what) {
    errno = 0;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 0);
    if (text.empty() || text[0] == '-' || errno || *end != '\0') {
        throw Error(option + ": " + what + " '" + text + "' is not a number (decimal or 0x hex)");
    }
    return value;
}


}  // namespace

LoadSpec parse_load_spec(const std::string& text) {
    const std::string option = "--load " + text;
    const auto at = text.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == text.size()) throw Error(option + ": expected FILE@ADDRESS");
    const uint64_t address = parse_number(text.substr(at + 1), option, "address");
    if (address > 0xFFFFFFFFull) throw Error(option + ": the address is beyond 32 bits");
    return LoadSpec{text.substr(0, at), static_cast<uint32_t>(address)};
}

DumpSpec parse_dump_spec(const std::string& text) {
    const std::string option = "--dump " + text;
    const auto first = text.find(':');
    const auto second = first == std::string::npos ? first : text.find(':', first + 1);
    if (second == std::string::npos || second + 1 == text.size()) throw Error(option + ": expected ADDRESS:LENGTH:FILE");
    const uint64_t address = parse_number(text.substr(0, first), option, "address");
    const uint64_t length = parse_number(text.substr(first + 1, second - first - 1), option, "length");
    if (address > 0xFFFFFFFFull || length == 0 || address + length > 0x100000000ull) {
        throw Error(option + ": the region must be non-empty and inside the 32-bit address space");
    }
    return DumpSpec{static_cast<uint32_t>(address), length, text.substr(second + 1)};
}

namespace {

std::optional<soc::HtifAddresses> htif_addresses(const RunOptions& options, const loader::ElfImage& image) {
    if (!options.htif) return std::nullopt;
    auto tohost = image.symbol("tohost");
    if (!tohost) {
        throw Error(image.path + ": --htif needs a 'tohost' symbol in the image, and it has none (stripped, or not "
                                 "an HTIF program)");
    }
    if (*tohost & 7) throw Error(image.path + ": the 'tohost' symbol is not 8-byte aligned");
    return soc::HtifAddresses{*tohost, image.symbol("fromhost")};
}

}  // namespace

Simulation::Simulation(const RunOptions& options, std::ostream& console)
    : options_(options),
      config_(config::load_chip_config(options.config_file, options.overrides)),
      image_(loader::read_elf_file(options.image_path)) {
    if (options_.max_cycles == 0) throw Error("--max-cycles must be at least 1");
    // SystemC prints an info line when sc_stop() is called; the run's own summary says how it ended.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    tlm::tlm_global_quantum::instance().set(
        sc_core::sc_time::from_value(config_.clock_period_ps() * config_.core.quantum_cycles));
    chip_ = std::make_unique<soc::Chip>("chip", config_, console, htif_addresses(options_, image_));
    // Every check of user input happens before the first sc_start(): after it, SystemC runs processes on its own
    // stacks, and input errors should never surface from inside a simulation.
    chip_->check_image_fits(image_);
    check_host_data();
    if (!options_.trace_path.empty()) {
        tracer_ = std::make_unique<trace::Tracer>(trace::open_trace_file(options_.trace_path), options_.trace_filter,
                                                  options_.trace_window_start_ps, options_.trace_window_end_ps);
        tracer_->set_clock([] { return static_cast<uint64_t>(sc_core::sc_time_stamp().value()); });
        chip_->attach_tracer(*tracer_);
        tracer_->start();
    }
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate: multi-sockets complete their bindings here
    chip_->load(image_);
    load_host_data();
    chip_->boot();
    sim_stats_ = std::make_unique<StatsGroup>(chip_->stats(), "sim");
    sim_stats_->counter("time_ps", simulated_time_ps_, StatUnit::Picoseconds, "simulated time at the end of the run");
    sim_stats_->counter("cycles", simulated_cycles_, StatUnit::Cycles, "simulated time in chip clock cycles");
    stats_ = std::make_unique<StatsRegistry>(chip_->stats());
}

void Simulation::check_host_data() {
    for (const auto& load : options_.loads) {
        std::ifstream file(load.path, std::ios::binary);
        if (!file) throw Error("--load " + load.path + "@" + hex(load.address) + ": cannot open the file");
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (!bytes.empty() && !chip_->is_memory(load.address, bytes.size())) {
            throw Error("--load " + load.path + "@" + hex(load.address) + ": " + std::to_string(bytes.size()) +
                        " bytes from " + hex(load.address) + " do not lie in the chip's memory. Memory map:\n" +
                        chip_->describe_memory_map());
        }
        load_contents_.push_back(std::move(bytes));
    }
    for (const auto& dump : options_.dumps) {
        if (!chip_->is_memory(dump.address, dump.length)) {
            throw Error("--dump " + hex(dump.address) + ":" + std::to_string(dump.length) + ":" + dump.path +
                        ": the region does not lie in the chip's memory. Memory map:\n" + chip_->describe_memory_map());
        }
        std::ofstream probe(dump.path, std::ios::binary | std::ios::app);
        if (!probe) throw Error("--dump ...:" + dump.path + ": cannot write the file");
    }
}

void Simulation::load_host_data() {
    for (size_t i = 0; i < options_.loads.size(); ++i) {
        const auto& bytes = load_contents_[i];
        if (!bytes.empty()) chip_->write_memory(options_.loads[i].address, bytes.data(), bytes.size());
    }
    load_contents_.clear();
}

void Simulation::write_dumps() {
    for (const auto& dump : options_.dumps) {
        std::vector<uint8_t> bytes(dump.length);
        chip_->read_memory(dump.address, bytes.data(), bytes.size());
        std::ofstream file(dump.path, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!file) throw Error("--dump " + dump.path + ": error while writing");
    }
}

RunResult Simulation::run(RunDriver* driver) {
    const auto wall_start = std::chrono::steady_clock::now();
    const uint64_t period_ps = config_.clock_period_ps();
    const uint64_t limit_ps = options_.max_cycles > UINT64_MAX / 2 / period_ps ? UINT64_MAX / 2
                                                                                : options_.max_cycles * period_ps;
    // Exit on starvation: with nothing left to happen, time must not jump to the limit (that is a deadlock).
    bool killed = false;
    if (driver) {
        killed = !driver->run_until(sc_core::sc_time::from_value(limit_ps));
    } else {
        sc_core::sc_start(sc_core::sc_time::from_value(limit_ps), sc_core::SC_EXIT_ON_STARVATION);
    }
    chip_->flush_console();
    chip_->settle(sc_core::sc_time_stamp().value());
    if (tracer_) tracer_->finish(sc_core::sc_time_stamp().value());

    RunResult result;
    RunControl& control = chip_->run_control();
    const sc_core::sc_time end = control.finished() ? control.end_time() : sc_core::sc_time_stamp();
    result.simulated_time_ps = end.value();
    result.simulated_cycles = end.value() / period_ps;
    simulated_time_ps_ = result.simulated_time_ps;
    simulated_cycles_ = result.simulated_cycles;
    for (auto& tile : chip_->tiles()) result.instructions += tile->core().hart().instructions();

    if (killed) {
        result.outcome = Outcome::Killed;
        result.message = "the debugger killed the run";
    } else if (control.fault_description()) {
        result.outcome = Outcome::Fault;
        result.exit_code = control.exit_code();
        result.message = *control.fault_description();
    } else if (control.finished()) {
        result.outcome = Outcome::Exited;
        result.exit_code = control.exit_code();
        result.message = control.end_reason();
    } else if (sc_core::sc_pending_activity()) {
        result.outcome = Outcome::CycleLimit;
        result.message = "the run reached --max-cycles " + std::to_string(options_.max_cycles) + " with " +
                         std::to_string(control.harts_running()) + " hart(s) still running";
    } else {
        result.outcome = Outcome::Deadlock;
        std::string asleep;
        for (auto& tile : chip_->tiles()) {
            if (control.hart_done(tile->id())) continue;
            asleep += (asleep.empty() ? "" : ", ") + std::to_string(tile->id()) + " (pc 0x";
            char pc[16];
            std::snprintf(pc, sizeof pc, "%08x", tile->core().hart().pc());
            asleep += std::string(pc) + ")";
        }
        const std::string npu_waits = chip_->describe_waits();
        if (!npu_waits.empty()) {
            result.message = "deadlock: " + npu_waits;
        } else {
            result.message = "deadlock: hart(s) " + asleep +
                             " wait in wfi and nothing is left that could wake them (no timer armed, no other hart "
                             "running)";
        }
    }
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (driver) result.wall_seconds = std::max(0.0, result.wall_seconds - driver->halted_wall_seconds());
    return result;
}

}  // namespace npuemu::sim
