#include "model/common/stats_json.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu {

nlohmann::ordered_json stats_to_json(const StatsRegistry& stats) {
    nlohmann::ordered_json counters = nlohmann::ordered_json::object();
    for (const auto& [name, entry] : stats.entries()) {
        if (entry->counter) {
            counters[name] = *entry->counter;
        } else {
            const double value = entry->derived();
            counters[name] = std::isfinite(value) ? value : 0.0;
        }
    }
    return counters;
}

nlohmann::ordered_json units_to_json(const StatsRegistry& stats) {
    nlohmann::ordered_json units = nlohmann::ordered_json::object();
    for (const auto& [name, entry] : stats.entries()) {
        units[name] = {{"unit", stat_unit_name(entry->unit)}, {"description", entry->description}};
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
            buckets.push_back({LatencyHistogram::bucket_low(i) / 1000.0, LatencyHistogram::bucket_high(i) / 1000.0,
                               count});
        }
        all[name] = {{"unit", "ns"}, {"buckets", buckets}};
    }
    return all;
}

void write_json_file(const std::string& path, const nlohmann::ordered_json& document) {
    write_output_file(path, document.dump(2) + "\n");
}

}  // namespace npuemu
