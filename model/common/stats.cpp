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

double StatsRegistry::value(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw Error("no statistic named '" + name + "'");
    const Entry& entry = it->second;
    return entry.counter ? static_cast<double>(*entry.counter) : entry.derived();
}

}  // namespace npuemu
