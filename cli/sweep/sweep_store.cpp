#include "cli/sweep/sweep_store.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/common/error.h"

namespace npuemu::sweep {

namespace fs = std::filesystem;

void write_file_atomic(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::trunc | std::ios::binary);
        if (!out) throw Error(path + ": cannot write the file (does the directory exist, is it writable?)");
        out << text;
        out.flush();
        if (!out) throw Error(path + ": error while writing");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw Error(path + ": cannot move the finished file into place");
    }
}

std::string spec_hash(const std::string& spec_text) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : spec_text) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016" PRIx64, hash);
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
    manifest["base_config"] = fs::absolute(spec.base_config).lexically_normal().string();
    Json workloads = Json::array();
    for (const auto& w : spec.workloads) {
        workloads.push_back({{"name", w.name}, {"image", fs::absolute(w.image).lexically_normal().string()},
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

Json read_manifest(const std::string& dir) {
    const std::string path = dir + "/manifest.json";
    std::ifstream in(path);
    if (!in) throw Error(path + ": no sweep manifest here (is " + dir + " the --out directory of a sweep?)");
    Json manifest;
    try {
        manifest = Json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not a readable manifest: " + e.what());
    }
    if (!manifest.is_object() || manifest.value("schema", "") != kManifestSchema) {
        throw Error(path + ": not an npuemu sweep manifest (schema is not '" + std::string(kManifestSchema) + "')");
    }
    if (manifest.value("schema_version", 0) != kSweepSchemaVersion) {
        throw Error(path + ": manifest schema version " + std::to_string(manifest.value("schema_version", 0)) +
                    ", this npuemu reads version " + std::to_string(kSweepSchemaVersion));
    }
    return manifest;
}

std::string point_dir(const std::string& dir, const std::string& id) { return dir + "/points/" + id; }

std::optional<Json> read_result(const std::string& dir, const std::string& id) {
    std::ifstream in(point_dir(dir, id) + "/result.json");
    if (!in) return std::nullopt;
    try {
        Json result = Json::parse(in);
        if (result.value("schema", "") != kResultSchema || result.value("id", "") != id) return std::nullopt;
        return result;
    } catch (const nlohmann::json::exception&) {
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

size_t write_results_csv(const std::string& dir, const Json& manifest, const std::string& name,
                         const std::set<size_t>* only) {
    std::ostringstream csv;
    csv << "index,id,workload";
    for (const auto& key : manifest["parameters"]) csv << "," << csv_field(key.get<std::string>());
    csv << ",status,exit_code";
    for (const auto& metric : manifest["metrics"]) csv << "," << csv_field(metric["name"].get<std::string>());
    csv << ",error\n";
    size_t rows = 0;
    for (const auto& point : manifest["points"]) {
        const size_t index = point["index"].get<size_t>();
        if (only && !only->count(index)) continue;
        const auto result = read_result(dir, point["id"].get<std::string>());
        if (!result) continue;
        ++rows;
        csv << index << "," << point["id"].get<std::string>() << "," << csv_field(point["workload"].get<std::string>());
        for (const auto& key : manifest["parameters"]) {
            const auto& settings = point["settings"];
            const std::string k = key.get<std::string>();
            csv << "," << (settings.contains(k) ? csv_field(settings[k].get<std::string>()) : "");
        }
        csv << "," << result->value("status", "") << "," << result->value("exit_code", -1);
        const Json metrics = result->value("metrics", Json::object());
        for (const auto& metric : manifest["metrics"]) {
            const std::string m = metric["name"].get<std::string>();
            csv << "," << (metrics.contains(m) ? number_text(metrics[m]) : "");
        }
        csv << "," << csv_field(result->value("error", "")) << "\n";
    }
    write_file_atomic(dir + "/" + name, csv.str());
    return rows;
}

}  // namespace npuemu::sweep
