// check_hbm_config() and the HBM address map's decode and split.
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
// check_hbm_config().

namespace {
bool has_problem(const std::vector<HbmConfigProblem>& problems, const std::string& key, const std::string& text) {
    for (const auto& p : problems)
        if (p.key == key && p.message.find(text) != std::string::npos) return true;
    return false;
}
}  // namespace

TEST_CASE("hbm config: a good config has no problems") {
    CHECK_MESSAGE(check_hbm_config(test_config()).empty(), describe(check_hbm_config(test_config())));
}

TEST_CASE("hbm config: impossible timing is reported with its key") {
    HbmConfig c = test_config();
    c.timing.tRAS_cycles = 40;
    c.timing.tRC_cycles = 38;
    auto p = check_hbm_config(c);
    CHECK_MESSAGE(
        has_problem(p, "timing.tRAS_cycles",
                    "tRAS (40) must be less than tRC (38): a row must close before the bank can activate again"),
        describe(p));
    CHECK(has_problem(p, "timing.tRC_cycles", "at least tRAS + tRP (40 + 11)"));

    c = test_config();
    c.timing.tCCD_L_cycles = 1;
    c.timing.tRRD_L_cycles = 2;
    c.timing.tWTR_L_cycles = 3;
    c.timing.tRFC_cycles = 1'000'000;
    c.timing.tRFCpb_cycles = 2'000'000;
    c.timing.tRCD_cycles = 0;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "timing.tCCD_L_cycles", "tCCD_L (1) must be at least tCCD_S (2)"));
    CHECK(has_problem(p, "timing.tRRD_L_cycles", "tRRD_L (2) must be at least tRRD_S (3)"));
    CHECK(has_problem(p, "timing.tWTR_L_cycles", "tWTR_L (3) must be at least tWTR_S (4)"));
    CHECK(has_problem(p, "timing.tRFC_cycles", "must be less than tREFI"));
    CHECK(has_problem(p, "timing.tRFCpb_cycles", "must be less than tREFI"));
    CHECK(has_problem(p, "timing.tRCD_cycles", "at least 1 cycle"));
    CHECK(p.size() == 6);

    c = test_config();
    c.timing.tCCD_S_cycles = 1;  // a burst is 2 clocks
    c.timing.tCCD_L_cycles = 1;
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "timing.tCCD_S_cycles", "data bursts would overlap"), describe(p));
}

TEST_CASE("hbm config: clock, burst, geometry and watermarks") {
    HbmConfig c = test_config();
    c.data_rate_mtps = 2500;
    auto p = check_hbm_config(c);
    CHECK(has_problem(p, "data_rate_mtps", "multiple of clock_mhz"));
    c = test_config();
    c.data_rate_mtps = 8000;  // 8 beats per clock, burst of 4
    p = check_hbm_config(c);
    CHECK(has_problem(p, "geometry.burst_length", "multiple of the 8 data beats per clock"));
    c = test_config();
    c.geometry.banks_per_group = 3;
    c.geometry.row_bytes = 16;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "geometry.banks_per_group", "power of two"));
    CHECK(has_problem(p, "geometry.row_bytes", "multiple of the 32 bytes"));
    c = test_config();
    c.controller.write_low_watermark = 24;
    c.controller.write_high_watermark = 40;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "controller.write_high_watermark", "at most queue_depth (32)"));
    c.controller.write_low_watermark = 40;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "controller.write_low_watermark", "less than write_high_watermark"));
}

TEST_CASE("hbm config: the model's limits: banks per pseudo channel, pseudo channels, addressable capacity") {
    HbmConfig c = test_config();
    c.geometry.bank_groups = 16;
    c.geometry.banks_per_group = 8;  // 128 banks: more than the controller's 64-bit bank mask
    auto p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "geometry.banks_per_group", "(128) must be at most 64"), describe(p));
    CHECK_THROWS_WITH_AS(HbmChannelController{c}, doctest::Contains("geometry.banks_per_group"), npuemu::Error);
    c = test_config();
    c.geometry.stacks = 64;
    c.geometry.channels_per_stack = 32;  // 64 x 32 x 2 = 4096 controllers
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "stacks", "(4096) must be at most 1024"), describe(p));
    c.geometry.stacks = 3;
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "stacks", "stacks (3) must be a power of two"), describe(p));  // the chip's key
    c = test_config();
    c.geometry.rows = 1u << 31;
    c.geometry.row_bytes = 1u << 30;  // with the pseudo channels and banks: past 2^64 bytes
    p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "geometry.rows", "more than 64-bit addresses reach"), describe(p));
}

TEST_CASE("hbm config: the address mapping: overlaps, gaps, wrong widths, bits out of range") {
    HbmConfig c = test_config();
    c.mapping.of(HbmField::Bank) = {16, 9};  // bit 9 is the channel's
    auto p = check_hbm_config(c);
    CHECK_MESSAGE(has_problem(p, "address_mapping.bank", "bit 9 is used by both channel and bank"), describe(p));
    CHECK(has_problem(p, "address_mapping", "bit 17 is not used by any field"));  // bank's bit 17 went away

    c = test_config();
    c.mapping.of(HbmField::Row).pop_back();  // 9 bits for 1024 rows
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.row", "row has 9 bits but must have 10 = log2(1024)"));
    CHECK(p.size() == 1);  // the top bit just ends lower: no gap

    c = test_config();
    c.mapping.of(HbmField::Column) = {5, 6, 7, 12, 3};  // bit 3 is inside an access
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.column", "bit 3 of column is below bit 5"));
    CHECK(has_problem(p, "address_mapping", "bit 13 is not used by any field"));

    c = test_config();
    c.mapping.of(HbmField::Row).back() = 70;
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.row", "bit 70 of row is beyond bit 63"));

    c = test_config();
    c.geometry.stacks = 4;  // two stack bits needed, none given
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.stack", "stack has 0 bits but must have 2"));

    c = test_config();
    c.mapping.of(HbmField::Channel) = {8, 8, 10};
    p = check_hbm_config(c);
    CHECK(has_problem(p, "address_mapping.channel", "bit 8 is listed twice in channel"));
    CHECK(has_problem(p, "address_mapping", "bit 9 is not used by any field"));
}

TEST_CASE("hbm config: the map and the controller refuse an unusable config, naming every problem") {
    HbmConfig c = test_config();
    c.timing.tRAS_cycles = 40;
    c.mapping.of(HbmField::Bank) = {16, 9};
    try {
        HbmAddressMap map(c);
        FAIL("no error");
    } catch (const npuemu::Error& e) {
        const std::string m = e.what();
        CHECK(m.find("timing.tRAS_cycles") != std::string::npos);
        CHECK(m.find("address_mapping.bank") != std::string::npos);
    }
    // The controller ignores the mapping (it concerns the whole memory), not the timing.
    try {
        HbmChannelController ctl(c);
        FAIL("no error");
    } catch (const npuemu::Error& e) {
        const std::string m = e.what();
        CHECK(m.find("timing.tRAS_cycles") != std::string::npos);
        CHECK(m.find("address_mapping") == std::string::npos);
    }
    c.timing.tRAS_cycles = 25;
    CHECK_NOTHROW(HbmChannelController{c});
}

// ------------------------------------------------------------------------------------------------------------------
// The address map.

TEST_CASE("hbm address map: decode selects every field from its bits") {
    const HbmConfig c = test_config();
    const HbmAddressMap map(c);
    CHECK(map.capacity_bytes() == (uint64_t(1) << 28));
    CHECK(map.access_bytes() == 32);
    // column = bits 5,6,7 then 12,13; channel 8-10; pc 11; bank group 14-15; bank 16-17; row 18-27.
    const uint64_t offset = (uint64_t(0x2A5) << 18)  // row 0x2A5
                            | (uint64_t(2) << 16)    // bank 2
                            | (uint64_t(3) << 14)    // bank group 3
                            | (uint64_t(1) << 12)    // column bit 3
                            | (uint64_t(1) << 11)    // pseudo channel 1
                            | (uint64_t(5) << 8)     // channel 5
                            | (uint64_t(6) << 5)     // column bits 0-2 = 6
                            | 17;                    // byte in the access
    const HbmLocation loc = map.decode(offset);
    CHECK(loc.row == 0x2A5);
    CHECK(loc.bank == 2);
    CHECK(loc.bank_group == 3);
    CHECK(loc.column == 8 + 6);
    CHECK(loc.pseudo_channel == 1);
    CHECK(loc.channel == 5);
    CHECK(loc.stack == 0);
    CHECK(loc.global_pseudo_channel == 5 * 2 + 1);
    CHECK_THROWS_AS(map.decode(map.capacity_bytes()), npuemu::Error);

    // Stacks: global index = (stack * channels + channel) * pseudo channels + pseudo channel.
    HbmConfig s = test_config();
    s.geometry.stacks = 2;
    s.mapping.of(HbmField::Stack) = {28};
    const HbmAddressMap two(s);
    const HbmLocation l2 = two.decode((uint64_t(1) << 28) | (uint64_t(3) << 8));
    CHECK(l2.stack == 1);
    CHECK(l2.global_pseudo_channel == (1 * 8 + 3) * 2 + 0);
}

TEST_CASE("hbm address map: split cuts a range into runs of consecutive columns, in address order") {
    const HbmAddressMap map(test_config());
    std::vector<HbmRun> runs;
    // 256 bytes at 0: columns 0-7 of pseudo channel 0; the next 256 bytes go to channel 1.
    map.split(0, 512, runs);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].global_pseudo_channel == 0);
    CHECK(runs[0].column == 0);
    CHECK(runs[0].columns == 8);
    CHECK(runs[0].bytes == 256);
    CHECK(runs[1].global_pseudo_channel == 2);  // channel 1, pseudo channel 0
    CHECK(runs[1].offset == 256);

    // Partial accesses count as whole columns; bytes count the range.
    map.split(40, 100, runs);  // bytes 40..139: accesses 1..4
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].column == 1);
    CHECK(runs[0].columns == 4);
    CHECK(runs[0].bytes == 100);
    CHECK(runs[0].offset == 40);

    // A run continues across blocks when the next block of the same pseudo channel is the next columns of the row:
    // here column bits 3-4 sit at 12-13, so offsets 0 and 4096 are columns 0-7 and 8-15 of the same row, and a
    // range covering both in order gives separate runs (channels in between), never a merged one out of order.
    map.split(0, 8192, runs);
    CHECK(runs.size() == 32);
    uint64_t total = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        total += runs[i].bytes;
        if (i) CHECK(runs[i].offset == runs[i - 1].offset + runs[i - 1].bytes);
    }
    CHECK(total == 8192);
    CHECK(runs[16].global_pseudo_channel == 0);
    CHECK(runs[16].column == 8);

    // With every column bit at the bottom, a whole row is one run.
    HbmConfig c = test_config();
    c.mapping.of(HbmField::Column) = {5, 6, 7, 8, 9};
    c.mapping.of(HbmField::Channel) = {10, 11, 12};
    c.mapping.of(HbmField::PseudoChannel) = {13};
    const HbmAddressMap rowwise(c);
    rowwise.split(1024 * 3 + 64, 2048, runs);  // from column 2 of one row into the next pseudo channel
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].column == 2);
    CHECK(runs[0].columns == 30);
    CHECK(runs[0].bytes == 1024 - 64);
    CHECK(runs[1].columns == 32);
    CHECK(runs[2].columns == 2);
    CHECK(runs[2].bytes == 64);

    map.split(0, 0, runs);
    CHECK(runs.empty());
    CHECK_THROWS_AS(map.split(map.capacity_bytes() - 32, 64, runs), npuemu::Error);
}
