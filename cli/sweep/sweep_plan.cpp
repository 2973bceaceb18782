#include "cli/sweep/sweep_plan.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "cli/sweep/input_hashes.h"
#include "cli/sweep/workload_kind.h"
#include "model/common/error.h"
#include "model/config/config_node.h"

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

std::string describe_settings(const Settings& row) {
    std::string text;
    for (const auto& [key, value] : row) text += " " + key + "=" + value;
    return text;
}

}  // namespace

std::vector<std::string> Point::overrides() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : settings) out.push_back(key + "=" + value);
    return out;
}

std::string point_id(const std::string& workload, const std::vector<std::string>& args, const Settings& settings,
                     const std::string& inputs) {
    Settings sorted = settings;
    std::sort(sorted.begin(), sorted.end());
    std::string text = "workload=" + workload + '\0';
    for (const auto& arg : args) text += "arg=" + arg + '\0';
    for (const auto& [key, value] : sorted) text += key + "=" + value + '\0';
    if (!inputs.empty()) text += "inputs=" + inputs;
    char id[17];
    std::snprintf(id, sizeof id, "%016" PRIx64, fnv1a(text));
    return id;
}

// How many points the groups and workloads make, before constraints; refused above spec.max_points, before a
// single row is built (a 10^6-point grid would take gigabytes).
void check_point_count(const SweepSpec& spec) {
    const uint64_t cap = UINT64_MAX / 2;
    const auto times = [](uint64_t a, uint64_t b) { return b != 0 && a > cap / b ? cap : a * b; };
    uint64_t total = spec.workloads.size();
    std::string product = std::to_string(spec.workloads.size()) + " workload(s)";
    for (size_t g = 0; g < spec.groups.size(); ++g) {
        const ParameterGroup& group = spec.groups[g];
        uint64_t rows = 1;
        switch (group.kind) {
            case ParameterGroup::Kind::Grid:
                for (const auto& axis : group.axes) rows = times(rows, axis.values.size());
                break;
            case ParameterGroup::Kind::Zip: rows = group.axes.front().values.size(); break;
            case ParameterGroup::Kind::Random: rows = group.samples; break;
        }
        product += " x " + std::to_string(rows);
        total = times(total, rows);
    }
    if (total > spec.max_points) {
        const std::string count = total == cap ? "more than 10^18" : std::to_string(total);
        throw Error(spec.spec_file + ": the sweep makes " + count + " points (" + product +
                    "), more than the limit of " + std::to_string(spec.max_points) +
                    ": narrow the parameters, or raise the limit with sweep: {max_points: N} in the spec");
    }
}

Plan make_plan(const SweepSpec& spec) {
    check_point_count(spec);
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
            for (const auto& entry : row)
                if (entry.first == key) ordered.push_back(entry);
        }
        row = std::move(ordered);
    }

    Plan plan;
    std::map<std::string, size_t> seen;
    for (size_t w = 0; w < spec.workloads.size(); ++w) {
        for (const auto& row : rows) {
            bool keep = true;
            for (const auto& constraint : spec.constraints) {
                double verdict = 0;
                try {
                    verdict = constraint.expression.evaluate([&row](const std::string& name) {
                        for (const auto& [key, value] : row)
                            if (key == name) return as_number(value);
                        return std::optional<double>();
                    });
                } catch (const Error& e) {
                    throw Error(constraint.where + ": " + e.what() + " (at settings" + describe_settings(row) + ")");
                }
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
            point.id = point_id(spec.workloads[w].name, spec.workloads[w].args_as_written, row);
            // Random groups can draw the same point twice: run it once.
            if (!seen.emplace(point.id, point.index).second) continue;
            plan.points.push_back(std::move(point));
        }
    }
    return plan;
}

void validate_plan(const SweepSpec& spec, Plan& plan, config::YamlFileCache* parsed_files) {
    if (plan.points.empty()) {
        throw Error(spec.spec_file + ": the sweep has no points (" + std::to_string(plan.rejected_by_constraints) +
                    " rejected by the constraints)");
    }
    const WorkloadKind& kind = workload_kind(spec.kind);
    std::map<std::string, std::string> where;
    for (const auto& group : spec.groups) {
        for (const auto& axis : group.axes) where[axis.key] = axis.where;
        for (const auto& axis : group.random_axes) where[axis.key] = axis.where;
    }
    InputHashes hashes;
    std::vector<std::string> inputs;
    for (const auto& workload : spec.workloads) inputs.push_back(kind.workload_inputs(spec, workload, hashes));
    // Each settings base is read and parsed once; each distinct setting set is applied to a copy of it.
    config::YamlFileCache own_files;
    config::YamlFileCache& files = parsed_files ? *parsed_files : own_files;
    std::map<std::string, std::string> settings_inputs;  // by base and setting set: the content of every file read
    for (auto& point : plan.points) {
        const Workload& workload = spec.workloads[point.workload];
        std::string key = kind.settings_base(spec, workload) + '\n';
        for (const auto& o : point.overrides()) key += o + '\n';
        auto it = settings_inputs.find(key);
        if (it == settings_inputs.end()) {
            try {
                it =
                    settings_inputs.emplace(key, kind.settings_inputs(spec, workload, point.overrides(), hashes, files))
                        .first;
            } catch (const Error& e) {
                // Name the spec line of the offending key when the message names one.
                const std::string message = e.what();
                for (const auto& [name, location] : where) {
                    if (message.find("--set " + name + "=") != std::string::npos) {
                        throw Error(location + ": " + message);
                    }
                }
                throw Error(spec.spec_file + ": point " + std::to_string(point.index) + " (" + workload.name +
                            describe_settings(point.settings) + "): " + message);
            }
        }
        // The id covers what the point's result depends on: a rebuilt image or an edited config makes new points,
        // so a resume never returns the numbers of the old inputs.
        point.id =
            point_id(workload.name, workload.args_as_written, point.settings, inputs[point.workload] + it->second);
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
    for (const auto& point : points)
        if (point.index % count == index) out.push_back(point);
    return out;
}

}  // namespace npuemu::sweep
