#include "cli/sweep/sweep_spec.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/cluster/step_report.h"
#include "model/common/error.h"
#include "model/common/output_file.h"
#include "model/config/config_lookup.h"
#include "model/config/config_node.h"

namespace npuemu::sweep {

namespace {

namespace fs = std::filesystem;

// Reports errors as "file:line:col: key.path: message", like the chip config reader.
class SpecReader {
public:
    explicit SpecReader(std::string file) : file_(std::move(file)) {}

    std::string where(const YAML::Node& node, const std::string& path) const {
        std::ostringstream text;
        text << file_;
        if (node && node.Mark().line >= 0) text << ":" << node.Mark().line + 1 << ":" << node.Mark().column + 1;
        text << ": " << (path.empty() ? "(top level)" : path);
        return text.str();
    }
    [[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& message) const {
        throw Error(where(node, path) + ": " + message);
    }
    // Unknown keys are errors, so a typo never passes silently.
    void check_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& known) const {
        for (const auto& entry : map) {
            const std::string key = entry.first.Scalar();
            if (!known.count(key)) {
                std::string list;
                for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                fail(entry.first, join(path, key), "unknown key (known keys here: " + list + ")");
            }
        }
    }
    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }
    YAML::Node map(const YAML::Node& parent, const std::string& key, const std::string& path, bool required) const {
        const YAML::Node& p = parent;
        YAML::Node node = p[key];
        if (!node || node.IsNull()) {
            if (required) fail(parent, join(path, key), "missing (required)");
            return YAML::Node();
        }
        if (!node.IsMap()) fail(node, join(path, key), "expected a map of keys");
        return node;
    }
    std::string scalar(const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) fail(node, path, "expected a single value");
        return node.Scalar();
    }
    uint64_t uint(const YAML::Node& node, const std::string& path, uint64_t min, uint64_t max) const {
        const std::string text = scalar(node, path);
        char* end = nullptr;
        errno = 0;
        const unsigned long long value = std::strtoull(text.c_str(), &end, 0);
        // Decimal, or hex with 0x: a leading zero (octal to strtoull) is refused.
        const bool leading_zero =
            text.size() > 1 && text[0] == '0' && std::isdigit(static_cast<unsigned char>(text[1]));
        if (text.empty() || text[0] == '-' || *end != '\0' || errno || leading_zero || value < min || value > max) {
            fail(node, path, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                                 ", got '" + text + "'");
        }
        return value;
    }
    double number(const YAML::Node& node, const std::string& path) const {
        const std::string text = scalar(node, path);
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0') fail(node, path, "expected a number, got '" + text + "'");
        return value;
    }
    std::vector<std::string> scalar_list(const YAML::Node& node, const std::string& path) const {
        if (!node.IsSequence()) fail(node, path, "expected a list of values, e.g. [8, 16, 32]");
        if (node.size() == 0) fail(node, path, "the list is empty: a parameter needs at least one value");
        std::vector<std::string> values;
        for (size_t i = 0; i < node.size(); ++i) values.push_back(scalar(node[i], path + "[" + std::to_string(i) + "]"));
        return values;
    }

private:
    std::string file_;
};

std::string read_file(const std::string& file) {
    if (!std::ifstream(file)) throw Error(file + ": cannot open the sweep description");
    const std::vector<uint8_t> bytes = read_input_file(file, config::kMaxYamlFileBytes, file, "the sweep description");
    return std::string(bytes.begin(), bytes.end());
}

std::string resolve_relative(const std::string& path, const std::string& spec_dir) {
    if (path.empty() || fs::path(path).is_absolute()) return path;
    return (fs::path(spec_dir) / path).lexically_normal().string();
}

// The options the sweep sets on a point's command line itself, by kind: a workload's args may not give them.
const std::vector<std::string>& owned_options(WorkloadKindId kind) {
    static const std::vector<std::string> chip = {"-c", "--config", "-s", "--set", "--stats", "-q", "--quiet"};
    static const std::vector<std::string> cluster = {"-s", "--set", "-o", "--out", "-q", "--quiet", "--report"};
    return kind == WorkloadKindId::Chip ? chip : cluster;
}

// A workload's file: image: (firmware on the base chip config) or cluster: (a cluster file's step); sets its kind.
void read_workload_file(const SpecReader& r, const YAML::Node& item, const std::string& path, Workload& workload,
                        WorkloadKindId& kind, const std::string& spec_dir, const std::string& firmware_dir) {
    if (item["image"] && item["cluster"]) {
        r.fail(item, path, "a workload is firmware (image:) or a cluster file (cluster:), not both");
    }
    if (item["cluster"]) {
        kind = WorkloadKindId::Cluster;
        const std::string file = r.scalar(item["cluster"], path + ".cluster");
        workload.cluster = resolve_relative(file, spec_dir);
        workload.name = fs::path(file).stem().string();
        std::error_code unusable;  // e.g. a name too long for the file system: said, not thrown past the reader
        if (!fs::is_regular_file(workload.cluster, unusable)) {
            r.fail(item["cluster"], path + ".cluster",
                   "no such cluster file: " + workload.cluster + (unusable ? " (" + unusable.message() + ")" : ""));
        }
        return;
    }
    kind = WorkloadKindId::Chip;
    if (!item["image"]) {
        r.fail(item, path + ".image", "missing (required): the firmware image (ELF), or cluster: a cluster file");
    }
    std::string image = r.scalar(item["image"], path + ".image");
    const auto brace = image.find("{firmware}");
    if (brace != std::string::npos) image.replace(brace, 10, firmware_dir);
    workload.image = resolve_relative(image, spec_dir);
    workload.name = fs::path(image).stem().string();
    std::error_code unusable;  // e.g. a name too long for the file system: said, not thrown past the reader
    if (!fs::is_regular_file(workload.image, unusable)) {
        r.fail(item["image"], path + ".image",
               "no such firmware image: " + workload.image +
                   (unusable                       ? " (" + unusable.message() + ")"
                    : brace != std::string::npos ? " (is the firmware built?)"
                                                 : ""));
    }
}

void read_workload_args(const SpecReader& r, const YAML::Node& args, const std::string& path, Workload& workload,
                        WorkloadKindId kind, const std::string& spec_dir) {
    const char* command = kind == WorkloadKindId::Chip ? "`npuemu run`" : "`npuemu cluster`";
    if (!args.IsSequence()) r.fail(args, path, std::string("expected a list of ") + command + " options");
    for (size_t j = 0; j < args.size(); ++j) {
        std::string arg = r.scalar(args[j], path + "[" + std::to_string(j) + "]");
        workload.args_as_written.push_back(arg);
        // {sweep_dir}: this file's directory, for inputs kept beside it (--load job.bin@ADDR).
        // Search on after each replacement: the directory's own name may contain "{sweep_dir}".
        const std::string dir = spec_dir.empty() ? "." : spec_dir;
        for (auto at = arg.find("{sweep_dir}"); at != std::string::npos;
             at = arg.find("{sweep_dir}", at + dir.size())) {
            arg.replace(at, 11, dir);
        }
        for (const std::string& owned : owned_options(kind)) {
            if (arg == owned || arg.rfind(owned + "=", 0) == 0) {
                r.fail(args[j], path + "[" + std::to_string(j) + "]",
                       "'" + arg + "' is set by the sweep itself (use parameters: instead)");
            }
        }
        workload.args.push_back(arg);
    }
}

void read_workloads(const SpecReader& r, const YAML::Node& root, SweepSpec& spec, const std::string& spec_dir,
                    const std::string& firmware_dir) {
    const YAML::Node& top = root;
    const YAML::Node list = top["workloads"];
    if (!list) r.fail(root, "workloads", "missing (required): a list of {name, image, args} or {name, cluster, args}");
    if (!list.IsSequence() || list.size() == 0) r.fail(list, "workloads", "expected a non-empty list of workloads");
    std::set<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "workloads[" + std::to_string(i) + "]";
        const YAML::Node item = list[i];
        if (!item.IsMap()) r.fail(item, path, "expected a map with name, image (or cluster) and optional args");
        r.check_keys(item, path, {"name", "image", "cluster", "args"});
        Workload workload;
        WorkloadKindId kind = WorkloadKindId::Chip;
        read_workload_file(r, item, path, workload, kind, spec_dir, firmware_dir);
        // The settings of a chip sweep are chip keys, a cluster sweep's cluster keys: one sweep, one kind.
        if (i > 0 && kind != spec.kind) {
            r.fail(item, path, "every workload of a sweep is firmware (image:) or every one a cluster (cluster:)");
        }
        spec.kind = kind;
        if (item["name"]) workload.name = r.scalar(item["name"], path + ".name");
        if (workload.name.empty() || workload.name.find_first_of(",\"\n") != std::string::npos) {
            r.fail(item, path + ".name", "a workload name must be non-empty, without commas or quotes");
        }
        if (!names.insert(workload.name).second) r.fail(item, path + ".name", "two workloads named '" + workload.name + "'");
        if (item["args"]) read_workload_args(r, item["args"], path + ".args", workload, kind, spec_dir);
        spec.workloads.push_back(std::move(workload));
    }
}

void add_key(const SpecReader& r, SweepSpec& spec, const YAML::Node& key_node, const std::string& path,
             const std::string& key) {
    for (const auto& known : spec.parameter_keys) {
        if (known == key) r.fail(key_node, path, "'" + key + "' is swept twice (each key may appear in one group)");
    }
    spec.parameter_keys.push_back(key);
}

ParameterGroup read_group(const SpecReader& r, const YAML::Node& item, const std::string& path, SweepSpec& spec) {
    if (!item.IsMap() || item.size() != 1) {
        r.fail(item, path, "expected one of {grid: {...}}, {zip: {...}}, {random: {samples, seed, values}}");
    }
    const std::string kind = item.begin()->first.Scalar();
    const YAML::Node body = item.begin()->second;
    const std::string body_path = path + "." + kind;
    ParameterGroup group;
    if (kind == "grid" || kind == "zip") {
        group.kind = kind == "grid" ? ParameterGroup::Kind::Grid : ParameterGroup::Kind::Zip;
        if (!body.IsMap() || body.size() == 0) {
            r.fail(body, body_path, "expected a non-empty map KEY.PATH: [values...]");
        }
        for (const auto& entry : body) {
            const std::string key = entry.first.Scalar();
            const std::string key_path = body_path + "." + key;
            add_key(r, spec, entry.first, key_path, key);
            Axis axis{key, r.scalar_list(entry.second, key_path), r.where(entry.first, key_path)};
            if (group.kind == ParameterGroup::Kind::Zip && !group.axes.empty() &&
                axis.values.size() != group.axes.front().values.size()) {
                r.fail(entry.second, key_path,
                       "a zip walks its lists in lockstep: this one has " + std::to_string(axis.values.size()) +
                           " values, '" + group.axes.front().key + "' has " +
                           std::to_string(group.axes.front().values.size()));
            }
            group.axes.push_back(std::move(axis));
        }
    } else if (kind == "random") {
        group.kind = ParameterGroup::Kind::Random;
        if (!body.IsMap()) r.fail(body, body_path, "expected a map with samples, seed and values");
        r.check_keys(body, body_path, {"samples", "seed", "values"});
        if (!body["samples"]) r.fail(body, body_path + ".samples", "missing (required): how many points to draw");
        group.samples = r.uint(body["samples"], body_path + ".samples", 1, 1'000'000);
        group.seed = body["seed"] ? r.uint(body["seed"], body_path + ".seed", 0, UINT64_MAX) : 1;
        const YAML::Node values = body["values"];
        if (!values || !values.IsMap() || values.size() == 0) {
            r.fail(values ? values : body, body_path + ".values",
                   "expected a non-empty map KEY.PATH: {min, max} | {min, max, real: true} | {choices: [...]}");
        }
        for (const auto& entry : values) {
            const std::string key = entry.first.Scalar();
            const std::string key_path = body_path + ".values." + key;
            add_key(r, spec, entry.first, key_path, key);
            RandomAxis axis;
            axis.key = key;
            axis.where = r.where(entry.first, key_path);
            const YAML::Node range = entry.second;
            if (!range.IsMap()) r.fail(range, key_path, "expected {min, max}, {min, max, real: true} or {choices: [...]}");
            r.check_keys(range, key_path, {"min", "max", "real", "choices"});
            if (range["choices"]) {
                axis.kind = RandomAxis::Kind::Choice;
                axis.choices = r.scalar_list(range["choices"], key_path + ".choices");
            } else {
                if (!range["min"] || !range["max"]) r.fail(range, key_path, "expected both min and max");
                const bool real = range["real"] && r.scalar(range["real"], key_path + ".real") == "true";
                axis.kind = real ? RandomAxis::Kind::Real : RandomAxis::Kind::Integer;
                axis.min = r.number(range["min"], key_path + ".min");
                axis.max = r.number(range["max"], key_path + ".max");
                if (axis.max < axis.min) r.fail(range, key_path, "max is below min");
                if (!real && (axis.min != static_cast<double>(static_cast<int64_t>(axis.min)) ||
                              axis.max != static_cast<double>(static_cast<int64_t>(axis.max)))) {
                    r.fail(range, key_path, "integer range with a fractional bound (add real: true for reals)");
                }
            }
            group.random_axes.push_back(std::move(axis));
        }
    } else {
        r.fail(item.begin()->first, body_path, "unknown parameter group (expected grid, zip or random)");
    }
    return group;
}

// A chip sweep's: the run's cycles and how well it used the arrays; a cluster sweep's: the step's figures and each of
// its losses (cluster::loss_parts, so a new loss is a new default column).
std::vector<std::string> default_metrics(WorkloadKindId kind) {
    if (kind == WorkloadKindId::Chip) return {"sim.cycles", "npu.mac_utilization", "npu.achieved_tops"};
    std::vector<std::string> names = {"step_s", "tokens_per_s", "mfu", "model_tflops_per_chip"};
    for (const cluster::LossPart& part : cluster::loss_parts(cluster::StepLosses{})) {
        names.push_back(std::string("losses.") + part.key + ".s");
    }
    return names;
}

void read_metrics(const SpecReader& r, const YAML::Node& root, SweepSpec& spec) {
    const YAML::Node& top = root;
    const YAML::Node list = top["metrics"];
    std::set<std::string> names;
    if (!list) {
        for (const std::string& name : default_metrics(spec.kind)) {
            spec.metrics.push_back(Metric{name, false, Expression::parse("0"), "(default metrics)"});
        }
        return;
    }
    if (!list.IsSequence() || list.size() == 0) r.fail(list, "metrics", "expected a non-empty list of metrics");
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "metrics[" + std::to_string(i) + "]";
        const YAML::Node item = list[i];
        Metric metric;
        metric.where = r.where(item, path);
        if (item.IsScalar()) {
            metric.name = item.Scalar();
            metric.expression = Expression::parse("0");
        } else if (item.IsMap()) {
            r.check_keys(item, path, {"name", "expr"});
            if (!item["name"] || !item["expr"]) r.fail(item, path, "a derived metric needs name and expr");
            metric.name = r.scalar(item["name"], path + ".name");
            metric.derived = true;
            try {
                metric.expression = Expression::parse(r.scalar(item["expr"], path + ".expr"));
            } catch (const Error& e) {
                r.fail(item["expr"], path + ".expr", e.what());
            }
        } else {
            r.fail(item, path, "expected a counter name or {name, expr}");
        }
        if (metric.name.empty() || metric.name.find_first_of(",\"\n ") != std::string::npos) {
            r.fail(item, path, "a metric name must be non-empty, without spaces, commas or quotes");
        }
        if (!names.insert(metric.name).second) r.fail(item, path, "two metrics named '" + metric.name + "'");
        spec.metrics.push_back(std::move(metric));
    }
}

}  // namespace

SweepSpec load_sweep_spec(const std::string& file, const std::string& firmware_dir) {
    SweepSpec spec;
    spec.spec_file = file;
    spec.spec_text = read_file(file);
    const SpecReader r(file);
    YAML::Node root;
    root = config::parse_yaml_text(spec.spec_text, file);
    if (!root || root.IsNull()) throw Error(file + ": the sweep description is empty");
    if (!root.IsMap()) throw Error(file + ": expected a map of keys at the top level");
    r.check_keys(root, "", {"sweep", "workloads", "parameters", "constraints", "metrics"});
    const std::string spec_dir = fs::path(file).parent_path().string();

    const YAML::Node sweep = r.map(root, "sweep", "", false);
    std::string base = "default";
    spec.name = fs::path(file).stem().string();
    if (sweep) {
        r.check_keys(sweep, "sweep", {"name", "base", "max_points"});
        if (sweep["name"]) spec.name = r.scalar(sweep["name"], "sweep.name");
        if (sweep["max_points"]) spec.max_points = r.uint(sweep["max_points"], "sweep.max_points", 1, 100'000'000);
        if (sweep["base"]) base = r.scalar(sweep["base"], "sweep.base");
    }
    read_workloads(r, root, spec, spec_dir, firmware_dir);
    if (spec.kind == WorkloadKindId::Cluster) {
        if (sweep && sweep["base"]) {
            r.fail(sweep["base"], "sweep.base",
                   "a cluster sweep's settings apply to each workload's cluster file: "
                   "it has no base chip config");
        }
    } else {
        const bool is_preset = base.find('/') == std::string::npos && base.find('.') == std::string::npos;
        try {
            spec.base_config = config::resolve_config(is_preset ? base : resolve_relative(base, spec_dir));
        } catch (const Error& e) {
            r.fail(sweep ? sweep["base"] : root, "sweep.base", e.what());
        }
    }

    const YAML::Node& top = root;
    const YAML::Node groups = top["parameters"];
    if (!groups) r.fail(root, "parameters", "missing (required): a list of grid, zip or random groups");
    if (!groups.IsSequence() || groups.size() == 0) {
        r.fail(groups, "parameters", "expected a non-empty list of groups, e.g. - grid: {chip.tiles: [1, 2, 4]}");
    }
    for (size_t i = 0; i < groups.size(); ++i) {
        spec.groups.push_back(read_group(r, groups[i], "parameters[" + std::to_string(i) + "]", spec));
    }

    if (const YAML::Node constraints = top["constraints"]) {
        if (!constraints.IsSequence()) r.fail(constraints, "constraints", "expected a list of expressions");
        for (size_t i = 0; i < constraints.size(); ++i) {
            const std::string path = "constraints[" + std::to_string(i) + "]";
            Constraint constraint;
            constraint.where = r.where(constraints[i], path);
            try {
                constraint.expression = Expression::parse(r.scalar(constraints[i], path));
            } catch (const Error& e) {
                r.fail(constraints[i], path, e.what());
            }
            for (const auto& name : constraint.expression.names()) {
                bool swept = false;
                for (const auto& key : spec.parameter_keys) swept |= key == name;
                if (!swept) r.fail(constraints[i], path, "'" + name + "' is not a swept parameter");
            }
            spec.constraints.push_back(std::move(constraint));
        }
    }
    read_metrics(r, root, spec);
    return spec;
}

}  // namespace npuemu::sweep
