// Host speed of one HBM pseudo channel's controller: column commands decided per host second, driven the way the
// SystemC side drives it (submit, then advance in small steps of simulated time), on a streaming read workload, a
// streaming read/write mix, random traffic and the chip's traffic (many streams spread over every bank by the
// address hash, the window always full, 5 ns steps). Also prints each workload's data-bus utilisation.
//
// Built with the project; run from the source tree:
//   build/bin/hbm_controller_speed [configs/memory/hbm2e.yaml] [million columns] [repeats]
// Recorded figures: bench/hbm_controller_speed.md.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "model/common/error.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"

using namespace npuemu::mem;

namespace {

// Reads the preset's device and controller keys (the address mapping does not matter to one pseudo channel).
HbmConfig load(const std::string& path) {
    const YAML::Node y = YAML::LoadFile(path);
    HbmConfig c;
    c.preset = path;
    c.clock_mhz = y["clock_mhz"].as<uint32_t>();
    c.data_rate_mtps = y["data_rate_mtps"].as<uint32_t>();
    const YAML::Node g = y["geometry"];
    c.geometry.channels_per_stack = g["channels_per_stack"].as<uint32_t>();
    c.geometry.pseudo_channels_per_channel = g["pseudo_channels_per_channel"].as<uint32_t>();
    c.geometry.bank_groups = g["bank_groups"].as<uint32_t>();
    c.geometry.banks_per_group = g["banks_per_group"].as<uint32_t>();
    c.geometry.rows = g["rows"].as<uint32_t>();
    c.geometry.row_bytes = g["row_bytes"].as<uint32_t>();
    c.geometry.bus_width_bits = g["bus_width_bits"].as<uint32_t>();
    c.geometry.burst_length = g["burst_length"].as<uint32_t>();
    const YAML::Node t = y["timing"];
    HbmTiming& m = c.timing;
    for (auto [key, field] : std::initializer_list<std::pair<const char*, uint32_t*>>{
             {"tRCD", &m.tRCD_cycles},     {"tRP", &m.tRP_cycles},       {"tRAS", &m.tRAS_cycles},
             {"tRC", &m.tRC_cycles},       {"tCL", &m.tCL_cycles},       {"tWL", &m.tWL_cycles},
             {"tCCD_S", &m.tCCD_S_cycles}, {"tCCD_L", &m.tCCD_L_cycles}, {"tRRD_S", &m.tRRD_S_cycles},
             {"tRRD_L", &m.tRRD_L_cycles}, {"tFAW", &m.tFAW_cycles},     {"tWR", &m.tWR_cycles},
             {"tWTR_S", &m.tWTR_S_cycles}, {"tWTR_L", &m.tWTR_L_cycles}, {"tRTP", &m.tRTP_cycles},
             {"tRTW", &m.tRTW_cycles},     {"tRFC", &m.tRFC_cycles},     {"tRFCpb", &m.tRFCpb_cycles},
             {"tREFI", &m.tREFI_cycles}})
        *field = t[std::string(key) + "_cycles"].as<uint32_t>();
    const YAML::Node k = y["controller"];
    c.controller.page_policy = k["page_policy"].as<std::string>() == "closed" ? PagePolicy::Closed : PagePolicy::Open;
    c.controller.refresh = k["refresh"].as<std::string>() == "all_bank" ? RefreshMode::AllBank : RefreshMode::PerBank;
    c.controller.queue_depth = k["queue_depth"].as<uint32_t>();
    c.controller.write_high_watermark = k["write_high_watermark"].as<uint32_t>();
    c.controller.write_low_watermark = k["write_low_watermark"].as<uint32_t>();
    return c;
}

enum class Workload { StreamRead, StreamMix, Random, ManyStreams };

struct Result {
    uint64_t columns = 0;
    double host_seconds = 0, bus_utilisation = 0;
};

// Keeps the controller saturated (at least `backlog` requests queued, each arriving when it is submitted) and
// advances simulated time in steps of `step_ps`, as a SystemC process waking every few tens of nanoseconds would.
Result run(const HbmConfig& c, Workload w, uint64_t target_columns, uint64_t step_ps, size_t backlog) {
    HbmChannelController ctl(c);
    const HbmGeometry& g = c.geometry;
    const uint32_t cols = g.columns(), per_request = 8;  // 256-byte requests, as the presets' mapping cuts them
    const uint32_t per_row = cols / per_request;
    std::mt19937_64 rng(42);
    uint64_t next = 0, done = 0, submitted_columns = 0;
    // ManyStreams: 32 tiles' streams, each through a row (1 KiB, 4 requests), then on to a random bank and row.
    struct Stream {
        uint32_t bank, row, request;
    };
    std::vector<Stream> streams(32, Stream{0, 0, per_row});
    auto make = [&](uint64_t i, uint64_t arrival) {
        HbmRequest r;
        r.tag = i;
        r.arrival_ps = arrival;
        r.columns = per_request;
        if (w == Workload::ManyStreams) {
            Stream& s = streams[rng() % streams.size()];
            if (s.request == per_row) s = {uint32_t(rng() % g.banks()), uint32_t(rng() % g.rows), 0};
            r.bank_group = s.bank / g.banks_per_group;
            r.bank = s.bank % g.banks_per_group;
            r.row = s.row;
            r.column = s.request++ * per_request;
        } else if (w == Workload::Random) {
            r.bank_group = rng() % g.bank_groups;
            r.bank = rng() % g.banks_per_group;
            r.row = rng() % g.rows;
            r.column = (rng() % per_row) * per_request;
            r.write = rng() % 3 == 0;
        } else {
            // Consecutive addresses of one pseudo channel: a row (1 KiB) per bank, bank groups alternating.
            const uint64_t row_index = i / per_row;
            r.column = (i % per_row) * per_request;
            r.bank_group = row_index % g.bank_groups;
            r.bank = (row_index / g.bank_groups) % g.banks_per_group;
            r.row = (row_index / g.banks()) % g.rows;
            r.write = w == Workload::StreamMix && (i / 64) % 4 == 3;  // a quarter written, in runs
        }
        return r;
    };
    const auto start = std::chrono::steady_clock::now();
    uint64_t now = 0;
    while (done * per_request < target_columns) {
        while (ctl.queued_requests() < backlog && submitted_columns < target_columns) {
            ctl.submit(make(next++, now));
            submitted_columns += per_request;
        }
        now += step_ps;
        ctl.advance(now, [&](uint64_t, uint64_t) { ++done; });
    }
    const auto end = std::chrono::steady_clock::now();
    const HbmChannelStats& s = ctl.stats();
    Result out;
    out.columns = s.row_hits + s.row_misses + s.row_conflicts;
    out.host_seconds = std::chrono::duration<double>(end - start).count();
    out.bus_utilisation = double(s.data_bus_busy_cycles) / (double(now) / double(c.clock_period_ps()));
    return out;
}

}  // namespace

// The mem block links SystemC (its SystemC side), whose library wants an sc_main; the benchmark is plain main().
int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
    try {
        const std::string path = argc > 1 ? argv[1] : "configs/memory/hbm2e.yaml";
        const double millions = argc > 2 ? std::atof(argv[2]) : 16.0;
        const HbmConfig c = load(path);
        for (const auto& p : check_hbm_config(c))
            if (p.key.rfind("address_mapping", 0) != 0 && p.key != "geometry.stacks")
                throw npuemu::Error(path + ": " + p.key + ": " + p.message);
        const auto target = static_cast<uint64_t>(millions * 1e6);
        std::printf("%s, one pseudo channel, %.0f M column commands per workload (random: a quarter), saturated "
                    "(a backlog of 8-column requests)\n",
                    path.c_str(), millions);
        const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
        std::printf("%-38s %8s %16s %14s %9s\n", "workload", "host s", "M cols/s median", "best", "bus busy %");
        // The backlog covers more than a step's worth of data-bus time, so the controller never runs dry.
        const struct {
            const char* name;
            Workload w;
            uint64_t step_ps;
            size_t backlog;
        } cases[] = {
            {"streaming read, 20 ns steps", Workload::StreamRead, 20'000, 64},
            {"streaming read, 1 us steps", Workload::StreamRead, 1'000'000, 256},
            {"streaming read+write, 20 ns steps", Workload::StreamMix, 20'000, 64},
            {"random rows, 20 ns steps", Workload::Random, 20'000, 64},
            {"32 streams over all banks, 5 ns steps", Workload::ManyStreams, 5'000, 64},
        };
        for (const auto& k : cases) {
            // Random rows are bandwidth-poor; 32 streams leave a row every 4 requests.
            const uint64_t n = k.w == Workload::Random || k.w == Workload::ManyStreams ? target / 4 : target;
            std::vector<double> rates;
            Result r;
            for (int i = 0; i < repeats; ++i) {
                r = run(c, k.w, n, k.step_ps, k.backlog);
                rates.push_back(r.columns / r.host_seconds / 1e6);
            }
            std::sort(rates.begin(), rates.end());
            std::printf("%-38s %8.3f %16.1f %14.1f %9.1f\n", k.name, r.host_seconds, rates[rates.size() / 2],
                        rates.back(), 100 * r.bus_utilisation);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
