// The HBM unit tests' shared rig: a small, easily read configuration, request makers, and a controller with its
// command log and completions (tests/unit/test_hbm_*.cpp).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <ostream>
#include <vector>

#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"

namespace npuemu::mem::hbm_test {

// Command cycles, printed in full when a check fails.
struct Cycles : std::vector<uint64_t> {
    using std::vector<uint64_t>::vector;
};
inline std::ostream& operator<<(std::ostream& os, const Cycles& v) {
    os << "{";
    for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    return os << "}";
}

// A small, easily read configuration: tCK = 1 ns, so cycle c is at c ns; every timing distinct, so a command that
// waits for the wrong rule lands on the wrong cycle. tRC (37) > tRAS + tRP (36) so tRC is visible on its own.
inline HbmConfig test_config() {
    HbmConfig c;
    c.preset = "test";
    c.clock_mhz = 1000;
    c.data_rate_mtps = 2000;
    c.geometry.stacks = 1;
    c.geometry.channels_per_stack = 8;
    c.geometry.pseudo_channels_per_channel = 2;
    c.geometry.bank_groups = 4;
    c.geometry.banks_per_group = 4;
    c.geometry.rows = 1024;
    c.geometry.row_bytes = 1024;
    c.geometry.bus_width_bits = 64;
    c.geometry.burst_length = 4;  // 32 bytes, 2 cycles on the data bus
    HbmTiming& t = c.timing;
    t.tRCD_cycles = 10;
    t.tRP_cycles = 11;
    t.tRAS_cycles = 25;
    t.tRC_cycles = 37;
    t.tCL_cycles = 12;
    t.tWL_cycles = 3;
    t.tCCD_S_cycles = 2;
    t.tCCD_L_cycles = 5;
    t.tRRD_S_cycles = 3;
    t.tRRD_L_cycles = 7;
    t.tFAW_cycles = 30;
    t.tWR_cycles = 9;
    t.tWTR_S_cycles = 4;
    t.tWTR_L_cycles = 8;
    t.tRTP_cycles = 6;
    t.tRTW_cycles = 17;
    t.tRFC_cycles = 200;
    t.tRFCpb_cycles = 90;
    t.tREFI_cycles = 1'000'000;  // out of the way unless a test wants refresh
    c.controller.page_policy = PagePolicy::Open;
    c.controller.refresh = RefreshMode::AllBank;
    c.controller.queue_depth = 32;
    c.controller.write_high_watermark = 24;
    c.controller.write_low_watermark = 8;
    auto bits = [](std::initializer_list<int> list) {
        std::vector<uint8_t> v;
        for (int b : list) v.push_back(static_cast<uint8_t>(b));
        return v;
    };
    c.mapping.of(HbmField::Column) = bits({5, 6, 7, 12, 13});
    c.mapping.of(HbmField::Channel) = bits({8, 9, 10});
    c.mapping.of(HbmField::PseudoChannel) = bits({11});
    c.mapping.of(HbmField::BankGroup) = bits({14, 15});
    c.mapping.of(HbmField::Bank) = bits({16, 17});
    c.mapping.of(HbmField::Row) = bits({18, 19, 20, 21, 22, 23, 24, 25, 26, 27});
    return c;
}

constexpr uint64_t kNs = 1000;  // ps; one cycle of test_config()

inline HbmRequest read(uint64_t tag, uint32_t bg, uint32_t bank, uint32_t row, uint32_t column, uint32_t columns,
                uint64_t arrival_ps) {
    HbmRequest r;
    r.tag = tag;
    r.bank_group = bg;
    r.bank = bank;
    r.row = row;
    r.column = column;
    r.columns = columns;
    r.arrival_ps = arrival_ps;
    return r;
}
inline HbmRequest write(uint64_t tag, uint32_t bg, uint32_t bank, uint32_t row, uint32_t column, uint32_t columns,
                 uint64_t arrival_ps) {
    HbmRequest r = read(tag, bg, bank, row, column, columns, arrival_ps);
    r.write = true;
    return r;
}

struct Done {
    uint64_t tag, done_ps;
    bool operator==(const Done& o) const { return tag == o.tag && done_ps == o.done_ps; }
};

// A controller with its command log and completions.
struct Rig {
    explicit Rig(const HbmConfig& c) : config(c), ctl(c) { ctl.set_command_log(&log); }
    void run(uint64_t until_ps) {
        ctl.advance(until_ps, [this](uint64_t tag, uint64_t done_ps) { done.push_back({tag, done_ps}); });
    }
    // Cycles of the logged commands of one kind, optionally only for one bank.
    Cycles cycles(HbmCommandKind kind, int bg = -1, int bank = -1) const {
        Cycles out;
        for (const auto& c : log)
            if (c.kind == kind && (bg < 0 || int(c.bank_group) == bg) && (bank < 0 || int(c.bank) == bank))
                out.push_back(c.cycle);
        return out;
    }
    uint64_t done_of(uint64_t tag) const {
        for (const auto& d : done)
            if (d.tag == tag) return d.done_ps;
        FAIL("request " << tag << " did not complete");
        return 0;
    }
    HbmConfig config;
    HbmChannelController ctl;
    std::vector<HbmCommand> log;
    std::vector<Done> done;
};

using K = HbmCommandKind;

}  // namespace npuemu::mem::hbm_test
