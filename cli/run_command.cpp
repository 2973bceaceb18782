#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "model/config/config_lookup.h"
#include "cli/exit_codes.h"
#include "model/common/error.h"
#include "model/common/stats_json.h"
#include "model/debug/gdb_server.h"
#include "model/sim/simulation.h"
#include "model/trace/trace_file.h"

#include <tuple>

namespace npuemu::cli {


namespace {

// Fails before the run, not after it, when the stats file cannot be written.
void check_writable(const std::string& path) {
    if (path.empty()) return;
    const std::string probe = path + ".tmp";
    std::ofstream out(probe, std::ios::trunc);
    if (!out) throw Error(path + ": cannot write the stats file (does the directory exist, is it writable?)");
    out.close();
    std::remove(probe.c_str());
}

std::string with_commas(uint64_t value) {
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
    return digits;
}

int exit_status(const sim::RunResult& result) {
    switch (result.outcome) {
        case sim::Outcome::Exited: return result.exit_code;
        case sim::Outcome::Fault: return kExitFault;
        case sim::Outcome::CycleLimit: return kExitCycleLimit;
        case sim::Outcome::Deadlock: return kExitDeadlock;
        case sim::Outcome::Killed: return kExitKilled;
    }
    return kExitFault;
}

void print_summary(sim::Simulation& simulation, const sim::RunResult& result) {
    const auto& config = simulation.config();
    std::FILE* out = stderr;
    std::fprintf(out, "\nnpuemu: %s on chip '%s' (%u tiles, %.0f MHz)\n", simulation.image().path.c_str(),
                 config.name.c_str(), config.tile_count, config.clock_frequency_hz / 1e6);
    // A run that did not exit normally has had its one-line reason printed already.
    std::fprintf(out, "  ended:        %s; exit status %d\n",
                 result.outcome == sim::Outcome::Exited ? result.message.c_str() : sim::outcome_name(result.outcome),
                 exit_status(result));
    std::fprintf(out, "  simulated:    %s cycles = %.3f us\n", with_commas(result.simulated_cycles).c_str(),
                 static_cast<double>(result.simulated_time_ps) / 1e6);
    std::fprintf(out, "  instructions: %s in all; per hart:", with_commas(result.instructions).c_str());
    auto& tiles = simulation.chip().tiles();
    for (size_t i = 0; i < tiles.size(); ++i) {
        if (i % 8 == 0) std::fprintf(out, "\n               ");
        std::fprintf(out, " h%zu=%s", i, with_commas(tiles[i]->core().hart().instructions()).c_str());
    }
    std::fprintf(out, "\n");
    const auto& stats = simulation.stats();
    if (stats.contains("npu.macs") && stats.value("npu.macs") > 0) {
        std::fprintf(out, "  npu:          %.3g MACs, %.2f TOPS achieved of %.1f peak (%.1f%% over the run)\n",
                     stats.value("npu.macs"), stats.value("npu.achieved_tops"), stats.value("npu.peak_tops"),
                     100 * stats.value("npu.mac_utilization"));
    }
    if (stats.contains("power.energy_j")) {
        double throttled_tiles = 0;
        for (uint32_t t = 0; t < config.tile_count; ++t) {
            if (stats.value("tile" + std::to_string(t) + ".power.throttled_ps") > 0) ++throttled_tiles;
        }
        std::fprintf(out, "  power:        %.2f W average, %.3g J, peak %.1f degC (Tj,max %.1f), %.0f of %u tiles throttled\n",
                     stats.value("power.average_w"), stats.value("power.energy_j"),
                     stats.value("power.peak_temperature_mC") / 1000.0, config.power.tj_max_mC / 1000.0,
                     throttled_tiles, config.tile_count);
    }
    const double mips = result.wall_seconds > 0 ? static_cast<double>(result.instructions) / result.wall_seconds / 1e6
                                                : 0.0;
    std::fprintf(out, "  host:         %.3f s wall, %.1f MIPS (all harts)\n", result.wall_seconds, mips);
}

}  // namespace

int run_command(const RunArguments& args) {
    sim::RunOptions options;
    options.config_file = config::resolve_config(args.config);
    options.overrides = args.overrides;
    options.image_path = args.image;
    options.max_cycles = args.max_cycles;
    options.htif = args.htif;
    for (const auto& text : args.loads) options.loads.push_back(sim::parse_load_spec(text));
    for (const auto& text : args.dumps) options.dumps.push_back(sim::parse_dump_spec(text));
    check_writable(args.stats_path);
    options.trace_path = args.trace_path;
    options.trace_filter = args.trace_filter;
    if (!args.trace_window.empty()) {
        if (args.trace_path.empty()) throw Error("--trace-window needs --trace FILE");
        std::tie(options.trace_window_start_ps, options.trace_window_end_ps) =
            trace::parse_trace_window(args.trace_window);
    }
    if (!args.trace_filter.empty() && args.trace_path.empty()) throw Error("--trace-filter needs --trace FILE");

    // The GDB port is bound first: a port in use is bad input (exit 125), and like every input error it must be
    // thrown before SystemC's kernel first runs (Simulation's constructor elaborates the chip).
    std::unique_ptr<debug::TcpListener> listener;
    if (args.gdb_port >= 0) {
        listener = std::make_unique<debug::TcpListener>(args.gdb_host, static_cast<uint16_t>(args.gdb_port));
    }
    sim::Simulation simulation(options, std::cout);
    std::unique_ptr<debug::GdbServer> gdb_server;
    if (listener) {
        if (!listener->is_loopback()) {
            std::cerr << "npuemu: warning: the GDB stub listens on " << args.gdb_host
                      << ", not on the loopback interface: whoever reaches port " << listener->port()
                      << " can read and write the simulated chip" << std::endl;
        }
        std::cerr << "npuemu: GDB stub listening on " << listener->host() << ":" << listener->port() << std::endl;
        debug::GdbServerOptions gdb_options;
        gdb_options.wait_for_client = args.gdb_wait;
        gdb_server = std::make_unique<debug::GdbServer>(std::move(listener), simulation.chip(), &simulation.stats(),
                                                        gdb_options, std::cerr);
    }
    const sim::RunResult result = simulation.run(gdb_server.get());
    std::cout.flush();
    simulation.write_dumps();
    if (gdb_server) gdb_server->finish(result, exit_status(result));

    if (result.outcome != sim::Outcome::Exited) {
        std::cerr << "npuemu: " << (result.outcome == sim::Outcome::Fault ? "firmware fault: " : "") << result.message
                  << std::endl;
    }
    if (!args.stats_path.empty()) {
        nlohmann::ordered_json document;
        document["schema"] = kStatsSchema;
        document["schema_version"] = kStatsSchemaVersion;
        document["npuemu_version"] = NPUEMU_VERSION;
        document["chip"] = simulation.config().name;
        document["image"] = args.image;
        document["outcome"] = sim::outcome_name(result.outcome);
        document["exit_code"] = exit_status(result);
        document["message"] = result.message;
        document["counters"] = stats_to_json(simulation.stats());
        document["histograms"] = histograms_to_json(simulation.stats());
        document["units"] = units_to_json(simulation.stats());
        write_json_file(args.stats_path, document);
    }
    if (!args.quiet) print_summary(simulation, result);
    return exit_status(result);
}

}  // namespace npuemu::cli
