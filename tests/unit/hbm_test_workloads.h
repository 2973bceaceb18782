// Helpers the HBM unit tests share beyond the rig (tests/unit/test_hbm_*.cpp): the presets read by the project's
// own loader, problem lists as text, command-log comparison and a seeded random request mix.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "model/config/chip_config.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"
#include "tests/unit/hbm_test_rig.h"

namespace npuemu::mem::hbm_test {

// hashed = false: the preset's mapping without its address hashing, and writes complete when written (for tests of
// the controller that place requests by the plain bit fields and time writes to their data).
inline HbmConfig load_preset(const std::string& name, uint32_t stacks, bool hashed = true) {
    // One file per process: ctest runs the test cases in parallel processes.
    const std::string path = "/tmp/npuemu_test_hbm_preset_" + std::to_string(::getpid()) + "_" + name + "_" +
                             std::to_string(stacks) + ".yaml";
    {
        std::ofstream out(path);
        out << "chip:\n  tiles: 1\nhbm:\n  preset: " << name << "\n  stacks: " << stacks << "\n";
    }
    const npuemu::config::ChipConfig chip = npuemu::config::load_chip_config(path);
    std::remove(path.c_str());
    HbmConfig config = chip.hbm;
    if (!hashed) {
        config.mapping.hash_channels = config.mapping.hash_banks = false;
        config.controller.early_write_ack = false;
    }
    return config;
}

inline std::string describe(const std::vector<HbmConfigProblem>& problems) {
    std::string s;
    for (const auto& p : problems) s += "\n  " + p.key + ": " + p.message;
    return s;
}

inline bool same_commands(const std::vector<HbmCommand>& a, const std::vector<HbmCommand>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].cycle != b[i].cycle || a[i].kind != b[i].kind || a[i].bank_group != b[i].bank_group ||
            a[i].bank != b[i].bank || a[i].row != b[i].row || a[i].column != b[i].column)
            return false;
    return true;
}

// A random mix: reads and writes, bursts of locality and random rows, arrivals spread over time, some of them
// between clock edges.
inline std::vector<HbmRequest> random_workload(const HbmConfig& c, uint64_t seed, size_t n,
                                               uint64_t max_gap_ps = 7000) {
    std::mt19937_64 rng(seed);
    std::vector<HbmRequest> out;
    uint64_t t = 0;
    for (size_t i = 0; i < n; ++i) {
        t += rng() % max_gap_ps;
        HbmRequest r;
        r.tag = i;
        r.write = rng() % 3 == 0;
        r.bank_group = rng() % c.geometry.bank_groups;
        r.bank = rng() % c.geometry.banks_per_group;
        r.row = rng() % 4;  // few rows: hits, misses and conflicts
        r.columns = 1 + rng() % 8;
        r.column = rng() % (c.geometry.columns() - r.columns + 1);
        r.arrival_ps = t;
        out.push_back(r);
    }
    return out;
}

}  // namespace npuemu::mem::hbm_test
