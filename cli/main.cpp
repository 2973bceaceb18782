// npuemu: the command line (every subcommand's options), parsing, hand-over to a subcommand, and every
// npuemu::Error turned into one line and an exit code. The options live here, not beside each command: CLI11 is
// header-only and costs most of a minute per file that includes it in the sanitizer build.
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include <systemc>
#include "model/common/asan_suppressions.h"

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::cli {
namespace {

// A count: decimal digits that fit 64 bits. CLI11 would turn -1 into 2^64-1 and wrap values that overflow.
CLI::Validator decimal_count() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
                return "expected a whole number (decimal digits), got '" + text + "'";
            }
            errno = 0;
            std::strtoull(text.c_str(), nullptr, 10);
            if (errno == ERANGE) return "'" + text + "' does not fit 64 bits";
            return "";
        },
        "COUNT");
}

void add_run_command(CLI::App& app, RunArguments& args) {
    CLI::App* run = app.add_subcommand("run", "Boot a firmware image on every tile of a chip and run it");
    run->add_option("image", args.image, "Firmware image (RV32 ELF), e.g. build/firmware/hello.elf")->required();
    CLI::Option* config =
        run->add_option("-c,--config", args.config, "Chip config: a YAML file or a preset name (default, test)");
    CLI::Option* system =
        run->add_option("--system", args.system,
                        "Run on every chip of a system: a YAML file or a preset name in configs/systems (node4, pod8)")
            ->excludes(config);
    // One value per --set (not every word up to the next option): `--set a=1 image.elf --report x` keeps its image.
    run->add_option("-s,--set", args.overrides,
                    "Override a config key (of the chip, or of the system with --system): KEY.PATH=VALUE (repeatable)")
        ->allow_extra_args(false);
    // After --set (CLI11 runs option callbacks in the order options are declared): it wins over --set
    // npu.arithmetic=... on the same command line.
    run->add_option_function<std::string>(
           "--arithmetic", [&args](const std::string& mode) { args.overrides.push_back("npu.arithmetic=" + mode); },
           "full (default) or skip: timing-only mode, the same cycles without computing NPU values (the same as "
           "--set npu.arithmetic=skip; see docs/npu.md). Not with --system: set npu.arithmetic in the system "
           "file's chips.set")
        ->check(CLI::IsMember({"full", "skip"}))
        ->excludes(system);
    run->add_option("--max-cycles", args.max_cycles, "Stop the run after this many chip clock cycles")
        ->capture_default_str()
        ->check(decimal_count());
    run->add_flag("--check", args.check_only,
                  "Check the options, config, image and files, list the counters a run reports, run nothing");
    run->add_flag("--htif", args.htif, "Map the image's tohost/fromhost symbols (RISC-V test binaries)");
    run->add_option("--stats", args.stats_path, "Write the run's counters to this JSON file");
    run->add_option("--report", args.report_path,
                    "Write an HTML report of the run (utilisation, stalls, HBM and mesh heat maps, temperature and "
                    "frequency over time) to this file")
        ->type_name("FILE.html");
    run->add_flag("-q,--quiet", args.quiet, "Print no summary (only the firmware's console)");
    run->add_option("--load", args.loads,
                    "Load a file into memory before boot: FILE@ADDRESS (every chip of a system), FILE@cN:ADDRESS (chip "
                    "N) (repeatable)");
    run->add_option("--trace", args.trace_path,
                    "Record a trace: .vcd or .fst (GTKWave, Surfer) or .json (Perfetto, chrome://tracing)");
    run->add_option("--trace-filter", args.trace_filter,
                    "Trace only signals/tracks matching this glob, e.g. 'chip.tile0.*' or '*.matrix.*'");
    run->add_option("--trace-window", args.trace_window, "Trace only this time window: T0:T1, e.g. 10us:50us");
    run->add_option("--flows", args.flows_path,
                    "With --system: write every transfer between chips (copies, doorbells) as JSON lines");
    run->add_option(
        "--dump", args.dumps,
        "Write memory to a file after the run: ADDRESS:LENGTH:FILE, in a system cN:ADDRESS:LENGTH:FILE (repeatable)");
    CLI::Option* gdb = run->add_option("--gdb", args.gdb_port,
                                       "Serve GDB's remote protocol on this TCP port (0: a free port, printed on "
                                       "stderr); see docs/gdb.md")
                           ->check(CLI::Range(0, 65535));
    run->add_flag("--gdb-wait", args.gdb_wait, "With --gdb: wait for GDB, halted before the first instruction")
        ->needs(gdb);
    run->add_option("--gdb-host", args.gdb_host,
                    "With --gdb: the address to listen on (default 127.0.0.1; any other exposes the simulator to the "
                    "network)")
        ->needs(gdb);
}

void add_info_command(CLI::App& app, InfoArguments& args) {
    CLI::App* info = app.add_subcommand("info", "Print a chip config's derived figures and memory map");
    info->add_option("-c,--config", args.config, "Chip config: a YAML file or a preset name (default, test)");
    info->add_option("-s,--set", args.overrides, "Override a config key: KEY.PATH=VALUE (repeatable)")
        ->allow_extra_args(false);
}

void add_config_command(CLI::App& app, ConfigArguments& args) {
    CLI::App* config = app.add_subcommand("config", "Describe the chip configuration's keys");
    config->add_flag("--list", args.list, "List every key: type, default, range, unit and meaning")->required();
    config->add_flag("--markdown", args.markdown, "As a Markdown table (docs/config.md)");
}

void add_sweep_command(CLI::App& app, SweepArguments& args) {
    CLI::App* sweep =
        app.add_subcommand("sweep", "Run a design-space sweep of firmware or cluster steps (see docs/sweeps.md)");
    sweep->add_option("spec", args.spec, "Sweep description (YAML), e.g. configs/sweeps/gemm_array_tiles.yaml");
    sweep->add_option("-o,--out", args.out_dir, "Output directory (created; re-running resumes into it)");
    sweep->add_option("-j,--jobs", args.jobs, "Points run at once (default: the number of cores)");
    sweep->add_option("--shard", args.shard, "Run only shard I of N (0 <= I < N): every N-th point from I");
    sweep->add_flag("--slurm", args.slurm, "Write DIR/sweep.sbatch (an sbatch --array script of shards), run nothing");
    sweep->add_option("--partition", args.partition, "Slurm partition (with --slurm)");
    sweep->add_option("--time", args.time, "Slurm time limit per array task (with --slurm)")->capture_default_str();
    sweep->add_option("--cpus-per-task", args.cpus_per_task, "Slurm CPUs per array task = its --jobs (with --slurm)")
        ->capture_default_str();
    sweep->add_option("--shards", args.shards, "Slurm array tasks (with --slurm; default: points / cpus-per-task)");
    sweep->add_flag("--dry-run", args.dry_run, "Validate and list the points, run nothing");

    CLI::App* merge = sweep->add_subcommand("merge", "Combine the shards of a sweep into DIR/results.csv");
    merge->callback([&args] { args.merge = true; });
    merge
        ->add_option("dirs", args.merge_dirs,
                     "DIR [SRC...]: the sweep directory, and shard directories to copy "
                     "finished points from")
        ->required();
    CLI::App* report = sweep->add_subcommand("report",
                                             "Render DIR/report.html: rooflines and Pareto fronts (a cluster "
                                             "sweep: each point's loss budget, tokens/s against facility power), "
                                             "one chart per parameter (self-contained)");
    report->callback([&args] { args.report = true; });
    report->add_option("dir", args.report_dir, "The sweep directory")->required();
    report->add_option("-o,--out", args.report_out, "The HTML file (default DIR/report.html)");
    report->add_option("--metric", args.report_metric,
                       "The metric of the per-parameter charts (default: the sweep's first metric)");
}

void add_cluster_command(CLI::App& app, ClusterArguments& args) {
    CLI::App* cluster = app.add_subcommand("cluster", "Simulate one training step of a cluster (see docs/cluster.md)");
    cluster
        ->add_option("config", args.config,
                     "Cluster description (YAML), e.g. "
                     "configs/clusters/megatron_selene/selene.yaml")
        ->required();
    cluster->add_option("-s,--set", args.overrides, "Override a cluster key: KEY.PATH=VALUE (repeatable)")
        ->allow_extra_args(false);
    cluster->add_option("-o,--out", args.out_path, "Write the step's result as JSON to this file");
    cluster->add_option("--report", args.report_path,
                        "Write an HTML report of the step (its time and per-chip throughput, part by part)");
    cluster->add_option("--equal-budget", args.equal_budget,
                        "Another cluster file (e.g. 4nm chips) given this cluster's capex and chip power: each "
                        "simulated at the largest size its plan allows, throughput per $ and per W side by side");
    cluster
        ->add_option("--equal-budget-set", args.equal_budget_overrides,
                     "Override a key of the --equal-budget cluster: KEY.PATH=VALUE (repeatable)")
        ->allow_extra_args(false);
    cluster->add_flag("--scaling", args.scaling,
                      "Also simulate the cluster on fewer data-parallel replicas (the same global batch) and print the "
                      "strong-scaling curve (the --report draws it)");
    cluster->add_flag("-q,--quiet", args.quiet, "Print no summary");
}

void add_profile_command(CLI::App& app, ProfileArguments& args) {
    CLI::App* profile = app.add_subcommand(
        "profile",
        "Profile GEMM ops (a list, or a model's layer shards under a parallel plan) on a chip: cycles, "
        "MAC utilisation, HBM bytes, energy, cycles per DVFS point; cached (see docs/profile.md)");
    profile->add_option("workload", args.workload,
                        "Workload (YAML): ops: [{name, m, n, k, dtype}], or model: and plan: sections (the cluster "
                        "schema; model: {preset: gpt3-175b} for a preset)");
    profile->add_option("--model", args.model,
                        "A model preset (configs/models: gpt3-175b, gpt3-6.7b, llama2-70b, llama3-8b, "
                        "llama3-405b, bert-base) or model file, instead of the file's model");
    profile
        ->add_option("-w,--workload-set", args.workload_overrides,
                     "Override a workload key: model.seq_length=128, plan.tensor_parallel=8 (repeatable)")
        ->allow_extra_args(false);
    profile->add_option("--dtype", args.dtype, "The dtype of the GEMMs derived from a model")
        ->check(CLI::IsMember({"int8", "bf16"}))
        ->capture_default_str();
    profile->add_option("-c,--config", args.config, "Chip config: a YAML file or a preset name (default, test)");
    profile->add_option("-s,--set", args.overrides, "Override a chip config key: KEY.PATH=VALUE (repeatable)")
        ->allow_extra_args(false);
    profile->add_option("--image", args.image, "The GEMM firmware (default: build/firmware/gemm.elf)");
    profile->add_option("-o,--out", args.out, "Write OUT.json and OUT.csv")->capture_default_str();
    profile->add_option("--cache", args.cache_dir, "Cache directory (default: ~/.cache/npuemu/profile)");
    profile->add_option("-j,--jobs", args.jobs, "Runs at once (default: the number of cores)");
    profile->add_option("--max-cycles", args.max_cycles, "Stop each run after this many chip clock cycles")
        ->check(decimal_count())
        ->capture_default_str();
    profile->add_flag("-q,--quiet", args.quiet, "Print no table and no progress");
}

void add_replay_command(CLI::App& app, ReplayArguments& args) {
    CLI::App* replay = app.add_subcommand(
        "replay",
        "Replay a multi-chip run's flow export on the cluster model's flow-level network and compare each "
        "collective's time (see docs/systems.md)");
    replay->add_option("flows", args.flows, "The run's flow export (npuemu run --system ... --flows FILE)")->required();
    replay->add_option("--system", args.system, "The system the run simulated: a file or a preset (node4, pod8)")
        ->required();
    replay->add_option("-s,--set", args.overrides, "Override a system key, as the run did: KEY.PATH=VALUE")
        ->allow_extra_args(false);
    replay->add_option("-o,--out", args.out_path, "Write the comparison as JSON to this file");
    replay->add_flag("-q,--quiet", args.quiet, "Print no table");
}

}  // namespace
}  // namespace npuemu::cli

// SystemC's way in: main() hands over to sc_elab_and_sim(), which sets up the kernel and calls sc_main().
int main(int argc, char** argv) {
    // SystemC prints a banner when the first module is made; a tool's output should be its own.
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) { return npuemu::cli::run_command_line(argc, argv); }

int npuemu::cli::run_command_line(int argc, char** argv, const PreparedInputs& prepared) {
    CLI::App app{"npuemu: a cycle-approximate emulator of a 7nm-class NPU chip"};
    app.set_version_flag("--version", std::string("npuemu ") + NPUEMU_VERSION);
    app.require_subcommand(1);

    npuemu::cli::RunArguments run_args;
    run_args.parsed_files = prepared.parsed_files;
    npuemu::cli::InfoArguments info_args;
    npuemu::cli::add_run_command(app, run_args);
    npuemu::cli::add_info_command(app, info_args);
    npuemu::cli::ConfigArguments config_args;
    npuemu::cli::add_config_command(app, config_args);
    npuemu::cli::SweepArguments sweep_args;
    npuemu::cli::add_sweep_command(app, sweep_args);
    npuemu::cli::ClusterArguments cluster_args;
    npuemu::cli::add_cluster_command(app, cluster_args);
    npuemu::cli::ProfileArguments profile_args;
    npuemu::cli::add_profile_command(app, profile_args);
    npuemu::cli::ReplayArguments replay_args;
    npuemu::cli::add_replay_command(app, replay_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : npuemu::cli::kExitBadInput;
    }
    try {
        if (app.got_subcommand("run")) return npuemu::cli::run_command(run_args);
        if (app.got_subcommand("info")) return npuemu::cli::info_command(info_args);
        if (app.got_subcommand("config")) return npuemu::cli::config_command(config_args);
        if (app.got_subcommand("sweep")) return npuemu::cli::sweep_command(sweep_args);
        if (app.got_subcommand("cluster")) return npuemu::cli::cluster_command(cluster_args);
        if (app.got_subcommand("profile")) return npuemu::cli::profile_command(profile_args);
        if (app.got_subcommand("replay")) return npuemu::cli::replay_command(replay_args);
    } catch (const npuemu::OutputError& e) {
        std::cerr << "npuemu: error: " << e.what() << std::endl;
        return npuemu::cli::kExitOutputFailed;
    } catch (const npuemu::Error& e) {
        std::cerr << "npuemu: error: " << e.what() << std::endl;
        return npuemu::cli::kExitBadInput;
    } catch (const std::bad_alloc&) {
        // Not SystemC's "uncaught exception" report: a line on stderr and the bad-input status.
        std::cerr << "npuemu: error: out of host memory (an input too large to process?)" << std::endl;
        return npuemu::cli::kExitBadInput;
    } catch (const std::filesystem::filesystem_error& e) {
        std::cerr << "npuemu: error: " << e.path1().string() << ": " << e.code().message() << std::endl;
        return npuemu::cli::kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "npuemu: error: " << e.what() << std::endl;
        return npuemu::cli::kExitBadInput;
    }
    return npuemu::cli::kExitBadInput;
}
