// The HBM controller's interface contract, the address map's hashing, and early write acknowledgement.
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
// The controller's interface contract.

TEST_CASE("hbm: submit refuses requests in the decided past or outside the geometry") {
    HbmChannelController ctl(test_config());
    ctl.advance(100 * kNs, nullptr);
    CHECK(ctl.decided_until_ps() == 100 * kNs);
    CHECK_THROWS_AS(ctl.submit(read(1, 0, 0, 0, 0, 1, 99 * kNs)), npuemu::Error);
    CHECK_NOTHROW(ctl.submit(read(1, 0, 0, 0, 0, 1, 100 * kNs)));
    CHECK_THROWS_AS(ctl.submit(read(2, 4, 0, 0, 0, 1, 200 * kNs)), npuemu::Error);     // bank group
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 4, 0, 0, 1, 200 * kNs)), npuemu::Error);     // bank
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 0, 1024, 0, 1, 200 * kNs)), npuemu::Error);  // row
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 0, 0, 30, 3, 200 * kNs)), npuemu::Error);    // past the row's 32 columns
    CHECK_THROWS_AS(ctl.submit(read(2, 0, 0, 0, 0, 0, 200 * kNs)), npuemu::Error);     // no column
    // advance() backwards is a no-op.
    ctl.advance(50 * kNs, nullptr);
    CHECK(ctl.decided_until_ps() == 100 * kNs);
}

TEST_CASE("hbm: the completion callback may not re-enter the controller") {
    HbmChannelController ctl(test_config());
    ctl.submit(read(1, 0, 0, 0, 0, 1, 0));
    CHECK_THROWS_AS(
        ctl.advance(1000 * kNs, [&](uint64_t, uint64_t) { ctl.submit(read(2, 0, 0, 0, 0, 1, 2000 * kNs)); }),
        npuemu::Error);
    // And the controller is usable afterwards.
    ctl.submit(read(3, 0, 0, 0, 1, 1, 2000 * kNs));
    uint64_t n = 0;
    ctl.advance(3000 * kNs, [&](uint64_t, uint64_t) { ++n; });
    CHECK(n == 1);
}

TEST_CASE("hbm: next_decision_ps() tells when the next command can issue; nothing queued is UINT64_MAX") {
    Rig r(test_config());
    CHECK(r.ctl.next_decision_ps() == UINT64_MAX);
    CHECK(r.ctl.queued_requests() == 0);
    r.ctl.submit(read(1, 0, 0, 0, 0, 2, 500 * kNs + 10));
    CHECK(r.ctl.queued_requests() == 1);
    CHECK(r.ctl.next_decision_ps() == 501 * kNs);  // the arrival's clock edge
    r.run(501 * kNs);                              // decides nothing at 501 yet
    CHECK(r.log.empty());
    CHECK(r.ctl.next_decision_ps() == 501 * kNs);
    r.run(502 * kNs);
    CHECK(r.cycles(K::Activate) == Cycles{501});
    CHECK(r.ctl.next_decision_ps() == 511 * kNs);  // the first read: tRCD after the ACT
    r.run(512 * kNs);
    CHECK(r.ctl.next_decision_ps() == 516 * kNs);  // the second: tCCD_L after the first
    r.run(517 * kNs);
    CHECK(r.done.size() == 1);
    CHECK(r.ctl.next_decision_ps() == UINT64_MAX);
    CHECK(r.ctl.queued_requests() == 0);
    // Sleeping until next_decision_ps() and advancing just past it gives the same as one big step.
    Rig s(test_config()), t(test_config());
    const auto work = random_workload(test_config(), 9, 500);
    for (const auto& q : work) {
        s.ctl.submit(q);
        t.ctl.submit(q);
    }
    t.run(work.back().arrival_ps + 1'000'000'000);
    int steps = 0;
    while (s.ctl.next_decision_ps() != UINT64_MAX) {
        REQUIRE(steps < 1'000'000);
        const uint64_t next = s.ctl.next_decision_ps();
        REQUIRE(next >= s.ctl.decided_until_ps());
        s.run(next + 1);
        ++steps;
    }
    s.run(work.back().arrival_ps + 1'000'000'000);
    CHECK(s.done == t.done);
    CHECK(same_commands(s.log, t.log));
    CHECK(steps > 1000);
}

TEST_CASE("hbm address map: decode equals a bit-by-bit reference, for compact and fragmented mappings") {
    HbmConfig fragmented = test_config();
    // Column and bank group spread over non-adjacent bits (three stretches or more).
    fragmented.mapping.of(HbmField::Column) = {5, 7, 9, 12, 14};
    fragmented.mapping.of(HbmField::Channel) = {6, 8, 10};
    fragmented.mapping.of(HbmField::PseudoChannel) = {11};
    fragmented.mapping.of(HbmField::BankGroup) = {13, 15};
    const HbmConfig configs[] = {test_config(), fragmented, load_preset("hbm2e", 4, false),
                                 load_preset("hbm3", 4, false)};
    std::mt19937_64 rng(3);
    for (const HbmConfig& c : configs) {
        REQUIRE_MESSAGE(check_hbm_config(c).empty(), describe(check_hbm_config(c)));
        const HbmAddressMap map(c);
        for (int i = 0; i < 20000; ++i) {
            const uint64_t offset = rng() & (map.capacity_bytes() - 1);
            uint32_t v[static_cast<size_t>(HbmField::Count)] = {};
            for (size_t f = 0; f < static_cast<size_t>(HbmField::Count); ++f)
                for (size_t k = 0; k < c.mapping.bits[f].size(); ++k)
                    v[f] |= static_cast<uint32_t>((offset >> c.mapping.bits[f][k]) & 1) << k;
            const HbmLocation loc = map.decode(offset);
            CHECK(loc.stack == v[static_cast<size_t>(HbmField::Stack)]);
            CHECK(loc.channel == v[static_cast<size_t>(HbmField::Channel)]);
            CHECK(loc.pseudo_channel == v[static_cast<size_t>(HbmField::PseudoChannel)]);
            CHECK(loc.bank_group == v[static_cast<size_t>(HbmField::BankGroup)]);
            CHECK(loc.bank == v[static_cast<size_t>(HbmField::Bank)]);
            CHECK(loc.row == v[static_cast<size_t>(HbmField::Row)]);
            CHECK(loc.column == v[static_cast<size_t>(HbmField::Column)]);
        }
        // split() agrees with decode() access by access.
        std::vector<HbmRun> runs;
        const uint64_t start = (rng() & (map.capacity_bytes() - 1)) & ~uint64_t(4095), bytes = 64 * 1024 + 17;
        map.split(start + 5, bytes, runs);
        uint64_t at = start + 5;
        for (const HbmRun& r : runs) {
            CHECK(r.offset == at);
            for (uint32_t k = 0; k < r.columns; ++k) {
                const HbmLocation loc = map.decode(k == 0 ? r.offset : ((r.offset >> 5) + k) << 5);
                CHECK(loc.global_pseudo_channel == r.global_pseudo_channel);
                CHECK(loc.row == r.row);
                CHECK(loc.bank == r.bank);
                CHECK(loc.bank_group == r.bank_group);
                CHECK(loc.column == r.column + k);
            }
            at += r.bytes;
        }
        CHECK(at == start + 5 + bytes);
    }
}

TEST_CASE("hbm address map: hashing keeps the map one to one, and encode() inverts decode()") {
    for (const std::string name : {"hbm2e", "hbm3"}) {
        for (uint32_t stacks : {1u, 4u}) {
            CAPTURE(name);
            CAPTURE(stacks);
            const HbmConfig c = load_preset(name, stacks);
            REQUIRE(c.mapping.hash_channels);
            REQUIRE(c.mapping.hash_banks);
            const HbmAddressMap map(c);
            std::mt19937_64 rng(11);
            std::vector<HbmRun> runs;
            for (int i = 0; i < 20000; ++i) {
                const uint64_t offset = (rng() & (map.capacity_bytes() - 1)) & ~uint64_t(31);
                const HbmLocation loc = map.decode(offset);
                CHECK(map.encode(loc) == offset);
                // split() finds the same location (it gathers the hashed fields its own way).
                map.split(offset, 32, runs);
                REQUIRE(runs.size() == 1);
                CHECK(runs[0].global_pseudo_channel == loc.global_pseudo_channel);
                CHECK(runs[0].bank_group == loc.bank_group);
                CHECK(runs[0].bank == loc.bank);
                CHECK(runs[0].row == loc.row);
                CHECK(runs[0].column == loc.column);
            }
            // Distinct locations of a small exhaustive range stay distinct (a bijection on whole accesses).
            std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>, uint64_t> seen;
            for (uint64_t offset = 0; offset < (uint64_t(8) << 20); offset += 32) {
                const HbmLocation l = map.decode(offset);
                CHECK(seen.emplace(std::make_tuple(l.global_pseudo_channel, l.bank_group, l.bank, l.row, l.column),
                                   offset)
                          .second);
            }
        }
    }
}

TEST_CASE("hbm address map: hashing spreads a power-of-two stride over every channel and aligned regions over banks") {
    const HbmConfig plain = load_preset("hbm2e", 4, false), hashed = load_preset("hbm2e", 4);
    const HbmAddressMap plain_map(plain), hashed_map(hashed);
    // A matrix's rows 2 KiB apart (a 2048-wide int8 matrix): 512 rows.
    std::set<uint32_t> plain_pcs, hashed_pcs;
    for (uint64_t r = 0; r < 512; ++r) {
        plain_pcs.insert(plain_map.decode(r * 2048).global_pseudo_channel);
        hashed_pcs.insert(hashed_map.decode(r * 2048).global_pseudo_channel);
    }
    MESSAGE("2 KiB stride over 512 rows: " << plain_pcs.size() << " pseudo channels plain, " << hashed_pcs.size()
                                           << " hashed (of 64)");
    CHECK(plain_pcs.size() == 8);
    CHECK(hashed_pcs.size() == 64);
    // 32 regions 1 MiB apart (every tile streaming its own block), at the same offset: the same bank of one pseudo
    // channel without hashing; spread over the banks with it.
    std::set<std::pair<uint32_t, uint32_t>> plain_banks, hashed_banks;
    for (uint64_t t = 0; t < 32; ++t) {
        const HbmLocation p = plain_map.decode(t << 20), h = hashed_map.decode(t << 20);
        plain_banks.insert({p.global_pseudo_channel, p.bank_group * 4 + p.bank});
        hashed_banks.insert({h.global_pseudo_channel, h.bank_group * 4 + h.bank});
    }
    CHECK(plain_banks.size() == 1);
    CHECK(hashed_banks.size() >= 16);
    // A pseudo channel still keeps a whole row: its 4 blocks of 256 bytes, one round of the channels apart.
    const HbmLocation a = hashed_map.decode(5 * 256), b = hashed_map.decode(5 * 256 + 64 * 256);
    CHECK(a.global_pseudo_channel == b.global_pseudo_channel);
    CHECK(a.row == b.row);
    CHECK(a.bank == b.bank);
    CHECK(b.column == a.column + 8);
}

TEST_CASE("hbm: with early write acknowledgement a write completes when the write queue takes it") {
    HbmConfig c = test_config();
    c.controller.early_write_ack = true;
    c.controller.queue_depth = 4;
    c.controller.write_high_watermark = 4;
    c.controller.write_low_watermark = 1;
    HbmChannelController ctl(c);
    const uint64_t tck = c.clock_period_ps();
    // Six writes to six rows of one bank, all arriving at once: four fit the write queue and are acknowledged on
    // arrival; the fifth and sixth wait for a slot, which frees when the first writes' last column has issued.
    std::vector<std::pair<uint64_t, uint64_t>> done;
    for (uint32_t i = 0; i < 6; ++i) {
        HbmRequest w;
        w.tag = i;
        w.write = true;
        w.row = i;
        w.columns = 4;
        w.arrival_ps = 10 * tck;
        ctl.submit(w);
    }
    std::vector<HbmCommand> log;
    ctl.set_command_log(&log);
    ctl.advance(100'000 * tck, [&](uint64_t tag, uint64_t at) { done.emplace_back(tag, at); });
    REQUIRE(done.size() == 6);
    for (uint32_t i = 0; i < 4; ++i) {
        CHECK(done[i].first == i);
        CHECK(done[i].second == 10 * tck);
    }
    // The fifth is taken in when the first write has issued its last column (and left the queue).
    uint64_t first_done_cycle = 0;
    unsigned writes = 0;
    for (const auto& cmd : log) {
        if (cmd.kind == HbmCommandKind::Write && ++writes == 4) first_done_cycle = cmd.cycle;
    }
    CHECK(done[4].first == 4);
    CHECK(done[4].second == first_done_cycle * tck);
    CHECK(done[5].second > done[4].second);
    // The statistics still count to the data.
    CHECK(ctl.stats().write_requests == 6);
    CHECK(ctl.stats().write_latency_ps.min() > 0);
}
