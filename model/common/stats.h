// One registry of named counters for the whole chip ("tile3.core.instret"). Blocks keep their counters as plain
// integers (fast to increment) and register a pointer to them once; the registry reads them when writing stats.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "model/common/latency_histogram.h"

namespace npuemu {

class StatsRegistry {
public:
    // Registers a counter owned by a block; the block must outlive the registry's last read.
    void add_counter(const std::string& name, const uint64_t* value, const std::string& description);
    // Registers a value computed on demand (a derived figure such as a utilization or a time).
    void add_derived(const std::string& name, std::function<double()> compute, const std::string& description);

    struct Entry {
        const uint64_t* counter = nullptr;
        std::function<double()> derived;
        std::string description;
    };
    // Registers a latency histogram recorded in picoseconds: summary figures (count, mean, p50, p90, p99, max, in
    // ns) join the counters as name.count, name.mean_ns, ...; the buckets are kept for the stats file.
    void add_latency_histogram(const std::string& name, const LatencyHistogram* histogram,
                               const std::string& description);
    const std::map<std::string, const LatencyHistogram*>& histograms() const { return histograms_; }

    // Ordered by name, so every dump is in the same order.
    const std::map<std::string, Entry>& entries() const { return entries_; }

    // Value of one entry (counter or derived) as a double; throws npuemu::Error for an unknown name.
    double value(const std::string& name) const;
    bool contains(const std::string& name) const { return entries_.count(name) != 0; }

private:
    void check_new_name(const std::string& name) const;
    std::map<std::string, Entry> entries_;
    std::map<std::string, const LatencyHistogram*> histograms_;
};

}  // namespace npuemu
