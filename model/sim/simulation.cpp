#include "model/sim/simulation.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "model/common/error.h"
#include "model/common/format.h"
#include "model/common/output_file.h"
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

// A leading "cN:" (chip N of a system) is taken off `text`; none: -1.
int32_t take_chip_prefix(std::string& text, const std::string& option) {
    if (text.size() < 3 || text[0] != 'c' || text[1] < '0' || text[1] > '9') return -1;
    const auto colon = text.find(':');
    if (colon == std::string::npos) return -1;
    const uint64_t chip = parse_number(text.substr(1, colon - 1), option, "chip");
    if (chip > 0xFFFF) throw Error(option + ": chip " + std::to_string(chip) + " is beyond any system");
    text = text.substr(colon + 1);
    return static_cast<int32_t>(chip);
}


}  // namespace

LoadSpec parse_load_spec(const std::string& text) {
    const std::string option = "--load " + text;
    const auto at = text.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
        throw Error(option + ": expected FILE@ADDRESS (or FILE@cN:ADDRESS for chip N of a system)");
    }
    std::string where = text.substr(at + 1);
    const int32_t chip = take_chip_prefix(where, option);
    const uint64_t address = parse_number(where, option, "address");
    if (address > 0xFFFFFFFFull) throw Error(option + ": the address is beyond 32 bits");
    return LoadSpec{text.substr(0, at), static_cast<uint32_t>(address), chip};
}

DumpSpec parse_dump_spec(const std::string& text_with_chip) {
    const std::string option = "--dump " + text_with_chip;
    std::string text = text_with_chip;
    const int32_t chip = take_chip_prefix(text, option);
    const auto first = text.find(':');
    const auto second = first == std::string::npos ? first : text.find(':', first + 1);
    if (second == std::string::npos || second + 1 == text.size()) {
        throw Error(option + ": expected ADDRESS:LENGTH:FILE (or cN:ADDRESS:LENGTH:FILE for chip N of a system)");
    }
    const uint64_t address = parse_number(text.substr(0, first), option, "address");
    const uint64_t length = parse_number(text.substr(first + 1, second - first - 1), option, "length");
    if (address > 0xFFFFFFFFull || length == 0 || address + length > 0x100000000ull) {
        throw Error(option + ": the region must be non-empty and inside the 32-bit address space");
    }
    return DumpSpec{static_cast<uint32_t>(address), length, text.substr(second + 1), chip};
}

namespace {

std::optional<soc::HtifAddresses> htif_addresses(const RunOptions& options, const loader::ElfImage& image) {
    if (!options.htif) return std::nullopt;
    auto tohost = image.symbol("tohost");
    if (!tohost) {
        throw Error(image.path +
                    ": --htif needs a 'tohost' symbol in the image, and it has none (stripped, or not "
                    "an HTIF program)");
    }
    if (*tohost & 7) throw Error(image.path + ": the 'tohost' symbol is not 8-byte aligned");
    return soc::HtifAddresses{*tohost, image.symbol("fromhost")};
}

}  // namespace

namespace {

system::SystemConfig load_run_config(const RunOptions& options) {
    if (!options.system_file.empty()) return system::load_system_config(options.system_file, options.overrides);
    if (options.parsed_files) {
        // The cached tree is shared: the overrides go onto a copy.
        const YAML::Node root = YAML::Clone(config::load_yaml_file(options.config_file, options.parsed_files));
        return system::single_chip_system(
            config::load_chip_config(root, options.config_file, options.overrides, options.parsed_files));
    }
    return system::single_chip_system(config::load_chip_config(options.config_file, options.overrides));
}

}  // namespace

Simulation::Simulation(const RunOptions& options, std::ostream& console)
    : options_(options), system_config_(load_run_config(options)), image_(loader::read_elf_file(options.image_path)) {
    if (options_.max_cycles == 0) throw Error("--max-cycles must be at least 1");
    if (!options_.flows_path.empty() && system_config_.chips.size() < 2) {
        throw Error("--flows records the transfers between chips: it needs --system with at least two chips");
    }
    if (system_config_.chips.size() > 1 && options_.htif) {
        throw Error(options_.system_file + ": --htif works on a single chip; this system has " +
                    std::to_string(system_config_.chips.size()) + " chips");
    }
    // SystemC prints an info line when sc_stop() is called; the run's own summary says how it ended.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    build(console);
    if (!options_.flows_path.empty()) system_->fabric().export_flows(options_.flows_path);
    // Every check of user input happens before the first sc_start(): after it, SystemC runs processes on its own
    // stacks, and input errors should never surface from inside a simulation.
    for (soc::Chip* chip : chips_) chip->check_image_fits(image_);
    check_host_data();
    if (!options_.trace_path.empty()) {
        tracer_ = std::make_unique<trace::Tracer>(trace::open_trace_file(options_.trace_path), options_.trace_filter,
                                                  options_.trace_window_start_ps, options_.trace_window_end_ps);
        tracer_->set_clock([] { return static_cast<uint64_t>(sc_core::sc_time_stamp().value()); });
        for (soc::Chip* chip : chips_) chip->attach_tracer(*tracer_);
        if (system_) system_->fabric().attach_tracer(*tracer_);
        tracer_->start();
    }
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate: multi-sockets complete their bindings here
    for (soc::Chip* chip : chips_) chip->load(image_);
    load_host_data();
    for (soc::Chip* chip : chips_) chip->boot();
    StatsGroup& top = system_ ? system_->stats() : chip_->stats();
    sim_stats_ = std::make_unique<StatsGroup>(top, "sim");
    sim_stats_->counter("time_ps", simulated_time_ps_, StatUnit::Picoseconds, "simulated time at the end of the run");
    sim_stats_->counter(
        "cycles", simulated_cycles_, StatUnit::Cycles,
        is_system() ? "simulated time in chip 0's clock cycles" : "simulated time in chip clock cycles");
    stats_ = std::make_unique<StatsRegistry>(top);
}

// A chip that runs alone (also a system of one chip) is the top module "chip", as it always was; the chips of a
// larger system are "chip0", "chip1", ... below the top module "system".
void Simulation::build(std::ostream& console) {
    uint64_t quantum_ps = UINT64_MAX;
    for (const auto& chip : system_config_.chips) {
        quantum_ps = std::min(quantum_ps, chip.clock_period_ps() * chip.core.quantum_cycles);
    }
    tlm::tlm_global_quantum::instance().set(sc_core::sc_time::from_value(quantum_ps));
    if (system_config_.chips.size() == 1) {
        chip_ = std::make_unique<soc::Chip>("chip", system_config_.chips.front(), console,
                                            htif_addresses(options_, image_));
        chips_.push_back(chip_.get());
        return;
    }
    system_ = std::make_unique<system::System>("system", system_config_, console);
    for (auto& chip : system_->chips()) chips_.push_back(chip.get());
}

std::string Simulation::chip_label(size_t chip) const {
    return is_system() ? "chip " + std::to_string(chip) + ": " : std::string();
}

// The chips a load or dump addresses: every chip (a load that names none), or the one it names.
std::vector<size_t> Simulation::host_data_chips(int32_t chip, const std::string& label) const {
    if (chip < 0) {
        std::vector<size_t> all(chips_.size());
        for (size_t i = 0; i < all.size(); ++i) all[i] = i;
        return all;
    }
    if (size_t(chip) >= chips_.size()) {
        throw Error(label + ": chip " + std::to_string(chip) + " is not in " +
                    (is_system() ? "system '" + system_config_.name + "' (" + std::to_string(chips_.size()) + " chips)"
                                 : std::string("a run of one chip (chip 0)")));
    }
    return {size_t(chip)};
}

void Simulation::check_host_data() {
    for (const auto& load : options_.loads) {
        // No file larger than the 32-bit address space can fit; a bound before reading (a directory or /dev/zero
        // is refused, not read until memory runs out).
        const std::string label = "--load " + load.path + "@" +
                                  (load.chip >= 0 ? "c" + std::to_string(load.chip) + ":" : std::string()) +
                                  hex(load.address);
        std::vector<uint8_t> bytes = read_input_file(load.path, 1ull << 32, label);
        for (size_t c : host_data_chips(load.chip, label)) {
            if (!bytes.empty() && !chips_[c]->is_memory(load.address, bytes.size())) {
                throw Error(label + ": " + std::to_string(bytes.size()) + " bytes from " + hex(load.address) +
                            " do not lie in " + chip_label(c) + "the chip's memory. Memory map:\n" +
                            chips_[c]->describe_memory_map());
            }
        }
        // A region loaded twice (on a chip both loads reach), or over the image, would leave one of them silently
        // overwritten.
        const uint64_t start = load.address, end = load.address + bytes.size();
        for (size_t i = 0; i < load_contents_.size() && !bytes.empty(); ++i) {
            const auto& other = options_.loads[i];
            const bool same_chip = load.chip < 0 || other.chip < 0 || load.chip == other.chip;
            if (same_chip && start < other.address + load_contents_[i].size() && other.address < end) {
                throw Error(label + ": overlaps --load " + other.path + "@" + hex(other.address) + " (" +
                            std::to_string(load_contents_[i].size()) + " bytes)");
            }
        }
        for (const auto& segment : image_.segments) {
            if (!bytes.empty() && start < uint64_t(segment.load_address) + segment.memory_bytes &&
                segment.load_address < end) {
                throw Error(label + ": overlaps the firmware image's loadable segment at " + hex(segment.load_address) +
                            "-" + hex(uint64_t(segment.load_address) + segment.memory_bytes - 1));
            }
        }
        load_contents_.push_back(std::move(bytes));
    }
    for (const auto& dump : options_.dumps) {
        const std::string label = "--dump " + (dump.chip >= 0 ? "c" + std::to_string(dump.chip) + ":" : std::string()) +
                                  hex(dump.address) + ":" + std::to_string(dump.length) + ":" + dump.path;
        if (dump.chip < 0 && is_system()) {
            throw Error(label + ": name the chip in a system: --dump cN:" + hex(dump.address) + ":" +
                        std::to_string(dump.length) + ":" + dump.path);
        }
        const size_t c = host_data_chips(std::max(dump.chip, 0), label).front();
        if (!chips_[c]->is_memory(dump.address, dump.length)) {
            throw Error(label + ": the region does not lie in " + chip_label(c) + "the chip's memory. Memory map:\n" +
                        chips_[c]->describe_memory_map());
        }
        check_output_writable(dump.path, "the --dump file");
    }
}

void Simulation::load_host_data() {
    for (size_t i = 0; i < options_.loads.size(); ++i) {
        const auto& bytes = load_contents_[i];
        if (bytes.empty()) continue;
        for (size_t c : host_data_chips(options_.loads[i].chip, "--load")) {
            chips_[c]->write_memory(options_.loads[i].address, bytes.data(), bytes.size());
        }
    }
    load_contents_.clear();
}

void Simulation::write_dumps() {
    for (const auto& dump : options_.dumps) {
        std::vector<uint8_t> bytes(dump.length);
        chips_[std::max(dump.chip, 0)]->read_memory(dump.address, bytes.data(), bytes.size());
        write_output_file(dump.path, bytes.data(), bytes.size());
    }
}

void Simulation::finish_flows() {
    if (system_) system_->fabric().finish_flows();
}

RunResult Simulation::run(RunDriver* driver) {
    const auto wall_start = std::chrono::steady_clock::now();
    const uint64_t period_ps = config().clock_period_ps();
    const uint64_t limit_ps =
        options_.max_cycles > UINT64_MAX / 2 / period_ps ? UINT64_MAX / 2 : options_.max_cycles * period_ps;
    // Exit on starvation: with nothing left to happen, time must not jump to the limit (that is a deadlock).
    bool killed = false;
    if (driver) {
        killed = !driver->run_until(sc_core::sc_time::from_value(limit_ps));
    } else {
        sc_core::sc_start(sc_core::sc_time::from_value(limit_ps), sc_core::SC_EXIT_ON_STARVATION);
    }
    const uint64_t now_ps = sc_core::sc_time_stamp().value();
    for (soc::Chip* chip : chips_) {
        chip->flush_console();
        chip->settle(now_ps);
    }
    if (tracer_) tracer_->finish(now_ps);

    RunResult result;
    // The run ends when the last chip's harts have exited, or when the run was stopped early (a fault, an abort).
    bool all_finished = true;
    uint64_t end_ps = 0;
    for (soc::Chip* chip : chips_) {
        const RunControl& control = chip->run_control();
        all_finished = all_finished && control.finished();
        if (control.finished()) end_ps = std::max<uint64_t>(end_ps, control.end_time().value());
        for (auto& tile : chip->tiles()) result.instructions += tile->core().hart().instructions();
    }
    if (!all_finished) end_ps = now_ps;
    for (soc::Chip* chip : chips_) {
        if (chip->run_control().ended_early()) end_ps = chip->run_control().end_time().value();
    }
    result.simulated_time_ps = end_ps;
    result.simulated_cycles = end_ps / period_ps;
    simulated_time_ps_ = result.simulated_time_ps;
    simulated_cycles_ = result.simulated_cycles;
    if (killed) {
        result.outcome = Outcome::Killed;
        result.message = "the debugger killed the run";
    } else {
        judge(result);
    }
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (driver) result.wall_seconds = std::max(0.0, result.wall_seconds - driver->halted_wall_seconds());
    return result;
}

// How the run ended: a fault on any chip (the first in chip order), an abort, every hart of every chip exited, the
// cycle limit, or a deadlock.
void Simulation::judge(RunResult& result) const {
    for (size_t c = 0; c < chips_.size(); ++c) {
        const RunControl& control = chips_[c]->run_control();
        if (control.fault_description()) {
            result.outcome = Outcome::Fault;
            result.exit_code = control.exit_code();
            result.message = chip_label(c) + *control.fault_description();
            return;
        }
    }
    for (size_t c = 0; c < chips_.size(); ++c) {
        const RunControl& control = chips_[c]->run_control();
        if (control.ended_early()) {
            result.outcome = Outcome::Exited;
            result.exit_code = control.exit_code();
            result.message = chip_label(c) + control.end_reason();
            return;
        }
    }
    unsigned harts_running = 0;
    for (soc::Chip* chip : chips_) harts_running += chip->run_control().harts_running();
    if (harts_running == 0) {
        result.outcome = Outcome::Exited;
        for (soc::Chip* chip : chips_) {
            if (chip->run_control().exit_code() != 0) {
                result.exit_code = chip->run_control().exit_code();
                break;
            }
        }
        result.message = is_system() ? "every hart of every chip exited" : chips_.front()->run_control().end_reason();
    } else if (sc_core::sc_pending_activity()) {
        result.outcome = Outcome::CycleLimit;
        result.message = "the run reached --max-cycles " + std::to_string(options_.max_cycles) + " with " +
                         std::to_string(harts_running) + " hart(s) still running";
    } else {
        result.outcome = Outcome::Deadlock;
        result.message = describe_deadlock();
    }
}

std::string Simulation::describe_deadlock() const {
    std::string npu_waits, asleep;
    for (size_t c = 0; c < chips_.size(); ++c) {
        const std::string waits = chips_[c]->describe_waits();
        if (!waits.empty()) npu_waits += (npu_waits.empty() ? "" : "; ") + chip_label(c) + waits;
        for (auto& tile : chips_[c]->tiles()) {
            if (chips_[c]->run_control().hart_done(tile->id())) continue;
            asleep += (asleep.empty() ? "" : ", ") + chip_label(c) + std::to_string(tile->id()) + " (pc " +
                      hex(tile->core().hart().pc()) + ")";
        }
    }
    if (!npu_waits.empty()) return "deadlock: " + npu_waits;
    return "deadlock: hart(s) " + asleep +
           " wait in wfi and nothing is left that could wake them (no timer armed, no other hart running)";
}

}  // namespace npuemu::sim
