#include "model/sim/simulation.h"

#include <algorithm>

#include "model/common/error.h"

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
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate: multi-sockets complete their bindings here
    chip_->load(image_);
    chip_->boot();
    chip_->register_stats(stats_);
    stats_.add_counter("sim.time_ps", &simulated_time_ps_, "simulated time at the end of the run, in ps");
    stats_.add_counter("sim.cycles", &simulated_cycles_, "simulated time in chip clock cycles");
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

    RunResult result;
    soc::RunControl& control = chip_->run_control();
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
        result.message = "deadlock: hart(s) " + asleep +
                         " wait in wfi and nothing is left that could wake them (no timer armed, no other hart "
                         "running)";
    }
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (driver) result.wall_seconds = std::max(0.0, result.wall_seconds - driver->halted_wall_seconds());
    return result;
}

}  // namespace npuemu::sim
