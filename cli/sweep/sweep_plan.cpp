#include "cli/sweep/sweep_plan.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "model/common/error.h"
#include "model/config/chip_config.h"

namespace npuemu::sweep {

namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

// splitmix64: a tiny, fully specified generator, so a seed gives the same points on every platform.
struct SplitMix64 {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
};

std::string format_real(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

// The rows a group contributes: each row is a list of settings.
std::vector<Settings> group_rows(const ParameterGroup& group) {
    std::vector<Settings> rows;
    switch (group.kind) {
        case ParameterGroup::Kind::Grid: {
            rows.push_back({});
            for (const auto& axis : group.axes) {
                std::vector<Settings> next;
                for (const auto& row : rows) {
                    for (const auto& value : axis.values) {
                        Settings extended = row;
                        extended.emplace_back(axis.key, value);
                        next.push_back(std::move(extended));
                    }
                }
                rows = std::move(next);
            }
            break;
        }
        case ParameterGroup::Kind::Zip: {
            for (size_t i = 0; i < group.axes.front().values.size(); ++i) {
                Settings row;
                for (const auto& axis : group.axes) row.emplace_back(axis.key, axis.values[i]);
                rows.push_back(std::move(row));
            }
            break;
        }
        case ParameterGroup::Kind::Random: {
            SplitMix64 rng{group.seed};
            for (uint64_t s = 0; s < group.samples; ++s) {
                Settings row;
                for (const auto& axis : group.random_axes) {
                    const uint64_t r = rng.next();
                    switch (axis.kind) {
                        case RandomAxis::Kind::Choice:
                            row.emplace_back(axis.key, axis.choices[r % axis.choices.size()]);
                            break;
                        case RandomAxis::Kind::Integer: {
                            const auto lo = static_cast<int64_t>(axis.min), hi = static_cast<int64_t>(axis.max);
                            const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
                            row.emplace_back(axis.key, std::to_string(lo + static_cast<int64_t>(span ? r % span : r)));
                            break;
                        }
                        case RandomAxis::Kind::Real: {
                            const double unit = static_cast<double>(r >> 11) * 0x1.0p-53;
                            row.emplace_back(axis.key, format_real(axis.min + unit * (axis.max - axis.min)));
                            break;
                        }
                    }
                }
                rows.push_back(std::move(row));
            }
            break;
        }
    }
    return rows;
}

std::optional<double> as_number(const std::string& text) {
    if (text == "true") return 1.0;
    if (text == "false") return 0.0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') return std::nullopt;
    return value;
}

uint64_t fnv1a(const std::string& text) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

}  // namespace

std::vector<std::string> Point::overrides() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : settings) out.push_back(key + "=" + value);
    return out;
}

std::string point_id(const std::string& workload, const std::vector<std::string>& args, const Settings& settings) {
    Settings sorted = settings;
    std::sort(sorted.begin(), sorted.end());
    std::string text = "workload=" + workload + '\0';
    for (const auto& arg : args) text += "arg=" + arg + '\0';
    for (const auto& [key, value] : sorted) text += key + "=" + value + '\0';
    char id[17];
    std::snprintf(id, sizeof id, "%016" PRIx64, fnv1a(text));
    return id;
}

Plan make_plan(const SweepSpec& spec) {
    std::vector<Settings> rows{{}};
    for (const auto& group : spec.groups) {
        const std::vector<Settings> group_values = group_rows(group);
        std::vector<Settings> next;
        for (const auto& row : rows) {
            for (const auto& add : group_values) {
                Settings combined = row;
                combined.insert(combined.end(), add.begin(), add.end());
                next.push_back(std::move(combined));
            }
        }
        rows = std::move(next);
    }
    // Settings in the spec's key order, whatever the group nesting.
    for (auto& row : rows) {
        Settings ordered;
        for (const auto& key : spec.parameter_keys) {
            for (const auto& entry : row) if (entry.first == key) ordered.push_back(entry);
        }
        row = std::move(ordered);
    }

    Plan plan;
    std::map<std::string, size_t> seen;
    for (size_t w = 0; w < spec.workloads.size(); ++w) {
        for (const auto& row : rows) {
            bool keep = true;
            for (const auto& constraint : spec.constraints) {
                const double verdict = constraint.expression.evaluate([&row](const std::string& name) {
                    for (const auto& [key, value] : row) if (key == name) return as_number(value);
                    return std::optional<double>();
                });
                if (verdict == 0) {
                    keep = false;
                    break;
                }
            }
            if (!keep) {
                ++plan.rejected_by_constraints;
                continue;
            }
            Point point;
            point.index = plan.points.size();
            point.workload = w;
            point.settings = row;
            point.id = point_id(spec.workloads[w].name, spec.workloads[w].args, row);
            // Random groups can draw the same point twice: run it once.
            if (!seen.emplace(point.id, point.index).second) continue;
            plan.points.push_back(std::move(point));
        }
    }
    return plan;
}

void validate_plan(const SweepSpec& spec, const Plan& plan) {
    if (plan.points.empty()) {
        throw Error(spec.spec_file + ": the sweep has no points (" + std::to_string(plan.rejected_by_constraints) +
                    " rejected by the constraints)");
    }
    std::map<std::string, std::string> where;
    for (const auto& group : spec.groups) {
        for (const auto& axis : group.axes) where[axis.key] = axis.where;
        for (const auto& axis : group.random_axes) where[axis.key] = axis.where;
    }
    std::map<std::string, bool> checked;  // one load per distinct setting set
    for (const auto& point : plan.points) {
        std::string key;
        for (const auto& o : point.overrides()) key += o + '\n';
        if (checked.count(key)) continue;
        checked[key] = true;
        try {
            config::load_chip_config(spec.base_config, point.overrides());
        } catch (const Error& e) {
            // Name the spec line of the offending key when the message names one.
            const std::string message = e.what();
            for (const auto& [name, location] : where) {
                if (message.find("--set " + name + "=") != std::string::npos) throw Error(location + ": " + message);
            }
            throw Error(spec.spec_file + ": point " + std::to_string(point.index) + ": " + message);
        }
    }
}

std::pair<size_t, size_t> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    auto number = [&text](const std::string& part) -> size_t {
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 9) {
            throw Error("--shard " + text + ": expected I/N with 0 <= I < N, e.g. 0/4");
        }
        return std::stoul(part);
    };
    if (slash == std::string::npos) throw Error("--shard " + text + ": expected I/N with 0 <= I < N, e.g. 0/4");
    const size_t index = number(text.substr(0, slash)), count = number(text.substr(slash + 1));
    if (count == 0 || index >= count) throw Error("--shard " + text + ": expected I/N with 0 <= I < N, e.g. 0/4");
    return {index, count};
}

std::vector<Point> shard_points(const std::vector<Point>& points, size_t index, size_t count) {
    std::vector<Point> out;
    for (const auto& point : points) if (point.index % count == index) out.push_back(point);
    return out;
}

}  // namespace npuemu::sweep
