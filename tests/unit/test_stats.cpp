// Statistics owned by blocks: names from the module hierarchy, groups named by their owners, units, helpers.
#include <doctest/doctest.h>

#include <systemc>

#include <memory>
#include <string>

#include "model/common/error.h"
#include "model/common/stats.h"
#include "model/common/stats_json.h"

using namespace npuemu;

namespace {

// A module that counts something, as every block does: its group is a member, registered in the constructor.
struct Counting : sc_core::sc_module {
    explicit Counting(sc_core::sc_module_name name) : sc_module(name) {
        stats.counter("events", events, StatUnit::Count, "events seen");
    }
    StatsGroup stats{*this};
    uint64_t events = 0;
};

// A module with a group of its own and two children made after it.
struct Parent : sc_core::sc_module {
    explicit Parent(sc_core::sc_module_name name) : sc_module(name) {}
    StatsGroup stats{*this};
    Counting left{"left"};
    Counting right{"right"};
};

// A module without a group: its children's names carry its level.
struct Plain : sc_core::sc_module {
    explicit Plain(sc_core::sc_module_name name) : sc_module(name) {}
    Counting inner{"inner"};
};

struct Top : sc_core::sc_module {
    explicit Top(sc_core::sc_module_name name) : sc_module(name) {}
    StatsGroup stats{*this};
    Parent parent{"parent"};
    Plain plain{"plain"};
};

// A child module made before its parent's group: the parent's group must refuse to be placed above it.
struct ParentTooLate : sc_core::sc_module {
    explicit ParentTooLate(sc_core::sc_module_name name)
        : sc_module(name), stats(std::make_unique<StatsGroup>(*this)) {}
    Counting child{"child"};
    std::unique_ptr<StatsGroup> stats;
};

}  // namespace

TEST_CASE("stats: a module's statistics are named by its place below the top module") {
    Top top("stats_top");
    top.parent.left.events = 3;
    top.parent.right.events = 5;
    top.plain.inner.events = 7;
    StatsRegistry registry(top.stats);
    const auto entries = registry.entries();
    REQUIRE(entries.size() == 3);
    CHECK(registry.value("parent.left.events") == 3);
    CHECK(registry.value("parent.right.events") == 5);
    CHECK(registry.value("plain.inner.events") == 7);  // a level without a group is still in the name
    CHECK(top.parent.left.stats.path() == "parent.left");
    CHECK(top.stats.path().empty());
    CHECK_THROWS_AS(registry.value("left.events"), Error);
    // value() and contains() look a name up through the groups on its path: the same answers as the collected list.
    for (const auto& [name, entry] : entries) {
        CHECK(registry.contains(name));
        CHECK(registry.value(name) == stat_value(*entry));
    }
    CHECK_FALSE(registry.contains("parent.left"));        // a group, not a statistic
    CHECK_FALSE(registry.contains("parent.left.event"));  // a prefix of a name
    CHECK_FALSE(registry.contains("parent.leftx.events"));
    CHECK_FALSE(registry.contains(""));
}

TEST_CASE("stats: a group made before its ancestor's group is an internal error, not a wrong name") {
    CHECK_THROWS_WITH_AS(ParentTooLate("stats_late"), doctest::Contains("was made before the group of its ancestor"),
                         Error);
}

TEST_CASE("stats: parts that are not modules are named by their owner; duplicates are refused") {
    StatsGroup root;
    StatsGroup hbm(root, "hbm");
    StatsGroup channel(hbm, "s0.ch1.pc0");
    uint64_t bytes = 64, hits = 3, columns = 4;
    channel.counter("read_bytes", bytes, StatUnit::Bytes, "bytes read");
    channel.ratio("row_hit_rate", hits, columns, StatUnit::Ratio, "row hits / column commands");
    StatsRegistry registry(root);
    CHECK(registry.value("hbm.s0.ch1.pc0.read_bytes") == 64);
    CHECK(registry.value("hbm.s0.ch1.pc0.row_hit_rate") == doctest::Approx(0.75));
    columns = 0;
    CHECK(registry.value("hbm.s0.ch1.pc0.row_hit_rate") == 0);  // no division by zero
    CHECK_THROWS_WITH_AS(channel.counter("read_bytes", bytes, StatUnit::Bytes, "again"),
                         doctest::Contains("'hbm.s0.ch1.pc0.read_bytes' registered twice"), Error);
}

TEST_CASE("stats: a group destroyed before its parent leaves the tree; one outliving it keeps its name") {
    auto root = std::make_unique<StatsGroup>();
    uint64_t value = 1;
    {
        StatsGroup gone(*root, "gone");
        gone.counter("x", value, StatUnit::Count, "x");
        CHECK(StatsRegistry(*root).contains("gone.x"));
    }
    CHECK_FALSE(StatsRegistry(*root).contains("gone.x"));
    StatsGroup survivor(*root, "survivor");
    survivor.counter("y", value, StatUnit::Count, "y");
    root.reset();
    CHECK(StatsRegistry(survivor).contains("survivor.y"));  // names are fixed when the group is made
}

TEST_CASE("stats: histograms add their summary figures; the stats file carries units and descriptions") {
    StatsGroup root;
    StatsGroup memory(root, "memory");
    LatencyHistogram latency;
    for (uint64_t ps : {1000u, 2000u, 3000u, 4000u}) latency.record(ps);
    memory.histogram("read_latency", latency, "read to data");
    StatsRegistry registry(root);
    CHECK(registry.value("memory.read_latency.count") == 4);
    CHECK(registry.value("memory.read_latency.mean_ns") == doctest::Approx(2.5));
    CHECK(registry.value("memory.read_latency.max_ns") == doctest::Approx(4.0));
    CHECK(registry.histograms().count("memory.read_latency") == 1);
    const auto units = units_to_json(registry);
    CHECK(units["memory.read_latency.count"]["unit"] == "count");
    CHECK(units["memory.read_latency.mean_ns"]["unit"] == "ns");
    CHECK(units["memory.read_latency.mean_ns"]["description"] == "read to data: mean");
    CHECK(stats_to_json(registry)["memory.read_latency.count"] == 4);
}
