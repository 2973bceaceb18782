// The sweep directory: DIR/manifest.json (what the sweep is and which points it has), DIR/points/<id>/ (one folder
// per point: console.txt, stats.json, result.json) and DIR/results.csv. Every file is written to a temporary name and
// renamed into place, so a crash or a SIGKILL leaves either the old file or the new one, never half of one. A point is
// finished when its result.json exists; results.csv is regenerated from the result files.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>

#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_spec.h"

namespace npuemu::sweep {

constexpr const char* kManifestSchema = "npuemu-sweep-manifest";
constexpr const char* kResultSchema = "npuemu-sweep-point";
constexpr int kSweepSchemaVersion = 1;
// The sweep's own JSON files are read with a bound (a manifest of the largest sweep is a few hundred MB).
constexpr uint64_t kMaxSweepJsonBytes = 1ull << 30;

using Json = nlohmann::ordered_json;

// Writes text to path through a temporary file in the same directory (unique per process) and rename().
void write_file_atomic(const std::string& path, const std::string& text);

Json make_manifest(const SweepSpec& spec, const Plan& plan);
void write_manifest(const std::string& dir, const Json& manifest);
// Throws npuemu::Error when DIR holds no readable manifest.
Json read_manifest(const std::string& dir);
// 16 hex digits of a hash of the spec file, to tell sweeps apart.
std::string spec_hash(const std::string& spec_text);

std::string point_dir(const std::string& dir, const std::string& id);
// The point's result.json, or nothing when it has none (not run, interrupted) or it cannot be read.
std::optional<Json> read_result(const std::string& dir, const std::string& id);

// results.csv's first line, and the line of one point (an element of the manifest's "points") with its result.
std::string results_csv_header(const Json& manifest);
std::string results_csv_row(const Json& manifest, const Json& point, const Json& result);

// Regenerates DIR/<name> from the result files of the manifest's points (all, or those whose index is in only),
// sorted by point index. Returns how many points had a result.
size_t write_results_csv(const std::string& dir, const Json& manifest, const std::string& name,
                         const std::set<size_t>* only = nullptr);

}  // namespace npuemu::sweep
