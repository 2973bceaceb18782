// Energy counted by the blocks outside a tile's logic: the HBM stack's (per ACT and per column command), the mesh's
// (per bit per router passed) and the chip-to-chip link's (per bit on the wire): each is count x energy per event.
#include <doctest/doctest.h>

#include <cstdint>

#include "model/common/stats.h"
#include "model/mem/hbm_config.h"
#include "model/mem/hbm_controller.h"
#include "model/noc/mesh.h"
#include "tests/unit/hbm_test_rig.h"

using namespace npuemu::mem;
using namespace npuemu::mem::hbm_test;
using npuemu::noc::Mesh;
using npuemu::noc::MeshConfig;
using npuemu::noc::TrafficClass;

TEST_CASE("energy: an HBM channel's energy is ACTs x activate_pj plus column commands x read/write_column_pj") {
    HbmConfig config = test_config();
    config.energy.activate_pj = 1000;
    config.energy.read_column_pj = 30;
    config.energy.write_column_pj = 70;
    Rig rig(config);
    rig.ctl.submit(read(1, 0, 0, 5, 0, 4, 0));          // an ACT and 4 read columns
    rig.ctl.submit(read(2, 0, 0, 5, 4, 2, 0));          // 2 more hits in the open row
    rig.ctl.submit(write(3, 1, 0, 9, 0, 3, 0));         // another bank: an ACT and 3 write columns
    rig.ctl.submit(read(4, 0, 0, 6, 0, 1, 100 * kNs));  // a conflict: PRE, ACT, 1 read column
    rig.run(10'000 * kNs);
    REQUIRE(rig.done.size() == 4);
    const HbmChannelStats& stats = rig.ctl.stats();
    CHECK(stats.activates == 3);
    CHECK(stats.activates == rig.cycles(K::Activate).size());
    CHECK(stats.read_bytes == 7 * config.geometry.access_bytes());
    CHECK(stats.write_bytes == 3 * config.geometry.access_bytes());
    CHECK(command_energy_pj(stats, config) == doctest::Approx(3 * 1000.0 + 7 * 30.0 + 3 * 70.0));
    config.energy = HbmEnergy{};  // the defaults: DRAMsim3's HBM2 figures
    CHECK(command_energy_pj(stats, config) == doctest::Approx(3 * 828.0 + 7 * 402.0 + 3 * 534.0));
}

TEST_CASE("energy: the mesh charges every bit to each router it passes, at energy_pj_per_bit_hop") {
    MeshConfig c;
    c.cols = 3;
    c.rows = 2;
    c.link_bandwidth_bytes_per_cycle = 64;
    c.header_bytes = 16;
    c.energy_pj_per_bit_hop = 0.25;
    Mesh mesh(c);
    // Tile 0 (0,0) to tile 5 (2,1), XY: routers (0,0), (1,0), (2,0), (2,1).
    mesh.send(mesh.tile_node(0), mesh.tile_node(5), 100, 0, TrafficClass::WriteData);
    // Tile 4 (1,1) to itself: its own router only.
    mesh.send(mesh.tile_node(4), mesh.tile_node(4), 0, 0, TrafficClass::ReadRequest);
    const uint64_t expected[6] = {116, 116, 116, 0, 16, 116};
    double total_pj = 0;
    for (uint32_t r = 0; r < 6; ++r) {
        CAPTURE(r);
        CHECK(mesh.router_byte_hops(r) == expected[r]);
        CHECK(mesh.router_energy_pj(r) == doctest::Approx(expected[r] * 8 * 0.25));
        total_pj += mesh.router_energy_pj(r);
    }
    // In all: bytes x routers on the path x 8 x pJ/bit.
    CHECK(total_pj == doctest::Approx((116.0 * mesh.routers_on_path(0, 5) + 16.0) * 8 * 0.25));
    mesh.reset();
    CHECK(mesh.router_byte_hops(5) == 0);
}
