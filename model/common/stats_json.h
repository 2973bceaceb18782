// The stats file of a run: a versioned JSON document with the run's outcome and every registered counter. It holds
// simulated quantities only (no wall-clock time), so the same inputs give the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "model/common/stats.h"

namespace npuemu {

constexpr const char* kStatsSchema = "npuemu-stats";
// Version 2: units and descriptions ("units"); per-unit statistics under their blocks' names (docs/stats.md).
constexpr int kStatsSchemaVersion = 2;

// counters: {"tile0.core.instructions": 123, ...}; whole-number values are written as integers.
nlohmann::ordered_json stats_to_json(const StatsRegistry& stats);
// units: {"tile0.core.instructions": {"unit": "count", "description": "instructions retired"}, ...}.
nlohmann::ordered_json units_to_json(const StatsRegistry& stats);
// histograms: {"hbm.read_latency": {"unit": "ns", "buckets": [[low, high, count], ...]}} with the non-empty
// buckets (high exclusive).
nlohmann::ordered_json histograms_to_json(const StatsRegistry& stats);
// Writes atomically (a temporary file, then rename): a reader never sees half a file.
void write_json_file(const std::string& path, const nlohmann::ordered_json& document);

}  // namespace npuemu
