// `npuemu sweep`: run a sweep description's points locally (or one shard of them), write a Slurm array script,
// merge shards, render the report.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/sweep/child_process.h"
#include "cli/sweep/slurm.h"
#include "cli/sweep/sweep_check.h"
#include "cli/sweep/sweep_merge.h"
#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_report.h"
#include "cli/sweep/sweep_runner.h"
#include "cli/sweep/sweep_spec.h"
#include "cli/sweep/sweep_store.h"
#include "model/common/error.h"

namespace npuemu::cli {

namespace fs = std::filesystem;

namespace {

int merge_command(const SweepArguments& args) {
    const std::string dir = args.merge_dirs.front();
    const std::vector<std::string> sources(args.merge_dirs.begin() + 1, args.merge_dirs.end());
    const sweep::MergeSummary s = sweep::merge_sweep(dir, sources);
    std::fprintf(stderr,
                 "sweep merge: %zu of %zu points have a result (%zu failed, %zu missing), %zu copied in; "
                 "wrote %s/results.csv\n",
                 s.with_result, s.points, s.failed, s.points - s.with_result, s.copied, dir.c_str());
    return s.with_result == s.points ? 0 : 1;
}

int run_sweep(const SweepArguments& args) {
    if (args.spec.empty()) throw Error("sweep: expected a sweep description: npuemu sweep SPEC.yaml --out DIR");
    size_t shard_index = 0, shard_count = 1;
    if (!args.shard.empty()) std::tie(shard_index, shard_count) = sweep::parse_shard(args.shard);
    if (args.out_dir.empty() && !args.dry_run) throw Error("sweep: --out DIR is required");
    if (args.slurm && !args.shard.empty()) throw Error("sweep: --slurm writes a script of shards; it takes no --shard");
    const std::string executable = sweep::self_executable();

    const sweep::SweepSpec spec = sweep::load_sweep_spec(args.spec, sweep::firmware_dir(executable));
    sweep::Plan plan = sweep::make_plan(spec);
    config::YamlFileCache parsed_files;  // the base config and HBM presets, for the points to reuse
    sweep::validate_plan(spec, plan, &parsed_files);
    sweep::check_workloads(spec, plan, executable);
    const std::vector<sweep::Point> points = sweep::shard_points(plan.points, shard_index, shard_count);

    if (args.dry_run) {
        std::printf("sweep '%s': %zu points (%zu rejected by constraints)%s\n", spec.name.c_str(), plan.points.size(),
                    plan.rejected_by_constraints,
                    args.shard.empty() ? "" : (", shard " + args.shard + ": " + std::to_string(points.size())).c_str());
        for (const auto& p : points) {
            std::printf("%4zu %s %s", p.index, p.id.c_str(), spec.workloads[p.workload].name.c_str());
            for (const auto& o : p.overrides()) std::printf(" %s", o.c_str());
            std::printf("\n");
        }
        return 0;
    }

    std::error_code error;
    fs::create_directories(args.out_dir + "/points", error);
    if (error) throw Error(args.out_dir + ": cannot create the sweep directory: " + error.message());
    const sweep::Json manifest = sweep::make_manifest(spec, plan);
    try {
        const sweep::Json previous = sweep::read_manifest(args.out_dir);
        if (previous["spec_hash"] != manifest["spec_hash"]) {
            std::fprintf(stderr,
                         "sweep: note: %s held a sweep from a different spec; points with the same workload "
                         "and settings keep their results\n",
                         args.out_dir.c_str());
        }
    } catch (const Error&) {
        // No previous manifest: a new sweep.
    }
    sweep::write_manifest(args.out_dir, manifest);

    if (args.slurm) {
        sweep::SlurmOptions slurm;
        slurm.partition = args.partition;
        slurm.time = args.time;
        slurm.cpus_per_task = args.cpus_per_task ? args.cpus_per_task : 1;
        slurm.shards = args.shards ? args.shards : (plan.points.size() + slurm.cpus_per_task - 1) / slurm.cpus_per_task;
        if (slurm.shards > plan.points.size()) slurm.shards = plan.points.size();
        const std::string dir = fs::absolute(args.out_dir).lexically_normal().string();
        fs::create_directories(dir + "/slurm");
        const std::string script = dir + "/sweep.sbatch";
        sweep::write_file_atomic(
            script, sweep::slurm_script(spec.name, executable, fs::absolute(args.spec).lexically_normal().string(), dir,
                                        slurm));
        fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
        std::printf(
            "wrote %s: %zu points in %zu array tasks of %u CPUs\n  submit:  sbatch %s\n  then:    %s sweep "
            "merge %s\n",
            script.c_str(), plan.points.size(), slurm.shards, slurm.cpus_per_task, script.c_str(), executable.c_str(),
            dir.c_str());
        return 0;
    }

    sweep::RunnerOptions options;
    options.dir = args.out_dir;
    options.executable = executable;
    const PreparedInputs prepared{&parsed_files};
    options.entry = [&prepared](int argc, char** argv) { return run_command_line(argc, argv, prepared); };
    options.jobs = args.jobs ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
    if (!args.shard.empty()) {
        options.csv_name =
            "results.shard-" + std::to_string(shard_index) + "-of-" + std::to_string(shard_count) + ".csv";
    }
    std::fprintf(
        stderr, "sweep '%s': %zu points%s, %u jobs, into %s\n", spec.name.c_str(), points.size(),
        args.shard.empty() ? "" : (" (shard " + args.shard + " of " + std::to_string(plan.points.size()) + ")").c_str(),
        options.jobs, args.out_dir.c_str());
    const sweep::RunnerSummary s = sweep::run_points(spec, manifest, points, options);
    std::fprintf(stderr, "sweep: %zu points: %zu ran, %zu resumed, %zu failed; wrote %s/%s\n", s.points, s.ran,
                 s.resumed, s.failed, args.out_dir.c_str(), options.csv_name.c_str());
    return s.failed ? 1 : 0;
}

}  // namespace

int sweep_command(const SweepArguments& args) {
    if (args.merge) return merge_command(args);
    if (args.report) {
        const std::string out = args.report_out.empty() ? args.report_dir + "/report.html" : args.report_out;
        const size_t shown = sweep::write_report(args.report_dir, out, args.report_metric);
        std::fprintf(stderr, "sweep report: %zu finished points; wrote %s\n", shown, out.c_str());
        return 0;
    }
    return run_sweep(args);
}

}  // namespace npuemu::cli
