// The mesh timing model: link calendars, dimension-ordered routes, zero-load latency, contention, statistics,
// saturation under uniform and hot-spot traffic, and bad inputs.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/common/error.h"
#include "model/noc/link_calendar.h"
#include "model/noc/mesh.h"

using namespace npuemu::noc;

namespace {

MeshConfig config(uint32_t cols, uint32_t rows, DimensionOrder order = DimensionOrder::XY) {
    MeshConfig c;
    c.cols = cols;
    c.rows = rows;
    c.link_bandwidth_bytes_per_cycle = 64;
    c.router_latency_cycles = 2;
    c.header_bytes = 16;
    c.order = order;
    c.clock_period_ps = 1000;
    return c;
}

const Mesh::LinkStats& link(const Mesh& mesh, const std::string& name) {
    for (const Mesh::LinkStats& stats : mesh.link_stats()) {
        if (stats.name == name) return stats;
    }
    FAIL("no link named " << name);
    throw 0;  // not reached
}

// The names of the links that carried at least one packet, in link_stats() order.
std::vector<std::string> used_links(const Mesh& mesh) {
    std::vector<std::string> names;
    for (const Mesh::LinkStats& stats : mesh.link_stats()) {
        if (stats.packets > 0) names.push_back(stats.name);
    }
    return names;
}

}  // namespace

// ---- LinkCalendar ----------------------------------------------------------------------------------------------

TEST_CASE("mesh: a link calendar appends, merges touching intervals and fills gaps that are long enough") {
    LinkCalendar cal;
    CHECK(cal.reserve(10, 4) == 10);  // [10, 14)
    CHECK(cal.reserve(10, 4) == 14);  // queued behind: [14, 18), merged
    CHECK(cal.interval_count() == 1);
    CHECK(cal.reserve(30, 5) == 30);  // [30, 35)
    CHECK(cal.interval_count() == 2);
    CHECK(cal.reserve(0, 10) == 0);   // fits exactly before 10: [0, 10) merges with [10, 18)
    CHECK(cal.interval_count() == 2);
    CHECK(cal.reserve(16, 13) == 35); // the gap [18, 30) is 12 long: too short, goes after [30, 35)
    CHECK(cal.reserve(19, 11) == 19); // fits [19, 30) exactly, touching [30, 48) on the right
    const std::vector<LinkCalendar::Interval> iv = cal.intervals();
    REQUIRE(iv.size() == 2);
    CHECK(iv[0].start_cycle == 0);
    CHECK(iv[0].end_cycle == 18);
    CHECK(iv[1].start_cycle == 19);
    CHECK(iv[1].end_cycle == 48);
    CHECK(cal.reserve(0, 1) == 18);   // the one-cycle hole, joining both sides
    CHECK(cal.interval_count() == 1);
    CHECK(cal.reserve(5, 1) == 48);
}

TEST_CASE("mesh: a link calendar spreads a reservation over the gaps in order until it has its length") {
    LinkCalendar cal;
    cal.reserve(5, 2);    // [5, 7)
    cal.reserve(10, 5);   // [10, 15)
    std::vector<LinkCalendar::Interval> pieces;
    cal.find_spread(0, 12, pieces);  // [0, 5) + [7, 10) + [15, 19)
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[0].start_cycle == 0);
    CHECK(pieces[0].end_cycle == 5);
    CHECK(pieces[1].start_cycle == 7);
    CHECK(pieces[1].end_cycle == 10);
    CHECK(pieces[2].start_cycle == 15);
    CHECK(pieces[2].end_cycle == 19);
    cal.reserve_pieces(pieces);
    REQUIRE(cal.interval_count() == 1);  // every gap filled: one busy interval [0, 19)
    CHECK(cal.intervals()[0].end_cycle == 19);
    cal.find_spread(6, 3, pieces);  // from inside the busy interval: after it, whole
    REQUIRE(pieces.size() == 1);
    CHECK(pieces[0].start_cycle == 19);
    CHECK(pieces[0].end_cycle == 22);
    cal.reserve(30, 4);             // [30, 34)
    cal.find_spread(20, 2, pieces);  // fits the gap before it whole: the same as find()
    REQUIRE(pieces.size() == 1);
    CHECK(pieces[0].start_cycle == cal.find(20, 2));
}

TEST_CASE("mesh: a link calendar retires intervals that end at or before the given cycle, and only those") {
    LinkCalendar cal;
    for (uint64_t i = 0; i < 100; ++i) cal.reserve(i * 10, 5);  // [0,5) [10,15) ... [990,995)
    CHECK(cal.interval_count() == 100);
    cal.retire_through(15);  // drops [0,5) and [10,15)
    CHECK(cal.interval_count() == 98);
    cal.retire_through(22);  // [20,25) ends after 22: kept whole
    CHECK(cal.interval_count() == 98);
    CHECK(cal.reserve(22, 3) == 25);
    cal.retire_through(700);
    CHECK(cal.interval_count() == 30);
    CHECK(cal.intervals().front().start_cycle == 700);
    CHECK(cal.reserve(700, 6) == 995);  // every 5-cycle gap is too short: after the last interval
    CHECK(cal.reserve(700, 5) == 705);  // fits [705, 710) exactly, merging with both neighbours
    CHECK(cal.interval_count() == 29);
    cal.retire_through(5000);
    CHECK(cal.interval_count() == 0);
    CHECK(cal.reserve(4000, 2) == 4000);
}

// ---- Topology and zero-load latency ----------------------------------------------------------------------------

TEST_CASE("mesh: zero-load latency = routers x router latency + ceil((header + payload) / bandwidth), tiles and ports") {
    for (DimensionOrder order : {DimensionOrder::XY, DimensionOrder::YX}) {
        CAPTURE(int(order));
        Mesh mesh(config(4, 3, order));
        const NodeId hbm_n = mesh.attach_port(Edge::North, 2, "hbm0.ch0");  // router (2, 0)
        const NodeId hbm_e = mesh.attach_port(Edge::East, 1, "hbm1.ch0");   // router (3, 1)
        const NodeId hbm_w = mesh.attach_port(Edge::West, 2, "hbm2.ch0");   // router (0, 2)
        CHECK(mesh.router_x(hbm_n) == 2);
        CHECK(mesh.router_y(hbm_n) == 0);
        CHECK(mesh.router_x(hbm_e) == 3);
        CHECK(mesh.router_y(hbm_e) == 1);
        CHECK(mesh.router_x(hbm_w) == 0);
        CHECK(mesh.router_y(hbm_w) == 2);

        struct Case {
            NodeId from, to;
            uint32_t payload;
            uint32_t routers;
            uint64_t expected_cycles;  // worked out by hand: routers x 2 + ceil((16 + payload) / 64)
        };
        const Case cases[] = {
            {mesh.tile_node(0), mesh.tile_node(1), 48, 2, 2 * 2 + 1},           // 64 B: exactly 1 cycle
            {mesh.tile_node(0), mesh.tile_node(1), 49, 2, 2 * 2 + 2},           // 65 B: 2 cycles
            {mesh.tile_node(0), mesh.tile_node(11), 240, 6, 6 * 2 + 4},         // corner to corner, 256 B
            {mesh.tile_node(5), mesh.tile_node(5), 0, 1, 1 * 2 + 1},            // to itself: inject + eject
            {mesh.tile_node(9), mesh.tile_node(2), 1000, 4, 4 * 2 + 16},        // 1016 B: 15.9 -> 16 cycles
            {hbm_n, mesh.tile_node(8), 256, 5, 5 * 2 + 5},                      // port (2,0) -> tile (0,2), 272 B
            {mesh.tile_node(8), hbm_n, 0, 5, 5 * 2 + 1},                        // read request: header only
            {hbm_e, hbm_w, 64, 5, 5 * 2 + 2},                                   // port to port across the mesh
        };
        for (const Case& c : cases) {
            CAPTURE(mesh.node_name(c.from));
            CAPTURE(mesh.node_name(c.to));
            CAPTURE(c.payload);
            CHECK(mesh.routers_on_path(c.from, c.to) == c.routers);
            CHECK(mesh.zero_load_latency_ps(c.from, c.to, c.payload) == c.expected_cycles * 1000);
            // A packet alone on the mesh takes exactly the zero-load latency; a fresh mesh for each.
            Mesh alone(config(4, 3, order));
            alone.attach_port(Edge::North, 2, "hbm0.ch0");
            alone.attach_port(Edge::East, 1, "hbm1.ch0");
            alone.attach_port(Edge::West, 2, "hbm2.ch0");
            CHECK(alone.send(c.from, c.to, c.payload, 7000, TrafficClass::WriteData) == 7000 + c.expected_cycles * 1000);
        }
    }
}

TEST_CASE("mesh: a packet injected between clock edges starts at the next edge, its latency is counted from injection") {
    Mesh mesh(config(2, 2));
    const uint64_t zero_load = mesh.zero_load_latency_ps(0, 3, 240);  // 3 routers x 2 + 4 = 10 cycles
    CHECK(zero_load == 10000);
    CHECK(mesh.send(0, 3, 240, 1500, TrafficClass::WriteData) == 2000 + zero_load);
    const Mesh::ClassStats& stats = mesh.class_stats(TrafficClass::WriteData);
    CHECK(stats.latency_ps.max() == 2000 + zero_load - 1500);
    CHECK(stats.contention_ps == 0);  // waiting for the clock edge is not contention
}

TEST_CASE("mesh: node names and link names") {
    Mesh mesh(config(4, 2));
    const NodeId port = mesh.attach_port(Edge::South, 3, "hbm3.ch1");
    CHECK(mesh.node_count() == 9);
    CHECK(mesh.node_name(mesh.tile_node(5)) == "tile5");
    CHECK(mesh.node_name(port) == "hbm3.ch1");
    CHECK(mesh.router_x(mesh.tile_node(5)) == 1);
    CHECK(mesh.router_y(mesh.tile_node(5)) == 1);
    std::vector<std::string> names;
    for (const Mesh::LinkStats& stats : mesh.link_stats()) names.push_back(stats.name);
    // 4x2 mesh: 2 rows x 3 x 2 horizontal + 4 columns x 1 x 2 vertical router links, 8 x 2 tile links, 2 port links.
    CHECK(names.size() == 12 + 8 + 16 + 2);
    CHECK(names[0] == "x0y0.east");
    CHECK(names[1] == "x0y0.south");
    CHECK(names[2] == "x1y0.east");
    CHECK(names[3] == "x1y0.west");
    CHECK(names.back() == "hbm3.ch1.out");
    // Links off the edge do not exist.
    for (const std::string& name : names) {
        CHECK(name != "x3y0.east");
        CHECK(name != "x0y0.north");
        CHECK(name != "x0y1.south");
        CHECK(name != "x0y1.west");
    }
    CHECK(traffic_class_name(TrafficClass::ReadResponse) == std::string("read_response"));
}

TEST_CASE("mesh: XY routing goes along the row first, YX along the column first") {
    {
        Mesh mesh(config(4, 4, DimensionOrder::XY));
        mesh.send(mesh.tile_node(0), mesh.tile_node(10), 240, 0, TrafficClass::WriteData);  // (0,0) -> (2,2)
        CHECK(used_links(mesh) == std::vector<std::string>{"x0y0.east", "x1y0.east", "x2y0.south", "x2y1.south",
                                                           "tile0.inject", "tile10.eject"});
    }
    {
        Mesh mesh(config(4, 4, DimensionOrder::YX));
        mesh.send(mesh.tile_node(0), mesh.tile_node(10), 240, 0, TrafficClass::WriteData);
        CHECK(used_links(mesh) == std::vector<std::string>{"x0y0.south", "x0y1.south", "x0y2.east", "x1y2.east",
                                                           "tile0.inject", "tile10.eject"});
    }
    {
        // The other directions: (3,3) -> (1,0) from a port on the east edge at y = 3 to a port on the north edge.
        Mesh mesh(config(4, 4, DimensionOrder::XY));
        const NodeId from = mesh.attach_port(Edge::East, 3, "east3");
        const NodeId to = mesh.attach_port(Edge::North, 1, "north1");
        mesh.send(from, to, 0, 0, TrafficClass::ReadRequest);
        // (link_stats() order: router by router, y then x.)
        CHECK(used_links(mesh) == std::vector<std::string>{"x1y1.north", "x1y2.north", "x1y3.north", "x2y3.west",
                                                           "x3y3.west", "east3.in", "north1.out"});
    }
}

// ---- Contention -------------------------------------------------------------------------------------------------

TEST_CASE("mesh: two packets on one link serialize: the second waits exactly the first's serialization") {
    const uint64_t ser = 4;  // (16 + 240) / 64
    SUBCASE("same source, same time: they queue on the injection link") {
        Mesh mesh(config(4, 1));
        const uint64_t first = mesh.send(0, 3, 240, 0, TrafficClass::WriteData);
        const uint64_t second = mesh.send(0, 3, 240, 0, TrafficClass::WriteData);
        CHECK(first == mesh.zero_load_latency_ps(0, 3, 240));
        CHECK(second == first + ser * 1000);
        CHECK(mesh.class_stats(TrafficClass::WriteData).contention_ps == ser * 1000);
    }
    SUBCASE("different sources meeting on a router link in the middle of the path") {
        // tile0's head reaches x1y0.east at cycle 2 x 2 = 4; tile1 injecting at cycle 2 gets there at 2 + 2 = 4.
        Mesh mesh(config(4, 1));
        const uint64_t first = mesh.send(0, 3, 240, 0, TrafficClass::WriteData);
        const uint64_t second = mesh.send(1, 3, 240, 2000, TrafficClass::WriteData);
        CHECK(first == mesh.zero_load_latency_ps(0, 3, 240));
        CHECK(second == 2000 + mesh.zero_load_latency_ps(1, 3, 240) + ser * 1000);
        // One cycle later it would find x1y0.east busy for 3 more cycles only.
        Mesh later(config(4, 1));
        later.send(0, 3, 240, 0, TrafficClass::WriteData);
        CHECK(later.send(1, 3, 240, 3000, TrafficClass::WriteData) ==
              3000 + later.zero_load_latency_ps(1, 3, 240) + (ser - 1) * 1000);
    }
    SUBCASE("paths that share no link do not interfere") {
        Mesh mesh(config(4, 2));
        mesh.send(0, 3, 240, 0, TrafficClass::WriteData);                       // row 0, eastwards
        CHECK(mesh.send(7, 4, 240, 0, TrafficClass::WriteData) == mesh.zero_load_latency_ps(7, 4, 240));  // row 1
        CHECK(mesh.send(3, 0, 240, 0, TrafficClass::WriteData) == mesh.zero_load_latency_ps(3, 0, 240));  // westwards
    }
}

TEST_CASE("mesh: a packet submitted later but injected earlier uses the gap before an existing reservation") {
    Mesh mesh(config(4, 1));
    const uint64_t zl = mesh.zero_load_latency_ps(0, 3, 240);  // 4 routers x 2 + 4 = 12 cycles
    const uint64_t late = mesh.send(0, 3, 240, 100000, TrafficClass::WriteData);
    CHECK(late == 100000 + zl);
    // Injected 100 cycles earlier, submitted afterwards: every link is free then, so no delay.
    CHECK(mesh.send(0, 3, 240, 0, TrafficClass::WriteData) == zl);
    // Injected so that it would overlap the late packet on every link by one cycle: it cannot fit the gap and
    // waits behind it on the injection link.
    CHECK(mesh.send(0, 3, 240, 97000, TrafficClass::WriteData) == 104000 + zl);
    // The late packet itself was not disturbed, and a packet exactly fitting before it fits.
    CHECK(mesh.send(0, 3, 240, 96000, TrafficClass::WriteData) == 96000 + zl);
    CHECK(mesh.class_stats(TrafficClass::WriteData).contention_ps == 7000);
}

TEST_CASE("mesh: retire_before bounds the calendars and leaves later results identical") {
    MeshConfig c = config(4, 4);
    Mesh keeping(c);
    Mesh retiring(c);
    std::mt19937 rng(7);
    size_t max_intervals_keeping = 0, max_intervals_retiring = 0;
    uint64_t mismatches = 0, sends = 0;
    for (uint64_t cycle = 0; cycle < 20000; ++cycle) {
        if (cycle % 64 == 0) retiring.retire_before(cycle * 1000);
        for (uint32_t src = 0; src < 16; ++src) {
            if (rng() % 8 != 0) continue;  // 1/8 packets per cycle per tile, 256 B: about half the bisection bound
            const uint32_t dst = rng() % 16;
            // Some packets are submitted ahead of their time (a DMA window), up to 40 cycles ahead.
            const uint64_t inject = (cycle + rng() % 41) * 1000;
            const uint64_t a = keeping.send(src, dst, 240, inject, TrafficClass::WriteData);
            const uint64_t b = retiring.send(src, dst, 240, inject, TrafficClass::WriteData);
            mismatches += a != b;
            ++sends;
        }
        max_intervals_keeping = std::max(max_intervals_keeping, keeping.calendar_interval_count());
        max_intervals_retiring = std::max(max_intervals_retiring, retiring.calendar_interval_count());
    }
    CHECK(sends > 30000);
    CHECK(mismatches == 0);
    MESSAGE("calendar intervals held: " << max_intervals_retiring << " with retire_before every 64 cycles, "
                                        << max_intervals_keeping << " without");
    CHECK(max_intervals_retiring * 20 < max_intervals_keeping);
    CHECK(retiring.class_stats(TrafficClass::WriteData).latency_ps.sum() ==
          keeping.class_stats(TrafficClass::WriteData).latency_ps.sum());
}

// ---- Statistics -------------------------------------------------------------------------------------------------

TEST_CASE("mesh: link and class statistics add up to what was sent") {
    Mesh mesh(config(3, 3));
    const NodeId port = mesh.attach_port(Edge::North, 1, "hbm0.ch0");
    struct Packet {
        NodeId from, to;
        uint32_t payload;
        TrafficClass cls;
    };
    const std::vector<Packet> packets = {
        {port, mesh.tile_node(8), 256, TrafficClass::ReadResponse},  // 272 B, 5 cycles; (1,0) -> (2,2)
        {mesh.tile_node(8), port, 0, TrafficClass::ReadRequest},     // 16 B, 1 cycle
        {mesh.tile_node(0), mesh.tile_node(2), 112, TrafficClass::WriteData},  // 128 B, 2 cycles
        {mesh.tile_node(2), mesh.tile_node(0), 0, TrafficClass::WriteAck},
        {port, mesh.tile_node(8), 256, TrafficClass::ReadResponse},
    };
    uint64_t link_bytes = 0, link_busy_ps = 0, link_packets = 0;
    uint64_t payload_read_response = 0;
    for (size_t i = 0; i < packets.size(); ++i) {
        const Packet& p = packets[i];
        mesh.send(p.from, p.to, p.payload, i * 50000, p.cls);
        const uint64_t links = mesh.routers_on_path(p.from, p.to) + 1;
        link_packets += links;
        link_bytes += links * (16 + p.payload);
        link_busy_ps += links * mesh.serialization_cycles(p.payload) * 1000;
        if (p.cls == TrafficClass::ReadResponse) payload_read_response += p.payload;
    }
    uint64_t sum_bytes = 0, sum_busy = 0, sum_packets = 0;
    for (const Mesh::LinkStats& stats : mesh.link_stats()) {
        sum_bytes += stats.bytes;
        sum_busy += stats.busy_ps;
        sum_packets += stats.packets;
    }
    CHECK(sum_packets == link_packets);
    CHECK(sum_bytes == link_bytes);
    CHECK(sum_busy == link_busy_ps);
    // Single links, by hand: the port's link into the mesh carried the two responses, 272 B each, 5 cycles each.
    CHECK(link(mesh, "hbm0.ch0.in").packets == 2);
    CHECK(link(mesh, "hbm0.ch0.in").bytes == 544);
    CHECK(link(mesh, "hbm0.ch0.in").busy_ps == 10000);
    CHECK(link(mesh, "hbm0.ch0.out").bytes == 16);
    CHECK(link(mesh, "hbm0.ch0.out").busy_ps == 1000);
    CHECK(link(mesh, "x1y0.east").bytes == 544 + 128);  // the responses (1,0) -> (2,2), and tile0 -> tile2
    CHECK(link(mesh, "x1y0.east").busy_ps == 10000 + 2000);
    CHECK(link(mesh, "x2y0.south").bytes == 544);
    CHECK(link(mesh, "x2y1.south").bytes == 544);
    // The request (2,2) -> (1,0) goes west first, then north up column 1; nothing goes north in column 2.
    CHECK(link(mesh, "x2y2.west").bytes == 16);
    CHECK(link(mesh, "x1y2.north").bytes == 16);
    CHECK(link(mesh, "x1y1.north").bytes == 16);
    CHECK(link(mesh, "x2y1.north").bytes == 0);
    CHECK(link(mesh, "x1y0.west").bytes == 16);  // the ack tile2 -> tile0
    CHECK(link(mesh, "x2y0.west").bytes == 16);
    const Mesh::ClassStats& responses = mesh.class_stats(TrafficClass::ReadResponse);
    CHECK(responses.packets == 2);
    CHECK(responses.payload_bytes == payload_read_response);
    CHECK(responses.hops == 2 * 4);  // (1,0) -> (2,2): 4 routers
    CHECK(responses.latency_ps.count() == 2);
    CHECK(responses.latency_ps.max() == mesh.zero_load_latency_ps(port, mesh.tile_node(8), 256));
    CHECK(responses.contention_ps == 0);
    CHECK(mesh.class_stats(TrafficClass::WriteAck).packets == 1);
    CHECK(mesh.class_stats(TrafficClass::WriteAck).payload_bytes == 0);
}

// ---- Throughput under load ----------------------------------------------------------------------------------------

namespace {

constexpr uint32_t kPayload = 240;  // + 16 B header = 256 B = 4 cycles on a 64 B/cycle link
constexpr double kPacketBytes = 256;

struct LoadPoint {
    double offered;          // packet bytes per tile per cycle
    double accepted;         // packet bytes delivered per tile per cycle, tails arriving in the measurement window
    double latency_cycles;   // mean, packets injected in the measurement window
};

// Open-loop traffic on a mesh of tiles: each cycle every source injects a 256 B packet with probability
// offered / 256 (mt19937 bits, so the same on every host) to a destination chosen by `pick`. Warm-up of a fifth of
// the cycles, then measurement. Sends are in time order; retire_before() keeps the calendars short.
template <typename Pick>
LoadPoint run_load(Mesh& mesh, const std::vector<uint32_t>& sources, double offered, uint64_t cycles, uint32_t seed,
                   Pick pick) {
    const uint64_t period = mesh.config().clock_period_ps;
    const uint64_t warmup = cycles / 5;
    const uint64_t threshold = uint64_t(offered / kPacketBytes * 4294967296.0);
    std::mt19937 rng(seed);
    double delivered_bytes = 0, latency_sum = 0;
    uint64_t measured = 0;
    for (uint64_t cycle = 0; cycle < cycles; ++cycle) {
        if (cycle % 256 == 0) mesh.retire_before(cycle * period);
        for (uint32_t src : sources) {
            if (rng() >= threshold) continue;
            const uint32_t dst = pick(rng, src);
            const uint64_t tail = mesh.send(src, dst, kPayload, cycle * period, TrafficClass::WriteData);
            if (tail >= warmup * period && tail < cycles * period) delivered_bytes += kPacketBytes;
            if (cycle >= warmup) {
                latency_sum += double(tail - cycle * period) / double(period);
                ++measured;
            }
        }
    }
    LoadPoint point;
    point.offered = offered;
    point.accepted = delivered_bytes / double(cycles - warmup) / double(sources.size());
    point.latency_cycles = measured ? latency_sum / double(measured) : 0;
    return point;
}

// Uniform random traffic on a k x k mesh: each tile to any other tile with equal probability.
LoadPoint run_uniform(uint32_t k, double offered, uint64_t cycles) {
    Mesh mesh(config(k, k));
    std::vector<uint32_t> sources(k * k);
    for (uint32_t t = 0; t < k * k; ++t) sources[t] = t;
    const uint32_t n = k * k;
    return run_load(mesh, sources, offered, cycles, 12345, [n](std::mt19937& rng, uint32_t src) {
        uint32_t dst = uint32_t(rng() % (n - 1));
        return dst >= src ? dst + 1 : dst;
    });
}

struct Saturation {
    double throughput;  // accepted bytes per tile per cycle where latency explodes
    double offered;
    std::string table;
};

// Sweeps the offered load from 10% to 140% of `bound` in 5% steps. The network saturates at the first load whose
// mean latency exceeds 10x the latency at 10% load (with unlimited router buffers, latency grows without bound
// there); also checks on the way that below it the accepted throughput follows the offered load, and that beyond
// it the accepted throughput stops growing.
Saturation sweep_uniform(uint32_t k, double bound, uint64_t cycles) {
    Saturation sat{0, 0, ""};
    std::vector<LoadPoint> points;
    for (int step = 2; step <= 28; ++step) points.push_back(run_uniform(k, bound * 0.05 * step, cycles));
    const double low_latency = points.front().latency_cycles;
    for (const LoadPoint& p : points) {
        sat.table += "offered " + std::to_string(p.offered) + " accepted " + std::to_string(p.accepted) +
                     " latency " + std::to_string(p.latency_cycles) + " cycles\n";
    }
    INFO(sat.table);
    size_t knee = points.size();
    for (size_t i = 0; i < points.size(); ++i) {
        if (points[i].latency_cycles > 10 * low_latency) {
            knee = i;
            break;
        }
    }
    REQUIRE(knee < points.size());  // it does saturate within 140% of the bound
    sat.throughput = points[knee].accepted;
    sat.offered = points[knee].offered;
    // Below 80% of the knee's load, everything offered is delivered (within 3%: window edges and randomness).
    for (size_t i = 0; i < knee; ++i) {
        if (points[i].offered < 0.8 * sat.offered) CHECK(points[i].accepted == doctest::Approx(points[i].offered).epsilon(0.03));
    }
    // Beyond: from the knee to 140% of the bound the accepted throughput grows by less than 6%, while the offered
    // load grows by half or more; the latency keeps growing.
    CHECK(points.back().accepted < 1.06 * sat.throughput);
    CHECK(points.back().accepted < 0.8 * points.back().offered);
    CHECK(points.back().latency_cycles > points[knee].latency_cycles);
    return sat;
}

}  // namespace

TEST_CASE("mesh: uniform random traffic on a 4x4 mesh saturates at the bisection bound 4 x bandwidth / k") {
    const uint32_t k = 4;
    const double bound = 4.0 * 64 / k;  // 64 B per tile per cycle (equal to the injection link's 64 B/cycle at k = 4)
    const Saturation sat = sweep_uniform(k, bound, 20000);
    MESSAGE("4x4 uniform random: saturation throughput " << sat.throughput << " B/cycle per tile at offered "
            << sat.offered << " (bisection bound " << bound << ", " << 100 * sat.throughput / bound << "%)");
    CHECK(sat.throughput >= 0.60 * bound);
    CHECK(sat.throughput <= 1.05 * bound);
}

TEST_CASE("mesh: uniform random traffic on an 8x8 mesh saturates at the bisection bound, half the injection bandwidth") {
    // Here the bisection (4 x 64 / 8 = 32 B per tile per cycle) binds well before the injection links (64).
    const uint32_t k = 8;
    const double bound = 4.0 * 64 / k;
    const Saturation sat = sweep_uniform(k, bound, 8000);
    MESSAGE("8x8 uniform random: saturation throughput " << sat.throughput << " B/cycle per tile at offered "
            << sat.offered << " (bisection bound " << bound << ", " << 100 * sat.throughput / bound << "%)");
    CHECK(sat.throughput >= 0.60 * bound);
    CHECK(sat.throughput <= 1.05 * bound);
}

TEST_CASE("mesh: a hot spot (every tile to one tile) saturates at the ejection link's bandwidth") {
    const uint32_t hot = 5;  // router (1, 1) of a 4x4 mesh
    std::vector<uint32_t> sources;
    for (uint32_t t = 0; t < 16; ++t) {
        if (t != hot) sources.push_back(t);
    }
    auto to_hot = [](std::mt19937&, uint32_t) { return hot; };
    const double n = double(sources.size());
    // Total offered 50% of the ejection link: all delivered.
    {
        Mesh mesh(config(4, 4));
        const LoadPoint p = run_load(mesh, sources, 0.5 * 64 / n, 20000, 99, to_hot);
        CHECK(p.accepted * n == doctest::Approx(32).epsilon(0.04));
    }
    // Total offered 150% and 300%: the hot tile receives exactly its ejection bandwidth, 64 B/cycle (a little
    // less for the window's edges), and its ejection link is the one busy all the time.
    for (double factor : {1.5, 3.0}) {
        CAPTURE(factor);
        Mesh mesh(config(4, 4));
        const uint64_t cycles = 20000;
        const LoadPoint p = run_load(mesh, sources, factor * 64 / n, cycles, 99, to_hot);
        CHECK(p.accepted * n > 0.99 * 64);
        CHECK(p.accepted * n <= 64 * 1.001);
        CHECK(link(mesh, "tile5.eject").busy_ps >= cycles * 1000);  // booked beyond the end of the run
        for (const Mesh::LinkStats& stats : mesh.link_stats()) {
            if (stats.name != "tile5.eject") CHECK(stats.bytes < link(mesh, "tile5.eject").bytes);
        }
    }
}

// ---- Bad inputs ---------------------------------------------------------------------------------------------------

TEST_CASE("mesh: unusable configs and bad calls raise npuemu::Error with a clear message") {
    using npuemu::Error;
    MeshConfig c = config(4, 2);
    c.cols = 0;
    CHECK_THROWS_WITH_AS(Mesh{c}, doctest::Contains("cols and rows must be at least 1"), Error);
    c = config(4, 2);
    c.rows = 0;
    CHECK_THROWS_WITH_AS(Mesh{c}, doctest::Contains("rows = 0"), Error);
    c = config(4, 2);
    c.link_bandwidth_bytes_per_cycle = 0;
    CHECK_THROWS_WITH_AS(Mesh{c}, doctest::Contains("link_bandwidth_bytes_per_cycle"), Error);
    c = config(4, 2);
    c.clock_period_ps = 0;
    CHECK_THROWS_WITH_AS(Mesh{c}, doctest::Contains("clock_period_ps"), Error);
    c = config(100000, 100000);
    CHECK_THROWS_WITH_AS(Mesh{c}, doctest::Contains("routers is more than"), Error);

    Mesh mesh(config(4, 2));
    CHECK_THROWS_WITH_AS(mesh.attach_port(Edge::North, 4, "hbm0"),
                         doctest::Contains("position 4 is off the north edge of a 4x2 mesh"), Error);
    CHECK_THROWS_WITH_AS(mesh.attach_port(Edge::East, 2, "hbm0"),
                         doctest::Contains("position 2 is off the east edge of a 4x2 mesh (cols x rows); y must be 0..1"),
                         Error);
    CHECK_THROWS_WITH_AS(mesh.attach_port(Edge::North, 0, ""), doctest::Contains("needs a name"), Error);
    CHECK_THROWS_WITH_AS(mesh.attach_port(Edge::North, 0, "tile3"), doctest::Contains("already taken"), Error);
    const NodeId port = mesh.attach_port(Edge::South, 3, "hbm0");
    CHECK_THROWS_WITH_AS(mesh.attach_port(Edge::North, 0, "hbm0"), doctest::Contains("already taken"), Error);
    CHECK_THROWS_WITH_AS(mesh.tile_node(8), doctest::Contains("no tile 8 in a 4x2 mesh"), Error);
    CHECK_THROWS_WITH_AS(mesh.send(0, 9, 64, 0, TrafficClass::WriteData), doctest::Contains("no node 9"), Error);
    CHECK_THROWS_WITH_AS(mesh.send(9, 0, 64, 0, TrafficClass::WriteData), doctest::Contains("source: no node 9"), Error);
    CHECK_THROWS_WITH_AS(mesh.send(0, 1, 64, 0, TrafficClass::Count), doctest::Contains("invalid traffic class"), Error);
    CHECK_THROWS_AS(mesh.node_name(9), Error);
    CHECK_THROWS_AS(mesh.routers_on_path(0, 9), Error);
    CHECK_THROWS_AS(mesh.class_stats(TrafficClass::Count), Error);

    mesh.send(0, port, 64, 5000, TrafficClass::WriteData);
    CHECK_THROWS_WITH_AS(mesh.attach_port(Edge::North, 0, "late"), doctest::Contains("before the first send()"), Error);
    mesh.retire_before(10000);
    CHECK_THROWS_WITH_AS(mesh.send(0, 1, 64, 9999, TrafficClass::WriteData),
                         doctest::Contains("before 10000 ps already passed to retire_before()"), Error);
    CHECK_NOTHROW(mesh.send(0, 1, 64, 10000, TrafficClass::WriteData));
    mesh.retire_before(5000);  // going back is harmless and does not lower the bar
    CHECK_THROWS_AS(mesh.send(0, 1, 64, 9999, TrafficClass::WriteData), Error);
}

TEST_CASE("mesh: reset() forgets reservations and statistics, and the same traffic gives the same results again") {
    Mesh mesh(config(3, 2));
    const NodeId port = mesh.attach_port(Edge::West, 1, "hbm0");
    auto traffic = [&] {
        std::vector<uint64_t> tails;
        std::mt19937 rng(3);
        for (int i = 0; i < 2000; ++i) {
            tails.push_back(mesh.send(rng() % 7, i % 3 == 0 ? port : rng() % 6, rng() % 512, (rng() % 4000) * 500,
                                      TrafficClass(rng() % 4)));
        }
        return tails;
    };
    const std::vector<uint64_t> first = traffic();
    const uint64_t contention = mesh.class_stats(TrafficClass::WriteData).contention_ps;
    CHECK(contention > 0);  // the traffic does contend, so the reset matters
    mesh.reset();
    CHECK(mesh.calendar_interval_count() == 0);
    CHECK(mesh.link_stats()[0].packets == 0);
    CHECK(mesh.class_stats(TrafficClass::ReadRequest).packets == 0);
    CHECK(traffic() == first);
    CHECK(mesh.class_stats(TrafficClass::WriteData).contention_ps == contention);
}
