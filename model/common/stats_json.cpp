#include "model/common/stats_json.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu {

namespace {

// The members of a JSON object built from the registry's entries, whose names are unique already: appended to the
// ordered object's vector, not through operator[], which searches the members linearly (quadratic in the ~1,000s
// of counters of a chip, most of the cost of writing a small run's stats).
nlohmann::ordered_json::object_t& members_for(nlohmann::ordered_json& object, size_t count) {
    auto& members = object.get_ref<nlohmann::ordered_json::object_t&>();
    members.reserve(count);
    return members;
}

}  // namespace

nlohmann::ordered_json stats_to_json(const StatsRegistry& stats) {
    nlohmann::ordered_json counters = nlohmann::ordered_json::object();
    const auto entries = stats.entries();
    auto& members = members_for(counters, entries.size());
    for (const auto& [name, entry] : entries) {
        if (entry->counter) {
            members.emplace_back(name, *entry->counter);
        } else {
            const double value = entry->derived();
            members.emplace_back(name, std::isfinite(value) ? value : 0.0);
        }
    }
    return counters;
}

nlohmann::ordered_json units_to_json(const StatsRegistry& stats) {
    nlohmann::ordered_json units = nlohmann::ordered_json::object();
    const auto entries = stats.entries();
    auto& members = members_for(units, entries.size());
    for (const auto& [name, entry] : entries) {
        members.emplace_back(
            name, nlohmann::ordered_json{{"unit", stat_unit_name(entry->unit)}, {"description", entry->description}});
    }
    return units;
}

nlohmann::ordered_json histograms_to_json(const StatsRegistry& stats) {
    nlohmann::ordered_json all = nlohmann::ordered_json::object();
    for (const auto& [name, histogram] : stats.histograms()) {
        nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
        for (unsigned i = 0; i < LatencyHistogram::kBuckets; ++i) {
            const uint64_t count = histogram->bucket_count(i);
            if (count == 0) continue;
            // Recorded in ps, written in ns.
            buckets.push_back(
                {LatencyHistogram::bucket_low(i) / 1000.0, LatencyHistogram::bucket_high(i) / 1000.0, count});
        }
        all[name] = {{"unit", "ns"}, {"buckets", buckets}};
    }
    return all;
}

void write_json_file(const std::string& path, const nlohmann::ordered_json& document) {
    write_output_file(path, document.dump(2) + "\n");
}

}  // namespace npuemu
