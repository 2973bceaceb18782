#include "cli/sweep/sweep_store.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/sweep/input_hashes.h"
#include "cli/sweep/workload_kind.h"
#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::sweep {

namespace fs = std::filesystem;

void write_file_atomic(const std::string& path, const std::string& text) { write_output_file(path, text); }

std::string spec_hash(const std::string& spec_text) {
    char text[17];
    std::snprintf(text, sizeof text, "%016" PRIx64, fnv1a(spec_text));
    return text;
}

Json make_manifest(const SweepSpec& spec, const Plan& plan) {
    Json manifest;
    manifest["schema"] = kManifestSchema;
    manifest["schema_version"] = kSweepSchemaVersion;
    manifest["npuemu_version"] = NPUEMU_VERSION;
    manifest["name"] = spec.name;
    manifest["spec_file"] = fs::absolute(spec.spec_file).lexically_normal().string();
    manifest["spec_hash"] = spec_hash(spec.spec_text);
    manifest["kind"] = workload_kind(spec.kind).name();
    manifest["base_config"] =
        spec.base_config.empty() ? std::string() : fs::absolute(spec.base_config).lexically_normal().string();
    Json workloads = Json::array();
    for (const auto& w : spec.workloads) {
        const bool cluster = spec.kind == WorkloadKindId::Cluster;
        workloads.push_back(
            {{"name", w.name},
             {cluster ? "cluster" : "image", fs::absolute(cluster ? w.cluster : w.image).lexically_normal().string()},
             {"args", w.args}});
    }
    manifest["workloads"] = workloads;
    manifest["parameters"] = spec.parameter_keys;
    Json metrics = Json::array();
    for (const auto& m : spec.metrics) {
        metrics.push_back(m.derived ? Json{{"name", m.name}, {"expr", m.expression.text()}} : Json{{"name", m.name}});
    }
    manifest["metrics"] = metrics;
    manifest["rejected_by_constraints"] = plan.rejected_by_constraints;
    Json points = Json::array();
    for (const auto& p : plan.points) {
        Json settings = Json::object();
        for (const auto& [key, value] : p.settings) settings[key] = value;
        points.push_back({{"index", p.index}, {"id", p.id}, {"workload", spec.workloads[p.workload].name},
                          {"settings", settings}});
    }
    manifest["points"] = points;
    return manifest;
}

void write_manifest(const std::string& dir, const Json& manifest) {
    write_file_atomic(dir + "/manifest.json", manifest.dump(2) + "\n");
}

namespace {

// The fields merge, resume and the report read, of the types they read them as: a damaged or hand-edited manifest
// is an error naming the field, not an exception from the JSON library.
void check_manifest_fields(const Json& manifest, const std::string& path) {
    const auto bad = [&path](const std::string& field, const std::string& expected) {
        throw Error(path + ": " + field + ": expected " + expected + " (a damaged manifest? rerun the sweep into a new "
                    "directory)");
    };
    for (const char* key : {"name", "spec_hash", "spec_file", "base_config", "npuemu_version"}) {
        if (!manifest.contains(key) || !manifest[key].is_string()) bad(key, "a string");
    }
    if (manifest.contains("kind") && !manifest["kind"].is_string()) bad("kind", "a string (chip, cluster)");
    if (!manifest.contains("parameters") || !manifest["parameters"].is_array()) bad("parameters", "a list of keys");
    for (const auto& key : manifest["parameters"]) if (!key.is_string()) bad("parameters", "a list of strings");
    if (!manifest.contains("metrics") || !manifest["metrics"].is_array()) bad("metrics", "a list");
    for (const auto& metric : manifest["metrics"]) {
        if (!metric.is_object() || !metric.contains("name") || !metric["name"].is_string()) {
            bad("metrics", "a list of {name, expr}");
        }
        if (metric.contains("expr") && !metric["expr"].is_string()) bad("metrics[].expr", "a string");
    }
    if (!manifest.contains("points") || !manifest["points"].is_array()) bad("points", "a list");
    size_t position = 0;
    for (const auto& point : manifest["points"]) {
        const std::string at = "points[" + std::to_string(position++) + "]";
        if (!point.is_object()) bad(at, "an object");
        if (!point.contains("index") || !point["index"].is_number_unsigned()) bad(at + ".index", "a point index");
        if (!point.contains("id") || !point["id"].is_string()) bad(at + ".id", "a string");
        if (!point.contains("workload") || !point["workload"].is_string()) bad(at + ".workload", "a string");
        if (!point.contains("settings") || !point["settings"].is_object()) bad(at + ".settings", "an object");
        for (const auto& [key, value] : point["settings"].items()) {
            if (!value.is_string()) bad(at + ".settings." + key, "a string");
        }
        const std::string& id = point["id"].get_ref<const std::string&>();
        if (id.empty() || id.find_first_of("/\\.") != std::string::npos) bad(at + ".id", "a point id (hex digits)");
    }
}

}  // namespace

Json read_manifest(const std::string& dir) {
    const std::string path = dir + "/manifest.json";
    std::ifstream in(path);
    if (!in) throw Error(path + ": no sweep manifest here (is " + dir + " the --out directory of a sweep?)");
    Json manifest;
    try {
        const std::vector<uint8_t> bytes = read_input_file(path, kMaxSweepJsonBytes, path, "the sweep manifest");
        manifest = Json::parse(bytes.begin(), bytes.end());
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not a readable manifest: " + e.what());
    }
    if (!manifest.is_object() || !manifest.contains("schema") || manifest["schema"] != kManifestSchema) {
        throw Error(path + ": not an npuemu sweep manifest (schema is not '" + std::string(kManifestSchema) + "')");
    }
    if (!manifest["schema_version"].is_number_integer() || manifest["schema_version"] != kSweepSchemaVersion) {
        throw Error(path + ": manifest schema version " + manifest["schema_version"].dump() +
                    ", this npuemu reads version " + std::to_string(kSweepSchemaVersion));
    }
    check_manifest_fields(manifest, path);
    return manifest;
}

std::string point_dir(const std::string& dir, const std::string& id) { return dir + "/points/" + id; }

namespace {

// A result.json this npuemu can use: the fields results.csv, resume and the report read, of the types they read.
bool is_usable_result(const Json& result, const std::string& id) {
    if (!result.is_object()) return false;
    const auto string_field = [&result](const char* key) { return result.contains(key) && result[key].is_string(); };
    if (!string_field("schema") || result["schema"] != kResultSchema || !string_field("id") || result["id"] != id) {
        return false;
    }
    if (!string_field("status") || !string_field("error")) return false;
    if (!result.contains("exit_code") || !result["exit_code"].is_number_integer()) return false;
    if (!result.contains("metrics") || !result["metrics"].is_object()) return false;
    for (const auto& [name, value] : result["metrics"].items()) {
        if (!value.is_number()) return false;
    }
    return true;
}

}  // namespace

std::optional<Json> read_result(const std::string& dir, const std::string& id) {
    const std::string path = point_dir(dir, id) + "/result.json";
    if (!std::ifstream(path)) return std::nullopt;
    try {
        const std::vector<uint8_t> bytes = read_input_file(path, kMaxSweepJsonBytes, path, "the point's result");
        Json result = Json::parse(bytes.begin(), bytes.end());
        // A damaged or foreign file marks no finished point: the point runs again.
        if (!is_usable_result(result, id)) return std::nullopt;
        return result;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    } catch (const Error&) {
        return std::nullopt;
    }
}

namespace {

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string number_text(const Json& value) {
    if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
    if (value.is_number()) {
        char text[40];
        std::snprintf(text, sizeof text, "%.10g", value.get<double>());
        return text;
    }
    return "";
}

}  // namespace

std::string results_csv_header(const Json& manifest) {
    std::ostringstream csv;
    csv << "index,id,workload";
    for (const auto& key : manifest["parameters"]) csv << "," << csv_field(key.get<std::string>());
    csv << ",status,exit_code";
    for (const auto& metric : manifest["metrics"]) csv << "," << csv_field(metric["name"].get<std::string>());
    csv << ",error\n";
    return csv.str();
}

std::string results_csv_row(const Json& manifest, const Json& point, const Json& result) {
    std::ostringstream csv;
    csv << point["index"].get<size_t>() << "," << point["id"].get<std::string>() << ","
        << csv_field(point["workload"].get<std::string>());
    const auto& settings = point["settings"];
    for (const auto& key : manifest["parameters"]) {
        const std::string k = key.get<std::string>();
        csv << "," << (settings.contains(k) ? csv_field(settings[k].get<std::string>()) : "");
    }
    csv << "," << result.value("status", "") << "," << result.value("exit_code", -1);
    const Json metrics = result.value("metrics", Json::object());
    for (const auto& metric : manifest["metrics"]) {
        const std::string m = metric["name"].get<std::string>();
        csv << "," << (metrics.contains(m) ? number_text(metrics[m]) : "");
    }
    csv << "," << csv_field(result.value("error", "")) << "\n";
    return csv.str();
}

size_t write_results_csv(const std::string& dir, const Json& manifest, const std::string& name,
                         const std::set<size_t>* only) {
    std::string csv = results_csv_header(manifest);
    size_t rows = 0;
    for (const auto& point : manifest["points"]) {
        const size_t index = point["index"].get<size_t>();
        if (only && !only->count(index)) continue;
        const auto result = read_result(dir, point["id"].get<std::string>());
        if (!result) continue;
        ++rows;
        csv += results_csv_row(manifest, point, *result);
    }
    write_file_atomic(dir + "/" + name, csv);
    return rows;
}

}  // namespace npuemu::sweep
