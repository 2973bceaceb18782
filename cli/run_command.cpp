#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/run_report.h"
#include "cli/system_report.h"
#include "model/common/error.h"
#include "model/common/output_file.h"
#include "model/common/stats_json.h"
#include "model/config/config_lookup.h"
#include "model/debug/gdb_server.h"
#include "model/sim/simulation.h"
#include "model/trace/trace_file.h"

#include <string>
#include <tuple>
#include <vector>

namespace npuemu::cli {

namespace {

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

// The NPU and power lines of one chip; prefix names the chip's statistics ("" alone, "chip2." in a system).
void print_chip_figures(std::FILE* out, const StatsRegistry& stats, const std::string& prefix,
                        const config::ChipConfig& config, const char* indent) {
    if (stats.contains(prefix + "npu.macs") && stats.value(prefix + "npu.macs") > 0) {
        std::fprintf(out, "%snpu:          %.3g MACs, %.2f TOPS achieved of %.1f peak (%.1f%% over the run)\n", indent,
                     stats.value(prefix + "npu.macs"), stats.value(prefix + "npu.achieved_tops"),
                     stats.value(prefix + "npu.peak_tops"), 100 * stats.value(prefix + "npu.mac_utilization"));
    }
    if (stats.contains(prefix + "power.energy_j")) {
        std::fprintf(out,
                     "%spower:        %.2f W average, %.3g J (mesh, HBM and links %.3g J), peak %.1f degC "
                     "(Tj,max %.1f), %.0f of %u tiles throttled\n",
                     indent, stats.value(prefix + "power.average_w"), stats.value(prefix + "power.energy_j"),
                     stats.value(prefix + "power.memory_network_energy_j"),
                     stats.value(prefix + "power.peak_temperature_mC") / 1000.0, config.power.tj_max_mC / 1000.0,
                     stats.value(prefix + "power.throttled_tiles"), config.tile_count);
    }
}

// One line per link direction of a system: data carried, wire busy, credit stalls, energy on the wire.
void print_link_figures(std::FILE* out, const StatsRegistry& stats) {
    std::vector<std::string> links;
    double joules = 0;
    for (const auto& [name, entry] : stats.entries()) {
        const std::string suffix = ".energy_j";
        if (name.rfind("links.", 0) != 0 || name.size() < suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
            continue;
        }
        links.push_back(name.substr(6, name.size() - 6 - suffix.size()));
        joules += stat_value(*entry);
    }
    if (links.empty()) return;
    std::fprintf(out, "  links:        %zu directions, %.3g J on the wires in all\n", links.size(), joules);
    for (const std::string& link : links) {
        const std::string p = "links." + link + ".";
        std::fprintf(out, "    %-18s %.4g MB, %.1f%% busy, %.3g us credit stalls, %.3g J\n", link.c_str(),
                     stats.value(p + "payload_bytes") / 1e6, 100 * stats.value(p + "utilization"),
                     stats.value(p + "credit_stall_ps") / 1e6, stats.value(p + "energy_j"));
    }
}

uint64_t instructions_of(soc::Chip& chip) {
    uint64_t sum = 0;
    for (auto& tile : chip.tiles()) sum += tile->core().hart().instructions();
    return sum;
}

void print_summary(sim::Simulation& simulation, const sim::RunResult& result) {
    const auto& config = simulation.config();
    std::FILE* out = stderr;
    if (simulation.is_system()) {
        std::fprintf(out, "\nnpuemu: %s on system '%s' (%zu chips in %u node(s), %zu links)\n",
                     simulation.image().path.c_str(), simulation.system_config().name.c_str(),
                     simulation.chips().size(), simulation.system_config().node_count(),
                     simulation.system_config().links.size());
    } else {
        std::fprintf(out, "\nnpuemu: %s on chip '%s' (%u tiles, %.0f MHz)\n", simulation.image().path.c_str(),
                     config.name.c_str(), config.tile_count, config.clock_frequency_hz / 1e6);
    }
    // A run that did not exit normally has had its one-line reason printed already.
    std::fprintf(out, "  ended:        %s; exit status %d\n",
                 result.outcome == sim::Outcome::Exited ? result.message.c_str() : sim::outcome_name(result.outcome),
                 exit_status(result));
    std::fprintf(out, "  simulated:    %s cycles = %.3f us\n", with_commas(result.simulated_cycles).c_str(),
                 static_cast<double>(result.simulated_time_ps) / 1e6);
    const auto& stats = simulation.stats();
    if (simulation.is_system()) {
        std::fprintf(out, "  instructions: %s in all\n", with_commas(result.instructions).c_str());
        const auto& chips = simulation.chips();
        for (size_t c = 0; c < chips.size(); ++c) {
            const auto& chip_config = chips[c]->config();
            std::fprintf(out, "  chip %zu:       '%s', %u tiles, %.0f MHz, node %u; %s instructions\n", c,
                         chip_config.name.c_str(), chip_config.tile_count, chip_config.clock_frequency_hz / 1e6,
                         chips[c]->placement().node_id, with_commas(instructions_of(*chips[c])).c_str());
            print_chip_figures(out, stats, "chip" + std::to_string(c) + ".", chip_config, "    ");
        }
        print_link_figures(out, stats);
    } else {
        std::fprintf(out, "  instructions: %s in all; per hart:", with_commas(result.instructions).c_str());
        auto& tiles = simulation.chip().tiles();
        for (size_t i = 0; i < tiles.size(); ++i) {
            if (i % 8 == 0) std::fprintf(out, "\n               ");
            std::fprintf(out, " h%zu=%s", i, with_commas(tiles[i]->core().hart().instructions()).c_str());
        }
        std::fprintf(out, "\n");
        print_chip_figures(out, stats, "", config, "  ");
    }
    const double mips =
        result.wall_seconds > 0 ? static_cast<double>(result.instructions) / result.wall_seconds / 1e6 : 0.0;
    std::fprintf(out, "  host:         %.3f s wall, %.1f MIPS (all harts)\n", result.wall_seconds, mips);
}

}  // namespace

int run_command(const RunArguments& args) {
    // A reader that goes away (`npuemu run ... | head -1`) must not kill the run before it writes the files the user
    // asked for (--stats, --trace, --dump, --flows): with SIGPIPE ignored a console write to the closed pipe fails
    // quietly and the run finishes.
    std::signal(SIGPIPE, SIG_IGN);
    sim::RunOptions options;
    if (!args.system.empty()) {
        options.system_file = config::resolve_system_config(args.system);
        if (args.gdb_port >= 0) throw Error("--gdb debugs one chip; it cannot be used with --system");
    } else {
        options.config_file = config::resolve_config(args.config);
    }
    options.overrides = args.overrides;
    if (args.system.empty()) options.parsed_files = args.parsed_files;
    options.image_path = args.image;
    options.max_cycles = args.max_cycles;
    options.htif = args.htif;
    for (const auto& text : args.loads) options.loads.push_back(sim::parse_load_spec(text));
    for (const auto& text : args.dumps) options.dumps.push_back(sim::parse_dump_spec(text));
    if (!args.stats_path.empty()) check_output_writable(args.stats_path, "the stats file");
    if (!args.report_path.empty()) check_run_report_possible(args.report_path);
    if (!args.flows_path.empty()) check_output_writable(args.flows_path, "the flow export");
    options.trace_path = args.trace_path;
    options.flows_path = args.flows_path;
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
    if (args.check_only) {
        // Names only: derived values are not meant to be computed before the run.
        for (const auto& [name, entry] : simulation.stats().entries()) std::cout << name << "\n";
        return 0;
    }
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
    simulation.finish_flows();
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
        if (simulation.is_system()) {
            document["system"] = simulation.system_config().name;
            document["chips"] = simulation.chips().size();
        }
        document["image"] = args.image;
        document["outcome"] = sim::outcome_name(result.outcome);
        document["exit_code"] = exit_status(result);
        document["message"] = result.message;
        document["counters"] = stats_to_json(simulation.stats());
        document["histograms"] = histograms_to_json(simulation.stats());
        document["units"] = units_to_json(simulation.stats());
        write_json_file(args.stats_path, document);
    }
    if (!args.report_path.empty() && simulation.is_system()) {
        SystemReportInput report;
        report.system = simulation.system_config().name;
        report.image = args.image;
        report.outcome = sim::outcome_name(result.outcome);
        report.message = result.message;
        report.chips = simulation.chips().size();
        report.counters = stats_to_json(simulation.stats());
        write_system_report(report, args.report_path);
    } else if (!args.report_path.empty()) {
        RunReportInput report;
        report.chip = simulation.config().name;
        report.image = args.image;
        report.outcome = sim::outcome_name(result.outcome);
        report.message = result.message;
        report.counters = stats_to_json(simulation.stats());
        if (const auto* monitor = simulation.chip().power_monitor()) report.history = &monitor->history();
        write_run_report(report, args.report_path);
    }
    if (!args.quiet) print_summary(simulation, result);
    return exit_status(result);
}

}  // namespace npuemu::cli
