// The HBM2E and HBM3 presets as the project's loader reads them, and streaming bandwidth through them.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/mem/hbm_address_map.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"
#include "tests/unit/hbm_test_rig.h"
using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;

#include "tests/unit/hbm_test_workloads.h"

using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;

// ------------------------------------------------------------------------------------------------------------------
// The presets, read by the project's own loader (a one-tile chip config naming the preset and a stack count).

namespace {

// Reads (or writes) a byte range of global memory through the address map, keeping the runs of one pseudo
// channel as requests arriving at `arrival_ps`.
std::vector<HbmRequest> requests_of_pc(const HbmAddressMap& map, uint64_t offset, uint64_t bytes, uint32_t pc,
                                       bool is_write = false) {
    std::vector<HbmRun> runs;
    map.split(offset, bytes, runs);
    std::vector<HbmRequest> out;
    for (const auto& r : runs)
        if (r.global_pseudo_channel == pc) {
            HbmRequest q = read(out.size(), r.bank_group, r.bank, r.row, r.column, r.columns, 0);
            q.write = is_write;
            out.push_back(q);
        }
    return out;
}

struct StreamResult {
    double bus_utilisation;  // data-bus busy cycles / cycles from the first arrival to the last data beat
    uint64_t last_done_ps;
    HbmChannelStats stats;
};

// All requests queued at time 0 (a saturated controller), run to completion.
StreamResult run_saturated(const HbmConfig& c, const std::vector<HbmRequest>& requests) {
    HbmChannelController ctl(c);
    for (const auto& r : requests) ctl.submit(r);
    uint64_t last = 0, n = 0;
    while (n < requests.size()) {
        REQUIRE(ctl.next_decision_ps() != UINT64_MAX);
        REQUIRE_MESSAGE(ctl.decided_until_ps() < 1'000'000'000'000ull,
                        "no progress: " << n << " of " << requests.size());
        ctl.advance(ctl.decided_until_ps() + 1'000'000, [&](uint64_t, uint64_t done) {
            last = std::max(last, done);
            ++n;
        });
    }
    const double cycles = double(last) / double(c.clock_period_ps());
    return {double(ctl.stats().data_bus_busy_cycles) / cycles, last, ctl.stats()};
}

}  // namespace

TEST_CASE("hbm: the HBM2E and HBM3 presets are consistent, and their figures are the documented ones") {
    const HbmConfig e = load_preset("hbm2e", 4), h = load_preset("hbm3", 4);
    CHECK_MESSAGE(check_hbm_config(e).empty(), describe(check_hbm_config(e)));
    CHECK_MESSAGE(check_hbm_config(h).empty(), describe(check_hbm_config(h)));
    // HBM2E: 3.2 Gb/s x 1024 pins = 409.6 GB/s per stack, 16 GiB per stack, BL4 of 64 bits = 32 bytes in 2 clocks.
    CHECK(e.clock_period_ps() == 625);
    CHECK(e.burst_cycles() == 2);
    CHECK(e.geometry.access_bytes() == 32);
    CHECK(e.peak_bytes_per_second() == doctest::Approx(4 * 409.6e9).scale(0));
    CHECK(e.geometry.capacity_bytes() == 4 * (uint64_t(16) << 30));
    // HBM3: 6.4 Gb/s x 1024 pins = 819.2 GB/s per stack, 32 pseudo channels of 32 bits, BL8 = 32 bytes in 2 clocks.
    CHECK(h.beats_per_clock() == 4);
    CHECK(h.burst_cycles() == 2);
    CHECK(h.geometry.access_bytes() == 32);
    CHECK(h.geometry.pseudo_channels() == 4 * 32);
    CHECK(h.peak_bytes_per_second() == doctest::Approx(4 * 819.2e9).scale(0));
    CHECK(h.geometry.capacity_bytes() == 4 * (uint64_t(16) << 30));
    // The mapping: consecutive 256-byte blocks go to consecutive pseudo channels, and a pseudo channel's next
    // 256 bytes (one round later) continue the same row.
    for (const HbmConfig* c : {&e, &h}) {
        const HbmAddressMap map(*c);
        const uint32_t pcs = c->geometry.pseudo_channels();
        std::vector<bool> seen(pcs, false);
        for (uint32_t i = 0; i < pcs; ++i) seen[map.decode(uint64_t(i) * 256).global_pseudo_channel] = true;
        CHECK(std::count(seen.begin(), seen.end(), true) == pcs);
        const HbmLocation a = map.decode(0), b = map.decode(uint64_t(pcs) * 256);
        CHECK(b.global_pseudo_channel == a.global_pseudo_channel);
        CHECK(b.row == a.row);
        CHECK(b.bank == a.bank);
        CHECK(b.bank_group == a.bank_group);
        CHECK(b.column == a.column + 8);
        // After a whole row (1 KiB per PC), the next bank group.
        CHECK(map.decode(uint64_t(pcs) * 1024).bank_group == a.bank_group + 1);
    }
}

TEST_CASE("hbm: streaming reads across bank groups keep one pseudo channel's data bus >= 90% busy (per-bank refresh)") {
    for (const std::string name : {"hbm2e", "hbm3"}) {
        CAPTURE(name);
        const HbmConfig c = load_preset(name, 4, false);
        REQUIRE(c.controller.refresh == RefreshMode::PerBank);
        const HbmAddressMap map(c);
        // 64 MiB of consecutive addresses: pseudo channel 0's share, 8 columns (256 B) per request.
        const auto requests = requests_of_pc(map, 0, 64ull << 20, 0);
        REQUIRE(!requests.empty());
        const StreamResult s = run_saturated(c, requests);
        MESSAGE(name << " streaming read: data bus " << s.bus_utilisation * 100 << "% busy, row hits "
                     << s.stats.row_hits << ", misses " << s.stats.row_misses << ", conflicts " << s.stats.row_conflicts
                     << ", refreshes " << s.stats.refreshes);
        CHECK(s.bus_utilisation >= 0.90);
        CHECK(s.bus_utilisation <= 1.0);
        CHECK(s.stats.refreshes > 0);  // the run is long enough for refresh to cost something
        // Streaming writes likewise.
        const StreamResult w = run_saturated(c, requests_of_pc(map, 0, 64ull << 20, 0, true));
        MESSAGE(name << " streaming write: data bus " << w.bus_utilisation * 100 << "% busy");
        CHECK(w.bus_utilisation >= 0.90);
    }
}

TEST_CASE("hbm: a stride that hits one bank collapses the bandwidth") {
    for (const std::string name : {"hbm2e", "hbm3"}) {
        CAPTURE(name);
        const HbmConfig c = load_preset(name, 4, false);
        const HbmAddressMap map(c);
        const auto stream = requests_of_pc(map, 0, 16ull << 20, 0);
        // A stride of one row of every bank of every pseudo channel: 256 bytes each time, always bank group 0
        // bank 0 of pseudo channel 0, a new row each time.
        const uint64_t stride = uint64_t(c.geometry.pseudo_channels()) * c.geometry.banks() * c.geometry.row_bytes;
        std::vector<HbmRequest> strided;
        std::vector<HbmRun> runs;
        for (uint64_t i = 0; i < stream.size(); ++i) {
            map.split(i * stride, 256, runs);
            REQUIRE(runs.size() == 1);
            REQUIRE(runs[0].global_pseudo_channel == 0);
            REQUIRE(runs[0].bank_group == 0);
            REQUIRE(runs[0].bank == 0);
            strided.push_back(read(i, 0, 0, runs[0].row, runs[0].column, runs[0].columns, 0));
        }
        const StreamResult a = run_saturated(c, stream), b = run_saturated(c, strided);
        const double ratio = b.bus_utilisation / a.bus_utilisation;
        MESSAGE(name << ": one-bank stride " << b.bus_utilisation * 100 << "% vs streaming " << a.bus_utilisation * 100
                     << "%: ratio " << ratio);
        // Every request opens a row (a conflict, or a miss after the bank's refresh closed it), reads 8 columns in
        // one bank group (tCCD_L apart), precharges tRTP after the last and activates again tRP later or tRC after
        // the last ACT, whichever is later; per-bank refresh takes that bank away tRFCpb of every tREFI.
        const HbmTiming& t = c.timing;
        // (A refresh falling due in the middle of a request closes its row, before or after some of its columns:
        // that request activates twice.)
        CHECK(b.stats.row_conflicts + b.stats.row_misses >= strided.size());
        CHECK(b.stats.row_conflicts + b.stats.row_misses <= b.stats.activates);
        CHECK(b.stats.activates <= strided.size() + b.stats.refreshes);
        CHECK(b.stats.row_hits + b.stats.row_misses + b.stats.row_conflicts == 8 * strided.size());
        const double period =
            std::max<double>(t.tRC_cycles, t.tRCD_cycles + 7.0 * t.tCCD_L_cycles + t.tRTP_cycles + t.tRP_cycles);
        const double expected = 16.0 / period * (1.0 - double(t.tRFCpb_cycles) / t.tREFI_cycles);
        CHECK(b.bus_utilisation == doctest::Approx(expected).epsilon(0.02).scale(0));
        CHECK(ratio < 0.25);
    }
}
