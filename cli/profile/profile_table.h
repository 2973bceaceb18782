// npuemu profile's table: one row per op (name, m, n, k, dtype, cycles, MAC utilisation, HBM bytes, energy, cycles at
// each DVFS operating point), as JSON (versioned schema), CSV and a text table for a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/profile/profile_cache.h"
#include "model/power/power_config.h"

namespace npuemu::profile {

struct ProfileRow {
    llm::GemmShape shape;
    Json run;                     // the run at the chip config as given (its DVFS free to throttle)
    std::vector<Json> at_points;  // a run per operating point, pinned there
};

struct ProfileTable {
    std::string chip;
    std::string config_file;
    std::string config_hash;
    std::string image;
    std::string image_hash;
    std::string workload;
    uint64_t peak_macs_per_cycle = 0;  // matrix rows x cols x tiles
    std::vector<power::OperatingPoint> points;
    std::vector<ProfileRow> rows;
};

Json table_json(const ProfileTable& table);
std::string table_csv(const ProfileTable& table);
std::string table_text(const ProfileTable& table);

// The MAC utilisation of a GEMM that took cycles on a chip of peak_macs_per_cycle: m n k / (peak x cycles).
double mac_utilization(const llm::GemmShape& shape, uint64_t peak_macs_per_cycle, uint64_t cycles);

}  // namespace npuemu::profile
