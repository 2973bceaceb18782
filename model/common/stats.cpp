#include "model/common/stats.h"

#include "model/common/error.h"

namespace npuemu {

void StatsRegistry::check_new_name(const std::string& name) const {
    if (name.empty()) throw Error("internal: a statistic was registered with an empty name");
    if (entries_.count(name)) throw Error("internal: statistic '" + name + "' registered twice");
}

void StatsRegistry::add_counter(const std::string& name, const uint64_t* value, const std::string& description) {
    check_new_name(name);
    entries_[name] = Entry{value, {}, description};
}

void StatsRegistry::add_derived(const std::string& name, std::function<double()> compute,
                                const std::string& description) {
    check_new_name(name);
    entries_[name] = Entry{nullptr, std::move(compute), description};
}

void StatsRegistry::add_latency_histogram(const std::string& name, const LatencyHistogram* h,
                                          const std::string& description) {
    if (histograms_.count(name)) throw Error("internal: histogram '" + name + "' registered twice");
    histograms_[name] = h;
    add_counter(name + ".count", h->count_counter(), description + ": samples");
    add_derived(name + ".mean_ns", [h] { return h->mean() / 1000.0; }, description + ": mean, ns");
    add_derived(name + ".p50_ns", [h] { return h->quantile(0.50) / 1000.0; }, description + ": median, ns");
    add_derived(name + ".p90_ns", [h] { return h->quantile(0.90) / 1000.0; }, description + ": 90th percentile, ns");
    add_derived(name + ".p99_ns", [h] { return h->quantile(0.99) / 1000.0; }, description + ": 99th percentile, ns");
    add_derived(name + ".max_ns", [h] { return static_cast<double>(h->max()) / 1000.0; }, description + ": maximum, ns");
}

double StatsRegistry::value(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw Error("no statistic named '" + name + "'");
    const Entry& entry = it->second;
    return entry.counter ? static_cast<double>(*entry.counter) : entry.derived();
}

}  // namespace npuemu
