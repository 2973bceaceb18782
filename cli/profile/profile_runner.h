// Runs npuemu profile's simulations: each a child `npuemu run` of firmware/gemm in timing-only mode with a job block
// loaded, at most `jobs` at a time, each result taken from the cache when it is there and stored when it is not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/profile/profile_cache.h"

namespace npuemu::profile {

struct RunRequest {
    llm::GemmShape shape;
    std::string label;                   // for progress lines: "as configured", "at 400 MHz"
    std::vector<std::string> overrides;  // the chip config's, for this run (an operating point pinned, ...)
    RunKey key;
};

struct RunOutcome {
    Json
        result;  // gemm_cycles (the kernel's, whatever its kind), sim_cycles, time_ps, hbm_read_bytes, hbm_write_bytes, energy_j (null: no power model)
    bool cached = false;
    bool repeat = false;  // the same run as an earlier request (one shape under two names): its result
    std::string error;    // empty: the run succeeded
};

struct RunnerSettings {
    std::string executable;
    std::string config_file;
    std::string image;            // firmware/gemm, for the GEMMs
    std::string optimizer_image;  // firmware/optimizer, for the optimizer steps
    std::string attention_image;  // firmware/attention, for the attention ops
    std::string layer_ops_image;  // firmware/layer_ops, for the row passes and the attention backward
    uint64_t memory_end = 0;      // one past the chip's global memory (the attention backward's scratch is checked)
    unsigned jobs = 1;
    uint64_t max_cycles = 20'000'000'000ull;
    bool progress = true;  // a line per computed run on stderr
};

std::vector<RunOutcome> run_requests(const std::vector<RunRequest>& requests, const ProfileCache& cache,
                                     const RunnerSettings& settings);

// The result of one run from its console (firmware/gemm's "N cycles, MAC utilisation" line, firmware/optimizer's
// "adamw ...: N cycles" line or firmware/attention's "attention ...: N cycles, M MACs" line: the kernel's own region;
// kept as gemm_cycles for every kind) and its stats document;
// throws npuemu::Error naming what is missing.
Json run_result(const std::string& console_text, const Json& stats);

}  // namespace npuemu::profile
