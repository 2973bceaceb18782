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
    llm::GemmShape shape;  // a GEMM's; for the other kinds only its name (m = n = k = 0)
    OpKind kind = OpKind::Gemm;
    uint32_t params = 0;                              // OpKind::Optimizer
    AttentionDims attention;                          // OpKind::Attention, OpKind::AttentionBackward
    llm::RowPass row_pass = llm::RowPass::Layernorm;  // OpKind::Rows: shape.m x shape.n are its rows x cols
    // A GEMM's m n k, attention's (AttentionDims::macs, backward_macs); 0 for the optimizer and the row passes.
    double macs() const;
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
    uint64_t peak_macs_per_cycle = 0;   // matrix rows x cols x tiles
    double memory_bytes_per_cycle = 0;  // the smaller of all tiles' DMA and the HBM's peak, per chip cycle
    std::vector<power::OperatingPoint> points;
    std::vector<ProfileRow> rows;
};

Json table_json(const ProfileTable& table);
std::string table_csv(const ProfileTable& table);
std::string table_text(const ProfileTable& table);

// The MAC utilisation of a GEMM that took cycles on a chip of peak_macs_per_cycle: m n k / (peak x cycles).
double mac_utilization(const llm::GemmShape& shape, uint64_t peak_macs_per_cycle, uint64_t cycles);
double mac_utilization(double macs, uint64_t peak_macs_per_cycle, uint64_t cycles);

// An op's place on the chip's roofline: its arithmetic intensity (2 ops per MAC per byte moved to or from the HBM),
// which roof bounds it, and the fraction of that roof's time it achieved (the roof's cycles / its cycles).
struct RooflinePosition {
    double ops_per_byte = 0;
    bool memory_bound = false;
    double fraction_of_roof = 0;
};
RooflinePosition roofline_position(const llm::GemmShape& shape, uint64_t hbm_bytes, uint64_t cycles,
                                   uint64_t peak_macs_per_cycle, double memory_bytes_per_cycle);
RooflinePosition roofline_position(double macs, uint64_t hbm_bytes, uint64_t cycles, uint64_t peak_macs_per_cycle,
                                   double memory_bytes_per_cycle);

}  // namespace npuemu::profile
