// Statistics owned by the blocks that count them. Each block keeps its counters as plain integers (fast to
// increment) and registers them once, in its constructor, in its own StatsGroup, with a unit and a description.
// Groups form a tree; a statistic's full name is its group's path plus its own name ("tile3.npu.dma.bytes").
//
// A SystemC module's group takes its place in the tree from the module hierarchy (the one naming rule, shared with
// traces and GDB: see model/common/hierarchy_names.h): its parent is the group of its nearest ancestor module that
// has one, and its name is the module's path below that ancestor. A part that is not a module (an HBM channel's
// controller, a mesh, a tile's power state) gets a group named by its owner, as a child of the owner's group.
// Model followed: gem5's statistics::Group, where each object owns its group and the parent only names it.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/common/latency_histogram.h"

namespace npuemu {

enum class StatUnit {
    Count,   // events, items, instructions, packets
    Cycles,  // clock cycles of the owning block's clock
    Bytes,
    Picoseconds,
    Nanoseconds,
    Joules,
    Watts,
    MilliCelsius,
    Ratio,  // a fraction, 0..1 unless said otherwise
    GigabytesPerSecond,
    Tops,  // tera-operations per second (2 per MAC)
};
const char* stat_unit_name(StatUnit unit);

class StatsGroup {
public:
    // A root group (a chip, a system, or a block used on its own in a test).
    StatsGroup();
    // A group named by its owner, below the owner's group. name may hold dots ("s0.ch1.pc0").
    StatsGroup(StatsGroup& parent, std::string name);
    // The group of a SystemC module: placed by the module hierarchy (see above).
    explicit StatsGroup(sc_core::sc_object& module);
    ~StatsGroup();
    StatsGroup(const StatsGroup&) = delete;
    StatsGroup& operator=(const StatsGroup&) = delete;

    void counter(const std::string& name, const uint64_t& value, StatUnit unit, const std::string& description);
    void derived(const std::string& name, std::function<double()> compute, StatUnit unit,
                 const std::string& description);
    // A latency histogram recorded in picoseconds: its summary figures (name.count, name.mean_ns, name.p50_ns,
    // .p90_ns, .p99_ns, .max_ns) join the statistics, and its buckets go to the stats file.
    void histogram(const std::string& name, const LatencyHistogram& histogram, const std::string& description);

    // Helpers for the figures every block derives the same way.
    // numerator / denominator (0 when the denominator is 0).
    void ratio(const std::string& name, const uint64_t& numerator, const uint64_t& denominator, StatUnit unit,
               const std::string& description);
    // cycles / cycles elapsed in the simulation so far, at the given clock period (a unit's utilization).
    void fraction_of_elapsed(const std::string& name, const uint64_t& cycles, uint64_t period_ps,
                             const std::string& description);
    // Sum of byte counters per elapsed simulated second, in GB/s.
    void bandwidth(const std::string& name, std::vector<const uint64_t*> bytes, const std::string& description);

    // "tile3.npu.dma" (empty for a root).
    const std::string& path() const { return path_; }

    struct Entry {
        const uint64_t* counter = nullptr;  // or
        std::function<double()> derived;
        StatUnit unit = StatUnit::Count;
        std::string description;
    };
    // The statistic of this group or a group below it with this full name; nullptr if there is none. Follows only
    // the groups whose path leads to the name (no collection of the whole tree).
    const Entry* find(const std::string& full_name) const;
    // Every statistic of this group and the groups below it, by full name; histograms likewise.
    void collect(std::map<std::string, const Entry*>& entries,
                 std::map<std::string, const LatencyHistogram*>& histograms) const;

private:
    void attach(StatsGroup* parent, const std::string& name);
    void detach();
    std::string full_name(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }
    void add(const std::string& name, Entry entry);

    StatsGroup* parent_ = nullptr;
    std::string name_;  // below the parent
    std::string path_;
    const sc_core::sc_object* module_ = nullptr;
    std::unique_ptr<sc_core::sc_attribute<StatsGroup*>> module_attribute_;  // how descendants find this group
    std::vector<StatsGroup*> children_;
    std::map<std::string, Entry> entries_;
    std::map<std::string, const LatencyHistogram*> histograms_;
};

// The statistics of a run, read from a root group: what the stats file, the summary and GDB's `monitor stats` show.
class StatsRegistry {
public:
    explicit StatsRegistry(const StatsGroup& root) : root_(root) {}

    // Ordered by name, so every dump is in the same order. Collected on each call (groups may be added until the
    // run starts).
    std::map<std::string, const StatsGroup::Entry*> entries() const;
    std::map<std::string, const LatencyHistogram*> histograms() const;
    // Value of one statistic as a double; throws npuemu::Error for an unknown name.
    double value(const std::string& name) const;
    bool contains(const std::string& name) const;

private:
    const StatsGroup& root_;
};

// An entry's value, as a double.
double stat_value(const StatsGroup::Entry& entry);

}  // namespace npuemu
