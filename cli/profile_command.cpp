// `npuemu profile`: runs each op of a workload (a list of GEMM shapes, or the per-chip shards of a model's layer under
// a parallel plan) on the chip model, cached on disk, and writes the table (docs/profile.md).
#include <algorithm>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "cli/profile/profile_ops.h"
#include "cli/profile/profile_runner.h"
#include "cli/profile/profile_table.h"
#include "cli/sweep/child_process.h"
#include "cli/sweep/sweep_store.h"
#include "model/common/error.h"
#include "model/config/config_lookup.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::cli {

namespace {

// The overrides that pin every tile to operating point `index` for the whole run: it starts there, and the hardware
// throttle's limit is out of reach, so it stays there.
std::vector<std::string> pinned(std::vector<std::string> overrides, size_t index) {
    overrides.push_back("pmu.tj_max_mC=200000");
    overrides.push_back("pmu.start_point=" + std::to_string(index));
    return overrides;
}

}  // namespace

int profile_command(const ProfileArguments& args) {
    const std::string config_file = config::resolve_config(args.config);
    std::vector<std::string> overrides = args.overrides;
    overrides.push_back("npu.arithmetic=skip");  // timing-only: the same cycles, no host arithmetic (docs/npu.md)
    const profile::ResolvedConfig base = profile::resolve_chip_config(config_file, overrides);

    profile::WorkloadOptions workload_options;
    workload_options.file = args.workload;
    workload_options.model = args.model;
    workload_options.overrides = args.workload_overrides;
    workload_options.dtype = args.dtype;
    workload_options.optimizer_params = profile::optimizer_params_that_fit(base.chip);
    if (workload_options.file.empty() && workload_options.model.empty()) {
        throw Error("profile: give a workload file (ops: or model: and plan:) or --model NAME");
    }
    const profile::Workload workload = profile::load_workload(workload_options);
    for (const auto& op : workload.ops) profile::check_fits(op, base.chip);

    const std::string executable = sweep::self_executable();
    const std::string image = args.image.empty() ? sweep::firmware_dir(executable) + "/gemm.elf" : args.image;
    const std::string image_hash = profile::file_hash(image);
    const std::string optimizer_image = sweep::firmware_dir(executable) + "/optimizer.elf";
    const std::string attention_image = sweep::firmware_dir(executable) + "/attention.elf";
    const std::string layer_ops_image = sweep::firmware_dir(executable) + "/layer_ops.elf";
    const auto any_of_kind = [&workload](profile::OpKind kind) {
        return std::any_of(workload.ops.begin(), workload.ops.end(),
                           [kind](const profile::ProfileOp& op) { return op.kind == kind; });
    };
    const std::string optimizer_image_hash =
        any_of_kind(profile::OpKind::Optimizer) ? profile::file_hash(optimizer_image, "the optimizer firmware") : "";
    const std::string attention_image_hash =
        any_of_kind(profile::OpKind::Attention) ? profile::file_hash(attention_image, "the attention firmware") : "";
    const std::string layer_ops_image_hash =
        any_of_kind(profile::OpKind::Rows) || any_of_kind(profile::OpKind::AttentionBackward)
            ? profile::file_hash(layer_ops_image, "the layer_ops firmware")
            : "";
    const std::string simulator_hash = profile::file_hash(executable, "the npuemu binary");
    const profile::ProfileCache cache(args.cache_dir.empty() ? profile::default_cache_dir() : args.cache_dir);

    // Per op: the run at the config as given, then one pinned at each operating point (none without a power model).
    const std::vector<power::OperatingPoint> points =
        base.chip.power.enabled ? base.chip.power.operating_points : std::vector<power::OperatingPoint>{};
    std::vector<std::string> point_hashes;
    for (size_t i = 0; i < points.size(); ++i) {
        point_hashes.push_back(profile::resolve_chip_config(config_file, pinned(overrides, i)).hash);
    }
    std::vector<profile::RunRequest> requests;
    for (const auto& op : workload.ops) {
        const bool layer_op = op.kind == profile::OpKind::Rows || op.kind == profile::OpKind::AttentionBackward;
        const std::string& op_image_hash = op.kind == profile::OpKind::Optimizer   ? optimizer_image_hash
                                           : op.kind == profile::OpKind::Attention ? attention_image_hash
                                           : layer_op                              ? layer_ops_image_hash
                                                                                   : image_hash;
        const auto key = [&](const std::string& config_hash) {
            return profile::RunKey{config_hash, op_image_hash, op.shape,     simulator_hash,
                                   op.kind,     op.params,     op.attention, op.row_pass};
        };
        requests.push_back({op.shape, "as configured", overrides, key(base.hash)});
        for (size_t i = 0; i < points.size(); ++i) {
            requests.push_back({op.shape, "at " + std::to_string(points[i].frequency_mhz) + " MHz",
                                pinned(overrides, i), key(point_hashes[i])});
        }
    }
    profile::RunnerSettings settings;
    settings.executable = executable;
    settings.config_file = config_file;
    settings.image = image;
    settings.optimizer_image = optimizer_image;
    settings.attention_image = attention_image;
    settings.layer_ops_image = layer_ops_image;
    settings.memory_end = NPUEMU_GLOBAL_MEM_BASE + base.chip.global_memory.size_bytes;
    settings.jobs = args.jobs ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
    settings.max_cycles = args.max_cycles;
    settings.progress = !args.quiet;
    const std::vector<profile::RunOutcome> outcomes = profile::run_requests(requests, cache, settings);

    size_t hits = 0, repeats = 0, failed = 0;
    std::string first_error;
    for (const auto& outcome : outcomes) {
        hits += outcome.cached && !outcome.repeat;  // a repeat of a cached run is counted once, as a repeat
        repeats += outcome.repeat;
        if (!outcome.error.empty()) {
            ++failed;
            if (first_error.empty()) first_error = outcome.error;
        }
    }
    std::fprintf(stderr, "profile: %zu runs (%zu ops x %zu), %zu from the cache, %zu computed%s; cache %s\n",
                 requests.size(), workload.ops.size(), points.size() + 1, hits, requests.size() - hits - repeats,
                 repeats ? (", " + std::to_string(repeats) + " the same as another op's").c_str() : "",
                 cache.dir().c_str());
    if (failed) {
        // Not bad input (that was checked before anything ran): a run that failed, kept in the cache's tmp/ for a look.
        std::fprintf(stderr, "npuemu: error: profile: %zu runs failed, no table written; the first: %s\n", failed,
                     first_error.c_str());
        return 1;
    }

    profile::ProfileTable table;
    table.chip = base.chip.name;
    table.config_file = config_file;
    table.config_hash = base.hash;
    table.image = image;
    table.image_hash = image_hash;
    table.workload = workload.description;
    table.peak_macs_per_cycle = uint64_t(base.chip.npu.matrix.rows) * base.chip.npu.matrix.cols * base.chip.tile_count;
    // The roofline's memory roof, as `npuemu info` gives it: the smaller of all tiles' DMA and the HBM's peak.
    const double clock_hz = static_cast<double>(base.chip.clock_frequency_hz);
    table.memory_bytes_per_cycle = std::min(double(base.chip.npu.dma.bandwidth_bytes_per_cycle) * base.chip.tile_count,
                                            base.chip.hbm.peak_bytes_per_second() / clock_hz);
    table.points = points;
    size_t next = 0;
    for (const auto& op : workload.ops) {
        profile::ProfileRow row;
        row.shape = op.shape;
        row.kind = op.kind;
        row.params = op.params;
        row.attention = op.attention;
        row.row_pass = op.row_pass;
        row.run = outcomes[next++].result;
        for (size_t i = 0; i < points.size(); ++i) row.at_points.push_back(outcomes[next++].result);
        table.rows.push_back(row);
    }
    sweep::write_file_atomic(args.out + ".json", profile::table_json(table).dump(2) + "\n");
    sweep::write_file_atomic(args.out + ".csv", profile::table_csv(table));
    if (!args.quiet) {
        std::printf("%s on chip '%s' (%s)\n%s", workload.description.c_str(), table.chip.c_str(), config_file.c_str(),
                    profile::table_text(table).c_str());
    }
    std::fprintf(stderr, "profile: wrote %s.json and %s.csv\n", args.out.c_str(), args.out.c_str());
    return 0;
}

}  // namespace npuemu::cli
