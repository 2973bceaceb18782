// One run of a firmware image on a chip, or on every chip of a system: load the config and the image, build the
// chip(s), simulate up to the cycle limit, and say how it ended. SystemC elaborates once per process, so a process
// makes at most one Simulation.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>

#include "model/common/stats.h"
#include "model/config/chip_config.h"
#include "model/config/config_node.h"
#include "model/loader/elf_image.h"
#include "model/soc/chip.h"
#include "model/system/system.h"
#include "model/system/system_config.h"
#include "model/trace/tracer.h"

namespace npuemu::sim {

// Host data path: files into memory before boot, memory regions into files after the run. In a system of chips a
// load goes to every chip unless it names one; a dump names its chip.
struct LoadSpec {
    static constexpr int32_t kEveryChip = -1;
    std::string path;
    uint32_t address = 0;
    int32_t chip = kEveryChip;
};
struct DumpSpec {
    static constexpr int32_t kUnnamedChip = -1;  // a chip alone: it; a system: refused (which chip?)
    uint32_t address = 0;
    uint64_t length = 0;
    std::string path;
    int32_t chip = kUnnamedChip;
};
// "FILE@ADDR" or "FILE@cN:ADDR", and "ADDR:LEN:FILE" or "cN:ADDR:LEN:FILE" (numbers decimal or 0x hex; cN a chip of
// a system); throw npuemu::Error naming the option.
LoadSpec parse_load_spec(const std::string& text);
DumpSpec parse_dump_spec(const std::string& text);

struct RunOptions {
    std::string config_file;
    std::string system_file;             // a system of chips (configs/systems/); when set, config_file is not used
    std::vector<std::string> overrides;  // "key.path=value", of the chip config or of the system config
    std::string image_path;
    uint64_t max_cycles = 10'000'000'000ull;  // in (chip 0's) clock cycles; every run has a limit
    bool htif = false;                        // map the image's tohost/fromhost symbols to an HTIF device
    std::vector<LoadSpec> loads;
    std::vector<DumpSpec> dumps;
    std::string trace_path;    // .vcd, .fst or .json; empty: no trace
    std::string flows_path;    // a system's transfers between chips, JSON lines; empty: none
    std::string trace_filter;  // glob over signal paths / tracks
    uint64_t trace_window_start_ps = 0, trace_window_end_ps = 0;  // end 0: to the end of the run
    // YAML files parsed already, by path (a sweep's point, forked from the sweep process that parsed its base config
    // and HBM presets); files not in it are parsed and added. Null: every file is parsed. Single chips only.
    config::YamlFileCache* parsed_files = nullptr;
};

enum class Outcome {
    Exited,      // every hart exited (or one ended the run): exit_code is the firmware's
    Fault,       // a hart took a trap with no handler
    CycleLimit,  // max_cycles reached first
    Deadlock,    // nothing left to happen: the harts still running all sleep with no wake-up pending
    Killed,      // a debugger ended the run
};

// Drives the SystemC kernel through a run instead of one sc_start() call: a debugger (model/debug/gdb_server.h)
// runs the simulation in slices, stops it at breakpoints and serves its client in between.
class RunDriver {
public:
    virtual ~RunDriver() = default;
    // Simulates until the run is over (every hart done, a deadlock) or simulated time reaches limit. Returns false
    // if the run was ended from outside (killed) before that.
    virtual bool run_until(const sc_core::sc_time& limit) = 0;
    // Host time the run spent stopped (a debugger's client looking at a halted chip): not simulation time, so the
    // run's wall time and MIPS leave it out.
    virtual double halted_wall_seconds() const { return 0.0; }
};

struct RunResult {
    Outcome outcome = Outcome::Exited;
    int exit_code = 0;
    std::string message;  // how it ended, one line (the fault description for a fault)
    uint64_t simulated_time_ps = 0;
    uint64_t simulated_cycles = 0;
    uint64_t instructions = 0;
    double wall_seconds = 0;  // host time simulating (time halted under a debugger excluded)
};

const char* outcome_name(Outcome outcome);

class Simulation {
public:
    Simulation(const RunOptions& options, std::ostream& console);

    // driver: nullptr runs the simulation in one sc_start() call.
    RunResult run(RunDriver* driver = nullptr);
    // Writes the --dump regions (after run()). Throws npuemu::Error for a file that cannot be written.
    void write_dumps();
    // Completes the --flows file (after run()). Throws npuemu::Error if it could not be written.
    void finish_flows();

    // The first chip's config (the only one's, when a chip runs alone).
    const config::ChipConfig& config() const { return system_config_.chips.front(); }
    const system::SystemConfig& system_config() const { return system_config_; }
    const loader::ElfImage& image() const { return image_; }
    // The first chip (the only one, when a chip runs alone).
    soc::Chip& chip() { return *chips_.front(); }
    const std::vector<soc::Chip*>& chips() const { return chips_; }
    bool is_system() const { return chips_.size() > 1; }
    const StatsRegistry& stats() const { return *stats_; }

private:
    void build(std::ostream& console);
    void check_host_data();
    void load_host_data();
    std::vector<size_t> host_data_chips(int32_t chip, const std::string& label) const;
    void judge(RunResult& result) const;
    std::string describe_deadlock() const;
    // "chip 2: " in a system, nothing when a chip runs alone.
    std::string chip_label(size_t chip) const;

    RunOptions options_;
    system::SystemConfig system_config_;
    loader::ElfImage image_;
    std::vector<std::vector<uint8_t>> load_contents_;
    std::unique_ptr<trace::Tracer> tracer_;
    std::unique_ptr<soc::Chip> chip_;         // a chip that runs alone is the top module, or
    std::unique_ptr<system::System> system_;  // the system holds the chips
    std::vector<soc::Chip*> chips_;
    std::unique_ptr<StatsGroup> sim_stats_;  // "sim", below the top module's group
    std::unique_ptr<StatsRegistry> stats_;
    uint64_t simulated_time_ps_ = 0;
    uint64_t simulated_cycles_ = 0;
};

}  // namespace npuemu::sim
