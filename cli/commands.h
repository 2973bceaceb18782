// The CLI's subcommands. main() parses (cli/main.cpp holds every option: CLI11 is compiled in that one file); each
// command loads, builds, runs and reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config/config_node.h"

namespace npuemu::cli {

// What a caller of run_command_line hands over besides the command line: YAML files it has parsed already (a sweep
// forks each point from the process that parsed the base config and its HBM presets while validating).
struct PreparedInputs {
    config::YamlFileCache* parsed_files = nullptr;
};

// The whole command line (argv[0], a subcommand, its options): parsed, run, every npuemu::Error turned into one line
// on stderr and an exit code. sc_main() hands over to it, and so does a sweep's point forked from the sweep process.
int run_command_line(int argc, char** argv, const PreparedInputs& prepared = {});

struct RunArguments {
    std::string config;
    std::string system;  // a system of chips instead of one chip
    std::vector<std::string> overrides;
    std::string image;
    uint64_t max_cycles = 10'000'000'000ull;
    bool htif = false;
    std::string stats_path;
    std::string report_path;  // --report: the run's HTML report (cli/run_report.h)
    bool quiet = false;
    std::vector<std::string> loads;  // FILE@ADDR
    std::vector<std::string> dumps;  // ADDR:LEN:FILE
    std::string trace_path;
    std::string flows_path;
    std::string trace_filter;
    std::string trace_window;
    int gdb_port = -1;  // -1: no GDB stub
    bool gdb_wait = false;
    std::string gdb_host = "127.0.0.1";
    bool check_only = false;  // --check: load and elaborate, list the counters, run nothing (a sweep's validation)
    config::YamlFileCache* parsed_files = nullptr;  // not an option: PreparedInputs::parsed_files
};

int run_command(const RunArguments& args);

struct InfoArguments {
    std::string config;
    std::vector<std::string> overrides;
};

int info_command(const InfoArguments& args);

struct ConfigArguments {
    bool list = false;
    bool markdown = false;
};

// `npuemu config --list`: every chip config key with its type, default, range, unit and meaning.
int config_command(const ConfigArguments& args);

struct SweepArguments {
    std::string spec;
    std::string out_dir;
    unsigned jobs = 0;  // 0: the number of cores
    std::string shard;  // I/N
    bool slurm = false;
    std::string partition;
    std::string time = "01:00:00";
    unsigned cpus_per_task = 4;
    size_t shards = 0;
    bool dry_run = false;
    // sweep merge DIR [SRC...]
    std::vector<std::string> merge_dirs;
    // sweep report DIR
    std::string report_dir;
    std::string report_out;
    std::string report_metric;
    bool merge = false;   // `sweep merge` was given
    bool report = false;  // `sweep report` was given
};

int sweep_command(const SweepArguments& args);

struct ClusterArguments {
    std::string config;
    std::vector<std::string> overrides;
    std::string out_path;
    std::string report_path;
    std::string equal_budget;                   // another cluster file, sized to this one's capex and power
    std::vector<std::string> equal_budget_overrides;
    bool scaling = false;  // print the strong-scaling curve (the report always draws it)
    bool quiet = false;
};

// `npuemu cluster FILE.yaml`: one training step of a cluster of chips (docs/cluster.md).
int cluster_command(const ClusterArguments& args);

struct ProfileArguments {
    std::string workload;                         // a YAML file: ops: [...], or model: and plan:
    std::string model;                            // --model NAME|FILE (configs/models/NAME.yaml)
    std::vector<std::string> workload_overrides;  // --workload-set model.seq_length=128, plan.tensor_parallel=8
    std::string dtype = "bf16";                   // of the GEMMs derived from a model
    std::string config;                           // the chip config
    std::vector<std::string> overrides;           // --set: the chip config's keys
    std::string image;                            // default: build/firmware/gemm.elf beside this binary
    std::string out = "profile";                  // OUT.json and OUT.csv
    std::string cache_dir;                        // default: ~/.cache/npuemu/profile
    unsigned jobs = 0;                            // 0: the number of cores
    uint64_t max_cycles = 20'000'000'000ull;
    bool quiet = false;
};

// `npuemu profile`: cycles, MAC utilisation, HBM bytes, energy and cycles per DVFS point of each op of a workload on
// a chip config, cached on disk (docs/profile.md).
int profile_command(const ProfileArguments& args);

struct ReplayArguments {
    std::string flows;   // a run's --flows export (JSON lines)
    std::string system;  // the system that run simulated
    std::vector<std::string> overrides;
    std::string out_path;
    bool quiet = false;
};
int replay_command(const ReplayArguments& args);

}  // namespace npuemu::cli
