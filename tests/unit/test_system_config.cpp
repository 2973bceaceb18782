// System configs: presets load, topology generators give the expected neighbours, and every bad system is refused
// with a message that names the file, line and key.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "model/common/error.h"
#include "model/system/system.h"
#include "tests/unit/temp_yaml.h"
#include "model/system/system_config.h"

using namespace npuemu;
using namespace npuemu::system;

namespace {

const std::string kSystems = std::string(NPUEMU_SOURCE_DIR) + "/configs/systems/";

std::string load_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    test::TempYaml file(text);
    try {
        load_system_config(file.path(), overrides);
    } catch (const Error& error) {
        std::string message = error.what();
        const auto at = message.find(file.path());
        if (at != std::string::npos) message.replace(at, file.path().size(), "FILE");
        return message;
    }
    return "no error";
}

// Unordered chip pairs joined by chip-to-chip links.
std::set<std::pair<uint32_t, uint32_t>> pairs(const SystemConfig& s) {
    std::set<std::pair<uint32_t, uint32_t>> out;
    for (const auto& l : s.links) {
        if (!l.to_switch()) out.insert({std::min(l.a.chip, l.b.chip), std::max(l.a.chip, l.b.chip)});
    }
    return out;
}

}  // namespace

TEST_CASE("system config: the presets load (on test chips) with the documented shape") {
    const SystemConfig node4 = load_system_config(kSystems + "node4.yaml", {"chips.config=test"});
    CHECK(node4.chips.size() == 4);
    CHECK(node4.node_count() == 1);
    CHECK(pairs(node4).size() == 6);  // fully connected
    CHECK(node4.ports_per_chip == 3);
    CHECK(node4.chips[0].tile_count == 4);
    CHECK(node4.links[0].config.gigabytes_per_second() == doctest::Approx(25.0));

    const SystemConfig pod8 = load_system_config(kSystems + "pod8.yaml", {"chips.config=test"});
    CHECK(pod8.chips.size() == 8);
    CHECK(pod8.node_count() == 2);
    CHECK(pod8.network_switch.present);
    CHECK(pairs(pod8).size() == 12);  // 6 in each node
    size_t to_switch = 0;
    for (const auto& l : pod8.links) to_switch += l.to_switch();
    CHECK(to_switch == 8);
    CHECK(pod8.ports_per_chip == 4);
    for (const auto& l : pod8.links) {
        if (!l.to_switch()) CHECK(pod8.node_of(l.a.chip) == pod8.node_of(l.b.chip));  // no link leaves its node
    }

    const SystemConfig single = load_system_config(kSystems + "single.yaml");
    CHECK(single.chips.size() == 1);
    CHECK(single.links.empty());
}

TEST_CASE("system config: ring and 2-D torus generators give each chip its neighbours") {
    const SystemConfig ring = load_system_config(kSystems + "node4.yaml", {"chips.config=test", "topology.kind=ring"});
    CHECK(pairs(ring) == std::set<std::pair<uint32_t, uint32_t>>{{0, 1}, {1, 2}, {2, 3}, {0, 3}});
    CHECK(ring.ports_per_chip == 2);

    test::TempYaml torus(
        "chips: {config: test, count: 8}\n"
        "topology: {kind: torus2d, torus: {x: 4, y: 2}}\n");
    const SystemConfig t = load_system_config(torus.path());
    // x rings of 4 (0-1-2-3-0, 4-5-6-7-4) and one y link per column (dimension 2).
    CHECK(pairs(t) == std::set<std::pair<uint32_t, uint32_t>>{{0, 1}, {1, 2}, {2, 3}, {0, 3}, {4, 5}, {5, 6}, {6, 7},
                                                              {4, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}});
}

TEST_CASE("system config: mixed chips and explicit links") {
    test::TempYaml file(
        "chips:\n"
        "  config: test\n"
        "  count: 3\n"
        "  set: {npu.matrix.rows: 8}\n"
        "  each:\n"
        "    - {chip: 2, set: {chip.tiles: 2}}\n"
        "topology:\n"
        "  kind: none\n"
        "  links:\n"
        "    - {a: 0, b: 1}\n"
        "    - {a: 1, b: 2, a_port: 3, link: {lanes: 8}}\n");
    const SystemConfig s = load_system_config(file.path());
    CHECK(s.chips[0].npu.matrix.rows == 8);
    CHECK(s.chips[2].npu.matrix.rows == 8);
    CHECK(s.chips[2].tile_count == 2);
    CHECK(s.chips[1].tile_count == 4);
    REQUIRE(s.links.size() == 2);
    CHECK(s.links[1].a.port == 3);
    CHECK(s.links[1].config.lanes == 8);
    CHECK(s.ports_per_chip == 4);
}

TEST_CASE("system config: bad systems name file, line and key") {
    CHECK(load_error("chips: {config: test, count: 2}\ntopology: {kind: none, links: [{a: 0, b: 5}]}\n")
              .find("FILE:2:42: topology.links[0].b: chip 5 does not exist (the system has 2 chips: 0..1)") !=
          std::string::npos);
    CHECK(load_error("chips: {config: test, count: 2}\ntopology: {kind: none, links: [{a: 1, b: 1}]}\n")
              .find("topology.links[0].b: links chip 1 to itself") != std::string::npos);
    CHECK(load_error("chips: {config: test, count: 3}\n"
                     "topology: {kind: none, links: [{a: 0, b: 1, a_port: 0}, {a: 0, b: 2, a_port: 0}]}\n")
              .find("chip 0 port 0 carries two links (link 0 and link 1)") != std::string::npos);
    CHECK(load_error("chips: {config: test, count: 3}\ntopology: {kind: none, links: [{a: 0, b: 1}]}\n")
              .find("the system is not connected: chip 2 cannot reach chip 0") != std::string::npos);
    CHECK(load_error("chips: {config: test, count: 4}\nnodes: {chips_per_node: 2}\n")
              .find("not connected") != std::string::npos);  // two nodes, no switch
    CHECK(load_error("chips: {config: test, count: 2}\nlink: {lanez: 4}\n")
              .find("FILE:2:8: link.lanez: unknown key") != std::string::npos);
    CHECK(load_error("chips: {config: nosuch, count: 2}\n").find("chips.config: chip config 'nosuch'") !=
          std::string::npos);
    CHECK(load_error("chips: {config: test, count: 2, set: {npu.matrix.rowz: 4}}\n").find("npu.matrix.rowz: unknown key") !=
          std::string::npos);
    CHECK(load_error("chips: {config: test, count: 2}\nlink: {buffer_bytes: 64}\n")
              .find("link.buffer_bytes: the receive buffer must hold at least one largest packet") !=
          std::string::npos);
    CHECK(load_error("chips: {config: test, count: 4}\nnodes: {chips_per_node: 2}\nswitch: {oversubscription: 0.5}\n")
              .find("FILE:3:28: switch.oversubscription: expected a number from 1 to 1000, got 0.5") != std::string::npos);
    CHECK(load_error("chips: {config: test, count: 4}\nnodes: {chips_per_node: 2}\nswitch: {oversubscription: 2}\n") ==
          "no error");
    CHECK(load_error("chips: {config: test, count: 2}\n", {"topology.kind=mesh"})
              .find("--set topology.kind=mesh: topology.kind: expected one of") != std::string::npos);
}

TEST_CASE("system: each chip's placement names its node and, per port, the chip at the far end (both ways)") {
    const SystemConfig pod8 = load_system_config(kSystems + "pod8.yaml", {"chips.config=test"});
    for (uint32_t chip = 0; chip < pod8.chips.size(); ++chip) {
        const npuemu::soc::ChipPlacement placement = npuemu::system::chip_placement(pod8, chip);
        CHECK(placement.chip_id == chip);
        CHECK(placement.chip_count == 8);
        CHECK(placement.node_id == chip / 4);
        CHECK(placement.node_count == 2);
        REQUIRE(placement.link_peers.size() == pod8.ports_per_chip);
        std::set<uint32_t> peers;
        size_t switch_ports = 0;
        for (uint32_t peer : placement.link_peers) {
            if (peer == npuemu::soc::ChipPlacement::kPortToSwitch) {
                ++switch_ports;
                continue;
            }
            REQUIRE(peer < 8);
            CHECK(peer != chip);
            CHECK(pod8.node_of(peer) == pod8.node_of(chip));
            peers.insert(peer);
            // The far end lists this chip among its own peers.
            const auto far = npuemu::system::chip_placement(pod8, peer).link_peers;
            CHECK(std::count(far.begin(), far.end(), chip) == 1);
        }
        CHECK(peers.size() == 3);  // fully connected inside the node of 4
        CHECK(switch_ports == 1);
    }
    const npuemu::soc::ChipPlacement alone =
        npuemu::system::chip_placement(load_system_config(kSystems + "single.yaml"), 0);
    CHECK(alone.chip_count == 1);
    CHECK_FALSE(alone.in_system());
    for (uint32_t peer : alone.link_peers) CHECK(peer == npuemu::soc::ChipPlacement::kPortUnconnected);
}
