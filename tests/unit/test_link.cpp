// Chip-to-chip links: serialization and latency equal the formula, packets sent out of time order fill the wire's
// gaps, credits stop the sender when the receiver's buffer is full (also for packets computed out of time order),
// and the wire's energy is bits x pJ per bit.
#include <doctest/doctest.h>

#include <cmath>

#include "model/common/error.h"
#include "model/link/chip_link.h"
#include "model/system/switch_fabric.h"

using namespace npuemu;
using namespace npuemu::link;

namespace {

ChipLinkConfig simple_link() {
    ChipLinkConfig c;
    c.lanes = 4;
    c.lane_gbps = 50;             // 25 GB/s = 0.025 bytes/ps: 40 ps per byte
    c.encoding_efficiency = 1.0;
    c.latency_ns = 100;
    c.max_payload_bytes = 256;
    c.header_bytes = 16;
    c.buffer_bytes = 1 << 20;
    return c;
}

// simple_link() with a receive buffer of two largest packets, drained 1 us after each arrives.
ChipLinkConfig two_packet_buffer() {
    ChipLinkConfig c = simple_link();
    c.buffer_bytes = 2 * (256 + 16);
    return c;
}
constexpr uint64_t kPacketPs = 272 * 40;   // a largest packet on the wire
constexpr uint64_t kDrainPs = 1'000'000;   // the receiver takes 1 us to drain each packet
constexpr uint64_t kHoldPs = kPacketPs + 100'000 + kDrainPs;  // a packet's departure to its credits back

}  // namespace

TEST_CASE("link: one packet takes (payload + header) / rate on the wire, then the latency") {
    StatsGroup root;
    ChipLinkDirection link(simple_link(), root, "a-b");
    CHECK(link.config().gigabytes_per_second() == doctest::Approx(25.0));
    CHECK(link.serialization_ps(240) == 256 * 40);
    const auto t = link.send(240, 1000, 0);
    CHECK(t.first_departure_ps == 1000);
    CHECK(t.arrival_ps == 1000 + 256 * 40 + 100'000);
    CHECK(link.packets() == 1);
    CHECK(link.wire_bytes() == 256);
    CHECK(link.payload_bytes() == 240);
}

TEST_CASE("link: a transfer is cut into packets that stream back to back") {
    StatsGroup root;
    ChipLinkDirection link(simple_link(), root, "a-b");
    const uint64_t bytes = 10 * 256 + 100;  // 10 full packets and one of 100 bytes
    const auto t = link.send(bytes, 0, 0);
    CHECK(link.packets() == 11);
    const uint64_t wire = 10 * (256 + 16) + (100 + 16);
    CHECK(link.wire_bytes() == wire);
    CHECK(t.arrival_ps == wire * 40 + 100'000);
    // A header-only packet (a read request, an acknowledgement).
    const auto ack = link.send(0, 0, 0);
    CHECK(ack.arrival_ps == (wire + 16) * 40 + 100'000);  // queued behind the transfer
    CHECK(link.busy_ps() == (wire + 16) * 40);
}

TEST_CASE("link: the sender waits for credits once the receiver's buffer is full") {
    StatsGroup root;
    ChipLinkDirection link(two_packet_buffer(), root, "a-b");
    link.send(256, 0, kDrainPs);
    link.send(256, 0, kDrainPs);
    CHECK(link.credit_stall_ps() == 0);
    // The third must wait until the first has been drained: it arrived at kPacketPs + latency.
    const auto third = link.send(256, 0, kDrainPs);
    CHECK(third.first_departure_ps == kHoldPs);
    CHECK(link.credit_stall_ps() == kHoldPs - 2 * kPacketPs);
    CHECK(third.arrival_ps == kHoldPs + kPacketPs + 100'000);
}

TEST_CASE("link: a packet that fills a gap before a later one takes credits only if the buffer holds both") {
    StatsGroup root;
    ChipLinkDirection link(two_packet_buffer(), root, "a-b");
    const auto later = link.send(256, 500'000, kDrainPs);  // computed first, leaves at 0.5 us
    const auto early = link.send(256, 0, kDrainPs);        // fills the gap before it: both fit in the buffer
    CHECK(later.first_departure_ps == 500'000);
    CHECK(early.first_departure_ps == 0);
    // A third ready at 0 would find the wire free after the second, and room at that moment; but it would still
    // hold its credits when the first leaves at 0.5 us: three packets in a buffer of two. It waits for the
    // second's credits instead (the first's are held until 0.5 us + the hold).
    const auto third = link.send(256, 0, kDrainPs);
    CHECK(third.first_departure_ps == kHoldPs);
    CHECK(link.credit_stall_ps() == kHoldPs - kPacketPs);
}

TEST_CASE("link: a buffer that cannot hold one packet is refused") {
    StatsGroup root;
    ChipLinkConfig c = simple_link();
    c.buffer_bytes = 100;
    CHECK_THROWS_WITH_AS(ChipLinkDirection(c, root, "a-b"), doctest::Contains("cannot hold one largest packet"),
                         Error);
}

TEST_CASE("link: presets carry the published rates") {
    CHECK(link_preset(LinkPreset::NvLink3).gigabytes_per_second() == doctest::Approx(25.0));
    CHECK(link_preset(LinkPreset::Ethernet400G).gigabytes_per_second() == doctest::Approx(50.0));
}

TEST_CASE("link: a packet computed after a later one still takes the free wire before it") {
    StatsGroup root;
    ChipLinkDirection link(simple_link(), root, "a-b");
    const auto later = link.send(240, 1'000'000, 0);  // leaves at 1 us
    const auto earlier = link.send(240, 0, 0);        // ready at 0: the wire is free until 1 us
    CHECK(later.first_departure_ps == 1'000'000);
    CHECK(earlier.first_departure_ps == 0);
    CHECK(earlier.arrival_ps == 256 * 40 + 100'000);
    // A third packet ready at 0 waits for the second's wire time only, then fits before the first.
    const auto third = link.send(240, 0, 0);
    CHECK(third.first_departure_ps == 256 * 40);
}

TEST_CASE("link: a packet too long for the gap before a packet booked earlier fills it and continues after it") {
    // A write's acknowledgement is booked when the write lands, before data its sender queued earlier: a header-only
    // packet at 5 ns, then a 256-byte packet ready at 0. It takes the 5 ns before the acknowledgement and the rest
    // after it, instead of leaving the wire idle until the acknowledgement has passed.
    StatsGroup root;
    ChipLinkDirection link(simple_link(), root, "a-b");
    const auto ack = link.send(0, 5'000, 0);
    CHECK(ack.first_departure_ps == 5'000);
    const auto data = link.send(256, 0, 0);
    CHECK(data.first_departure_ps == 0);
    CHECK(data.arrival_ps == kPacketPs + 16 * 40 + 100'000);  // its tail left behind the acknowledgement's 640 ps
    CHECK(link.busy_ps() == kPacketPs + 16 * 40);
}

TEST_CASE("link: a queue of data among acknowledgements booked ahead of it keeps the wire busy throughout") {
    // The 2-chip ring's pattern: each direction carries its data, queued long before, and the acknowledgements of
    // the other direction's writes, each booked at its own time as it comes. The wire idles nowhere (when a packet
    // could only take a gap as long as itself, no data fitted between two acknowledgements and the wire idled 93%
    // of the time until the last had passed).
    StatsGroup root;
    ChipLinkDirection link(simple_link(), root, "a-b");
    for (uint64_t i = 0; i < 100; ++i) link.send(0, 5'000 + i * 9'000, 0);  // 100 acknowledgements, 9 ns apart
    uint64_t last_arrival_ps = 0;
    for (int i = 0; i < 100; ++i) last_arrival_ps = link.send(256, 0, 0).arrival_ps;  // 100 packets, all ready at 0
    CHECK(last_arrival_ps == 100 * (kPacketPs + 16 * 40) + 100'000);
}

TEST_CASE("link: the wire's energy is every bit sent, headers included, at energy_pj_per_bit") {
    StatsGroup root;
    ChipLinkConfig config = simple_link();
    config.energy_pj_per_bit = 2.5;
    ChipLinkDirection link(config, root, "a-b");
    link.send(1000, 0, 0);  // 256 + 256 + 256 + 232 payload in 4 packets of 16-byte headers
    CHECK(link.wire_bytes() == 1000 + 4 * 16);
    CHECK(link.energy_j() == doctest::Approx(1064 * 8 * 2.5e-12));
    StatsRegistry stats(root);
    CHECK(stats.value("a-b.energy_j") == doctest::Approx(1064 * 8 * 2.5e-12));
}

TEST_CASE("switch: two flows through an oversubscribed fabric share it, a non-blocking switch adds nothing") {
    using npuemu::system::SwitchFabric;
    // 2 ports of 0.025 bytes/ps (40 ps per byte) at 2:1: the fabric moves 0.025 bytes/ps, one port's rate.
    SwitchFabric fabric(2, 0.025, 2.0);
    REQUIRE(fabric.limits());
    CHECK(fabric.bytes_per_ps() == doctest::Approx(0.025));
    // Two flows of 1000 wire bytes whose heads reach the switch at 0 and whose tails have arrived at 40,000 ps (each
    // at its port's full rate): the fabric moves one, then the other.
    const uint64_t first = fabric.cross(0, 40'000, 1000);
    const uint64_t second = fabric.cross(0, 40'000, 1000);
    CHECK(first == 40'000);
    CHECK(second == 80'000);
    CHECK(fabric.busy_ps() == 80'000);
    CHECK(fabric.wait_ps() == 40'000);
    // Sharing the fabric, the two flows together get one port's rate: 2000 bytes in 80,000 ps.
    CHECK(2000.0 / static_cast<double>(second) == doctest::Approx(0.025));

    SwitchFabric full(2, 0.025, 1.0);
    CHECK_FALSE(full.limits());
    CHECK(full.cross(0, 40'000, 1000) == 40'000);
    CHECK(full.cross(0, 40'000, 1000) == 40'000);
}
