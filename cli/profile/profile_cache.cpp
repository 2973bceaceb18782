#include "cli/profile/profile_cache.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/sweep/sweep_store.h"
#include "model/common/error.h"
#include "model/config/config_list.h"
#include "model/config/config_node.h"

namespace npuemu::profile {

namespace fs = std::filesystem;

constexpr const char* kCacheSchema = "npuemu-profile-run";
constexpr int kCacheSchemaVersion = 1;

std::string content_hash(const std::string& text) { return sweep::spec_hash(text); }  // FNV-1a, 64 bits

ResolvedConfig resolve_chip_config(const std::string& file, const std::vector<std::string>& overrides) {
    YAML::Node root = config::load_yaml_file(file);
    ResolvedConfig resolved;
    resolved.chip = config::load_chip_config(root, file, overrides);  // applies the overrides to root
    std::ostringstream text;
    for (const auto& row : config::list_chip_config_values(resolved.chip)) {
        text << row.path << '=' << row.default_value << '\n';
    }
    YAML::Emitter yaml;
    yaml << root;
    text << "--- resolved YAML\n" << yaml.c_str() << '\n';
    resolved.text = text.str();
    resolved.hash = content_hash(resolved.text);
    return resolved;
}

std::string file_hash(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot read " + what);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return content_hash(bytes.str());
}

const char* op_kind_name(OpKind kind) {
    switch (kind) {
        case OpKind::Optimizer: return "optimizer";
        case OpKind::Attention: return "attention";
        case OpKind::Rows: return "rows";
        case OpKind::AttentionBackward: return "attention_backward";
        case OpKind::Gemm: break;
    }
    return "gemm";
}

double AttentionDims::macs() const {
    const double L = seq, keys = causal ? L * (L + 1) / 2 : L * L;
    return 2 * keys * d_head * heads;
}

Json RunKey::json() const {
    Json key{{"config_hash", config_hash},
             {"image_hash", image_hash},
             {"simulator_hash", simulator_hash},
             {"m", shape.m},
             {"n", shape.n},
             {"k", shape.k},
             {"dtype", llm::dtype_name(shape.dtype)}};
    if (kind == OpKind::Optimizer) {
        key["kind"] = op_kind_name(kind);
        key["params"] = params;
    }
    // A GEMM's epilogue and operand storage only when it has any: a plain GEMM's key is as it always was.
    if (kind == OpKind::Gemm && !shape.plain()) {
        key["a_transposed"] = shape.a_transposed;
        key["b_transposed"] = shape.b_transposed;
        key["bias"] = shape.bias;
        key["scale_cols"] = shape.scale_cols;
        key["gelu"] = shape.gelu;
        key["out_bf16"] = shape.out_bf16;
    }
    if (kind == OpKind::Rows) {
        key["kind"] = op_kind_name(kind);
        key["pass"] = llm::row_pass_name(row_pass);
    }
    if (kind == OpKind::Attention || kind == OpKind::AttentionBackward) {
        key["kind"] = op_kind_name(kind);
        key["attention"] = {{"seq", attention.seq},
                            {"heads", attention.heads},
                            {"kv_heads", attention.kv_heads},
                            {"d_head", attention.d_head},
                            {"causal", attention.causal}};
    }
    return key;
}

std::string RunKey::file_name() const { return content_hash(json().dump()) + ".json"; }

ProfileCache::ProfileCache(std::string dir) : dir_(std::move(dir)) {
    std::error_code error;
    fs::create_directories(dir_, error);
    if (error) throw Error(dir_ + ": cannot create the profile cache directory: " + error.message());
}

std::optional<Json> ProfileCache::find(const RunKey& key) const {
    std::ifstream in(dir_ + "/" + key.file_name());
    if (!in) return std::nullopt;
    try {
        Json entry = Json::parse(in);
        // A damaged entry, another schema or another key behind the same hash: a miss, recomputed and replaced.
        if (entry.value("schema", "") != kCacheSchema || entry.value("schema_version", 0) != kCacheSchemaVersion ||
            entry.at("key") != key.json()) {
            return std::nullopt;
        }
        return entry.at("result");
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

void ProfileCache::store(const RunKey& key, const Json& result) const {
    Json entry{
        {"schema", kCacheSchema}, {"schema_version", kCacheSchemaVersion}, {"key", key.json()}, {"result", result}};
    sweep::write_file_atomic(dir_ + "/" + key.file_name(), entry.dump(2) + "\n");
}

std::string ProfileCache::scratch_dir(const RunKey& key) const {
    const std::string dir = dir_ + "/tmp/" + std::to_string(::getpid()) + "-" + key.file_name().substr(0, 16);
    std::error_code error;
    fs::remove_all(dir, error);
    fs::create_directories(dir, error);
    if (error) throw Error(dir + ": cannot create a scratch directory: " + error.message());
    return dir;
}

std::string default_cache_dir() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/npuemu/profile";
    const char* home = std::getenv("HOME");
    if (!home || !*home) throw Error("no HOME to put the profile cache in: give --cache DIR");
    return std::string(home) + "/.cache/npuemu/profile";
}

}  // namespace npuemu::profile
