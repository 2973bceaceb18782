#include "model/common/stats.h"

#include <algorithm>

#include "model/common/error.h"
#include "model/common/hierarchy_names.h"

namespace npuemu {

namespace {

constexpr const char* kGroupAttribute = "npuemu.stats_group";

StatsGroup* group_of(const sc_core::sc_object& object) {
    auto* attribute = dynamic_cast<const sc_core::sc_attribute<StatsGroup*>*>(object.get_attribute(kGroupAttribute));
    return attribute ? attribute->value : nullptr;
}

// A module below this one that already has a group took its name without this level: it would be wrong.
const sc_core::sc_object* descendant_with_group(const sc_core::sc_object& module) {
    for (const sc_core::sc_object* child : module.get_child_objects()) {
        if (group_of(*child)) return child;
        if (const sc_core::sc_object* found = descendant_with_group(*child)) return found;
    }
    return nullptr;
}

}  // namespace

const char* stat_unit_name(StatUnit unit) {
    switch (unit) {
        case StatUnit::Count: return "count";
        case StatUnit::Cycles: return "cycles";
        case StatUnit::Bytes: return "bytes";
        case StatUnit::Picoseconds: return "ps";
        case StatUnit::Nanoseconds: return "ns";
        case StatUnit::Joules: return "J";
        case StatUnit::Watts: return "W";
        case StatUnit::MilliCelsius: return "mC";
        case StatUnit::Ratio: return "ratio";
        case StatUnit::GigabytesPerSecond: return "GB/s";
        case StatUnit::Tops: return "TOPS";
    }
    return "count";
}

StatsGroup::StatsGroup() = default;

StatsGroup::StatsGroup(StatsGroup& parent, std::string name) { attach(&parent, name); }

StatsGroup::StatsGroup(sc_core::sc_object& module) : module_(&module) {
    const sc_core::sc_object* ancestor = module.get_parent_object();
    while (ancestor && !group_of(*ancestor)) ancestor = ancestor->get_parent_object();
    if (const sc_core::sc_object* early = descendant_with_group(module)) {
        throw Error(std::string("internal: the stats group of '") + early->name() +
                    "' was made before the group of its ancestor '" + module.name() + "'");
    }
    if (ancestor) attach(group_of(*ancestor), name_below(*ancestor, module));
    module_attribute_ = std::make_unique<sc_core::sc_attribute<StatsGroup*>>(kGroupAttribute, this);
    if (!module.add_attribute(*module_attribute_)) {
        throw Error(std::string("internal: module '") + module.name() + "' has two stats groups");
    }
}

StatsGroup::~StatsGroup() {
    detach();
    for (StatsGroup* child : children_) child->parent_ = nullptr;
    if (module_ && module_attribute_) const_cast<sc_core::sc_object*>(module_)->remove_attribute(kGroupAttribute);
}

void StatsGroup::attach(StatsGroup* parent, const std::string& name) {
    if (name.empty()) throw Error("internal: a stats group below '" + parent->path_ + "' has an empty name");
    parent_ = parent;
    name_ = name;
    path_ = parent->full_name(name);
    parent->children_.push_back(this);
}

void StatsGroup::detach() {
    if (!parent_) return;
    auto& siblings = parent_->children_;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), this), siblings.end());
    parent_ = nullptr;
}

void StatsGroup::add(const std::string& name, Entry entry) {
    if (name.empty()) throw Error("internal: a statistic of '" + path_ + "' has an empty name");
    if (!entries_.emplace(name, std::move(entry)).second) {
        throw Error("internal: statistic '" + full_name(name) + "' registered twice");
    }
}

void StatsGroup::counter(const std::string& name, const uint64_t& value, StatUnit unit,
                         const std::string& description) {
    add(name, Entry{&value, {}, unit, description});
}

void StatsGroup::derived(const std::string& name, std::function<double()> compute, StatUnit unit,
                         const std::string& description) {
    add(name, Entry{nullptr, std::move(compute), unit, description});
}

void StatsGroup::histogram(const std::string& name, const LatencyHistogram& h, const std::string& description) {
    if (!histograms_.emplace(name, &h).second) {
        throw Error("internal: histogram '" + full_name(name) + "' registered twice");
    }
    const LatencyHistogram* p = &h;
    counter(name + ".count", *h.count_counter(), StatUnit::Count, description + ": samples");
    derived(
        name + ".mean_ns", [p] { return p->mean() / 1000.0; }, StatUnit::Nanoseconds, description + ": mean");
    derived(
        name + ".p50_ns", [p] { return p->quantile(0.50) / 1000.0; }, StatUnit::Nanoseconds, description + ": median");
    derived(
        name + ".p90_ns", [p] { return p->quantile(0.90) / 1000.0; }, StatUnit::Nanoseconds,
        description + ": 90th percentile");
    derived(
        name + ".p99_ns", [p] { return p->quantile(0.99) / 1000.0; }, StatUnit::Nanoseconds,
        description + ": 99th percentile");
    derived(
        name + ".max_ns", [p] { return static_cast<double>(p->max()) / 1000.0; }, StatUnit::Nanoseconds,
        description + ": maximum");
}

void StatsGroup::ratio(const std::string& name, const uint64_t& numerator, const uint64_t& denominator, StatUnit unit,
                       const std::string& description) {
    const uint64_t* n = &numerator;
    const uint64_t* d = &denominator;
    derived(
        name, [n, d] { return *d ? static_cast<double>(*n) / static_cast<double>(*d) : 0.0; }, unit, description);
}

void StatsGroup::fraction_of_elapsed(const std::string& name, const uint64_t& cycles, uint64_t period_ps,
                                     const std::string& description) {
    const uint64_t* c = &cycles;
    derived(
        name,
        [c, period_ps] {
            const double elapsed = static_cast<double>(sc_core::sc_time_stamp().value() / period_ps);
            return elapsed > 0 ? static_cast<double>(*c) / elapsed : 0.0;
        },
        StatUnit::Ratio, description);
}

void StatsGroup::bandwidth(const std::string& name, std::vector<const uint64_t*> bytes,
                           const std::string& description) {
    derived(
        name,
        [bytes] {
            const double ps = static_cast<double>(sc_core::sc_time_stamp().value());
            uint64_t total = 0;
            for (const uint64_t* b : bytes) total += *b;
            return ps > 0 ? static_cast<double>(total) / ps * 1000.0 : 0.0;
        },
        StatUnit::GigabytesPerSecond, description);
}

void StatsGroup::collect(std::map<std::string, const Entry*>& entries,
                         std::map<std::string, const LatencyHistogram*>& histograms) const {
    for (const auto& [name, entry] : entries_) {
        if (!entries.emplace(full_name(name), &entry).second) {
            throw Error("internal: two statistics are named '" + full_name(name) + "'");
        }
    }
    for (const auto& [name, histogram] : histograms_) histograms.emplace(full_name(name), histogram);
    for (const StatsGroup* child : children_) child->collect(entries, histograms);
}

const StatsGroup::Entry* StatsGroup::find(const std::string& name) const {
    size_t rest = 0;
    if (!path_.empty()) {
        if (name.size() <= path_.size() + 1 || name.compare(0, path_.size(), path_) != 0 || name[path_.size()] != '.') {
            return nullptr;
        }
        rest = path_.size() + 1;
    }
    auto it = entries_.find(name.substr(rest));
    if (it != entries_.end()) return &it->second;
    for (const StatsGroup* child : children_) {
        if (const Entry* entry = child->find(name)) return entry;
    }
    return nullptr;
}

double stat_value(const StatsGroup::Entry& entry) {
    return entry.counter ? static_cast<double>(*entry.counter) : entry.derived();
}

std::map<std::string, const StatsGroup::Entry*> StatsRegistry::entries() const {
    std::map<std::string, const StatsGroup::Entry*> entries;
    std::map<std::string, const LatencyHistogram*> histograms;
    root_.collect(entries, histograms);
    return entries;
}

std::map<std::string, const LatencyHistogram*> StatsRegistry::histograms() const {
    std::map<std::string, const StatsGroup::Entry*> entries;
    std::map<std::string, const LatencyHistogram*> histograms;
    root_.collect(entries, histograms);
    return histograms;
}

double StatsRegistry::value(const std::string& name) const {
    const StatsGroup::Entry* entry = root_.find(name);
    if (!entry) throw Error("no statistic named '" + name + "'");
    return stat_value(*entry);
}

bool StatsRegistry::contains(const std::string& name) const { return root_.find(name) != nullptr; }

}  // namespace npuemu
