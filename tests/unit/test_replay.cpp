// The flow replay (model/replay/): a multi-chip run's flow export read back, with clear errors for bad lines, and
// replayed on the cluster model's flow-level network built from the system config; the closed forms of one copy on an
// idle link, copies sharing a link, and a path through the switch.
#include <doctest/doctest.h>

#include <string>

#include "model/common/error.h"
#include "model/replay/flow_replay.h"
#include "tests/unit/temp_yaml.h"

using namespace npuemu;
using namespace npuemu::replay;

namespace {

const std::string kReplaySystems = std::string(NPUEMU_SOURCE_DIR) + "/configs/systems/";

FlowRecord replay_copy(uint32_t from, uint32_t to, uint64_t bytes, uint64_t issue_ps, std::vector<std::string> route,
                       uint32_t collective = 1) {
    FlowRecord flow;
    flow.chip = from;
    flow.src_chip = from;
    flow.dst_chip = to;
    flow.bytes = bytes;
    flow.issue_ps = issue_ps;
    flow.done_ps = issue_ps + 1000;
    flow.collective = collective;
    flow.route = std::move(route);
    return flow;
}

std::string replay_read_error(const std::string& text) {
    test::TempYaml file(text);
    try {
        read_flow_records(file.path());
    } catch (const Error& error) {
        std::string message = error.what();
        const auto at = message.find(file.path());
        if (at != std::string::npos) message.replace(at, file.path().size(), "FILE");
        return message;
    }
    return "no error";
}

}  // namespace

TEST_CASE("replay: a flow export is read back, and a bad line is refused with file, line and key") {
    test::TempYaml file(
        "{\"kind\":\"copy\",\"chip\":0,\"tile\":3,\"src_chip\":0,\"dst_chip\":1,\"bytes\":16384,\"issue_ps\":5,"
        "\"done_ps\":9,\"collective\":16777218,\"step\":2,\"route\":[\"c0p0-c1p0\"]}\n\n"
        "{\"kind\":\"doorbell\",\"chip\":1,\"tile\":0,\"src_chip\":1,\"dst_chip\":2,\"bytes\":0,\"issue_ps\":1,"
        "\"done_ps\":2,\"collective\":0,\"step\":0,\"route\":[\"c1p1-c2p1\"]}\n");
    const std::vector<FlowRecord> flows = read_flow_records(file.path());
    REQUIRE(flows.size() == 2);
    CHECK_FALSE(flows[0].doorbell);
    CHECK(flows[0].tile == 3);
    CHECK(flows[0].bytes == 16384);
    CHECK(flows[0].route == std::vector<std::string>{"c0p0-c1p0"});
    CHECK(flows[1].doorbell);
    CHECK(flows[1].line == 3);
    CHECK(collective_label_name(16777218) == "reduce-scatter #2");
    CHECK(collective_label_name(0) == "untagged");
    CHECK(collective_label_name((7u << 24) | 5) == "hierarchical #5");
    CHECK(collective_label_name((9u << 24) | 1) == "kind 9 #1");

    CHECK(replay_read_error("{\"kind\":\"copy\"\n") == "FILE:1: not valid JSON");
    CHECK(replay_read_error("[1, 2]\n") == "FILE:1: expected a JSON object, one flow per line");
    CHECK(replay_read_error("{\"kind\":\"copy\",\"chip\":0}\n") == "FILE:1: missing key 'tile'");
    CHECK(replay_read_error("{\"kind\":\"put\"}\n") ==
          "FILE:1: key 'kind': expected \"copy\" or \"doorbell\", got \"put\"");
    CHECK(replay_read_error("{\"kind\":\"copy\",\"chip\":-1}\n") ==
          "FILE:1: key 'chip': expected a whole number up to 4294967295, got -1");
    CHECK(replay_read_error("{\"kind\":\"copy\",\"chip\":0,\"tile\":0,\"src_chip\":0,\"dst_chip\":1,\"bytes\":1,"
                            "\"issue_ps\":9,\"done_ps\":5,\"collective\":0,\"step\":0,\"route\":[]}\n") ==
          "FILE:1: done_ps is before issue_ps");
    CHECK(replay_read_error("{\"kind\":\"copy\",\"chip\":0,\"tile\":0,\"src_chip\":0,\"dst_chip\":1,\"bytes\":1,"
                            "\"issue_ps\":1,\"done_ps\":5,\"collective\":0,\"step\":0,\"route\":[7]}\n") ==
          "FILE:1: key 'route': expected link names (strings), got 7");
}

TEST_CASE("replay: one copy on an idle link takes its bytes at the payload rate plus the link's latency") {
    const system::SystemConfig node4 = system::load_system_config(kReplaySystems + "node4.yaml");
    const link::ChipLinkConfig& link = node4.links.at(0).config;
    // NVLink-3 class: 25 GB/s on the wire, 256-byte payloads behind 16-byte headers.
    REQUIRE(link.gigabytes_per_second() == doctest::Approx(25.0));
    const double payload_rate = 25e9 * 256.0 / 272.0;
    const uint64_t bytes = 1 << 20;
    const ReplayResult result = replay_flows(node4, {replay_copy(0, 1, bytes, 1'000'000, {"c0p0-c1p0"})});
    REQUIRE(result.collectives.size() == 1);
    CHECK(result.all.replayed_s == doctest::Approx(bytes / payload_rate + link.latency_ns * 1e-9).epsilon(1e-9));
    CHECK(result.all.measured_s == doctest::Approx(1e-9));  // done_ps - issue_ps of the record
}

TEST_CASE("replay: copies that share a link direction share its rate; the opposite direction is its own link") {
    const system::SystemConfig node4 = system::load_system_config(kReplaySystems + "node4.yaml");
    const double latency_s = node4.links.at(0).config.latency_ns * 1e-9;
    const double payload_rate = 25e9 * 256.0 / 272.0;
    const uint64_t bytes = 1 << 20;
    const ReplayResult shared = replay_flows(
        node4, {replay_copy(0, 1, bytes, 0, {"c0p0-c1p0"}, 1), replay_copy(0, 1, bytes, 0, {"c0p0-c1p0"}, 2)});
    REQUIRE(shared.collectives.size() == 2);
    CHECK(shared.collectives[0].replayed_s == doctest::Approx(2 * bytes / payload_rate + latency_s));
    CHECK(shared.collectives[1].replayed_s == doctest::Approx(2 * bytes / payload_rate + latency_s));
    const ReplayResult both_ways =
        replay_flows(node4, {replay_copy(0, 1, bytes, 0, {"c0p0-c1p0"}), replay_copy(1, 0, bytes, 0, {"c1p0-c0p0"})});
    CHECK(both_ways.all.replayed_s == doctest::Approx(bytes / payload_rate + latency_s));
}

TEST_CASE("replay: a path through the node switch adds the switch's latency; unknown links and chips are refused") {
    const system::SystemConfig pod8 = system::load_system_config(kReplaySystems + "pod8.yaml");
    REQUIRE(pod8.network_switch.present);
    const link::ChipLinkConfig& port = pod8.network_switch.port;
    const double rate =
        port.gigabytes_per_second() * 1e9 * port.max_payload_bytes / double(port.max_payload_bytes + port.header_bytes);
    const uint64_t bytes = 4096;
    // Chip 3 of node 0 to chip 4 of node 1 through the switch: its port faces chip i on switch port i.
    std::string up, down;
    for (const system::LinkSpec& spec : pod8.links) {
        if (!spec.to_switch()) continue;
        const std::string end = "c" + std::to_string(spec.a.chip) + "p" + std::to_string(spec.a.port);
        if (spec.a.chip == 3) up = end + "-switch";
        if (spec.a.chip == 4) down = "switch-" + end;
    }
    REQUIRE(!up.empty());
    REQUIRE(!down.empty());
    const ReplayResult result = replay_flows(pod8, {replay_copy(3, 4, bytes, 0, {up, down})});
    CHECK(result.all.replayed_s ==
          doctest::Approx(bytes / rate + 2 * port.latency_ns * 1e-9 + pod8.network_switch.latency_ns * 1e-9));

    FlowRecord wrong = replay_copy(0, 1, bytes, 0, {"c0p9-c1p0"});
    wrong.line = 7;
    CHECK_THROWS_WITH_AS(replay_flows(pod8, {wrong}),
                         "flow export line 7: route link 'c0p9-c1p0' is not a link direction of this system (a flow "
                         "export of another system?)",
                         Error);
    FlowRecord stranger = replay_copy(0, 9, bytes, 0, {});
    stranger.line = 3;
    CHECK_THROWS_WITH_AS(replay_flows(pod8, {stranger}), "flow export line 3: chip 9 is not in system 'pod8' (8 chips)",
                         Error);
}
