#include "model/config/config_node.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::config {

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

}  // namespace

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string path,
                       std::shared_ptr<const OverrideOrigins> overrides)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)), overrides_(std::move(overrides)) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
        throw Error(where("") + ": expected a map of keys");
    }
}

std::string ConfigNode::where(const std::string& key) const {
    YAML::Mark mark;
    if (!key.empty() && has(key)) mark = lookup(key).Mark();
    else if (node_) mark = node_.Mark();
    return where(key, mark);
}

std::string ConfigNode::where(const std::string& key, const YAML::Mark& mark) const {
    const std::string full = key.empty() ? path_ : key_path(key);
    if (overrides_) {
        // An override of this key, of a map above it, or of a key below it (which created it).
        for (std::string prefix = full;;) {
            auto it = overrides_->find(prefix);
            if (it != overrides_->end()) return "--set " + it->second + ": " + full;
            auto dot = prefix.rfind('.');
            if (dot == std::string::npos) break;
            prefix.resize(dot);
        }
        auto below = overrides_->lower_bound(full + ".");
        if (below != overrides_->end() && below->first.compare(0, full.size() + 1, full + ".") == 0) {
            return "--set " + below->second + ": " + full;
        }
    }
    std::ostringstream text;
    text << file_;
    if (mark.line >= 0) text << ":" << mark.line + 1 << ":" << mark.column + 1;
    text << ": " << (full.empty() ? "(top level)" : full);
    return text.str();
}

void ConfigNode::fail(const std::string& key, const std::string& message) const {
    throw Error(where(key) + ": " + message);
}

// Lookups go through a const node: yaml-cpp's non-const operator[] would insert the key.
bool ConfigNode::has(const std::string& key) const {
    const YAML::Node& node = node_;
    return node && node.IsMap() && node[key];
}

YAML::Node ConfigNode::lookup(const std::string& key) const {
    const YAML::Node& node = node_;
    return node[key];
}

std::optional<YAML::Node> ConfigNode::scalar(const std::string& key, const char* expected) {
    used_.insert(key);
    if (!has(key)) return std::nullopt;
    YAML::Node value = lookup(key);
    if (!value.IsScalar()) fail(key, std::string("expected ") + expected + ", got a " +
                                         (value.IsMap() ? "map" : value.IsSequence() ? "list" : "null"));
    return value;
}

uint64_t ConfigNode::get_uint(const std::string& key, uint64_t default_value, uint64_t min, uint64_t max) {
    std::optional<YAML::Node> value = scalar(key, "an integer");
    if (!value) return default_value;
    const std::string text = value->Scalar();
    const std::string range = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (text.empty() || text[0] == '-' || text[0] == '+') fail(key, range + ", got '" + text + "'");
    // strtoull would read 010 as octal 8: integers are decimal, or hex with 0x.
    if (text.size() > 1 && text[0] == '0' && std::isdigit(static_cast<unsigned char>(text[1]))) {
        fail(key, range + ", got '" + text + "': a leading zero is not allowed (integers are decimal, or hex with 0x)");
    }
    errno = 0;
    char* end = nullptr;
    const unsigned long long parsed = std::strtoull(text.c_str(), &end, 0);
    if (errno || *end != '\0') fail(key, range + ", got '" + text + "'");
    if (parsed < min || parsed > max) fail(key, range + ", got " + text);
    return parsed;
}

double ConfigNode::get_double(const std::string& key, double default_value, double min, double max) {
    std::optional<YAML::Node> value = scalar(key, "a number");
    if (!value) return default_value;
    const std::string text = value->Scalar();
    std::ostringstream range;
    range << "expected a number from " << min << " to " << max;
    errno = 0;
    char* end = nullptr;
    const double parsed = std::strtod(text.c_str(), &end);
    if (text.empty() || errno || *end != '\0' || !std::isfinite(parsed)) fail(key, range.str() + ", got '" + text + "'");
    if (parsed < min || parsed > max) fail(key, range.str() + ", got " + text);
    return parsed;
}

bool ConfigNode::get_bool(const std::string& key, bool default_value) {
    std::optional<YAML::Node> value = scalar(key, "true or false");
    if (!value) return default_value;
    const std::string text = value->Scalar();
    if (text == "true") return true;
    if (text == "false") return false;
    fail(key, "expected true or false, got '" + text + "'");
}

std::string ConfigNode::get_string(const std::string& key, const std::string& default_value) {
    std::optional<YAML::Node> value = scalar(key, "a string");
    return value ? value->Scalar() : default_value;
}

std::string ConfigNode::get_choice(const std::string& key, const std::string& default_value,
                                   const std::vector<std::string>& choices) {
    const std::string text = get_string(key, default_value);
    for (const auto& choice : choices) if (choice == text) return text;
    fail(key, "expected one of " + join(choices) + ", got '" + text + "'");
}

ConfigNode ConfigNode::child(const std::string& key) {
    used_.insert(key);
    YAML::Node value = has(key) ? lookup(key) : YAML::Node();
    if (value && !value.IsNull() && !value.IsMap()) fail(key, "expected a map of keys");
    return ConfigNode(value, file_, key_path(key), overrides_);
}

std::optional<YAML::Node> ConfigNode::raw(const std::string& key) {
    used_.insert(key);
    if (!has(key)) return std::nullopt;
    return lookup(key);
}

std::vector<ConfigNode> ConfigNode::list(const std::string& key) {
    used_.insert(key);
    std::vector<ConfigNode> items;
    if (!has(key)) return items;
    const YAML::Node value = lookup(key);
    if (!value.IsSequence()) fail(key, "expected a list");
    for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_path = key_path(key) + "[" + std::to_string(i) + "]";
        if (!value[i].IsMap()) {
            throw Error(ConfigNode(YAML::Node(), file_, item_path, overrides_).where("", value[i].Mark()) +
                        ": expected a map of keys");
        }
        items.emplace_back(value[i], file_, item_path, overrides_);
    }
    return items;
}

void ConfigNode::finish() const {
    if (!node_ || !node_.IsMap()) return;
    std::vector<std::string> known(used_.begin(), used_.end());
    for (const auto& entry : node_) {
        const std::string key = entry.first.Scalar();
        if (!used_.count(key)) {
            throw Error(where(key, entry.first.Mark()) + ": unknown key (known keys here: " + join(known) + ")");
        }
    }
}

YAML::Node load_yaml_file(const std::string& file, YamlFileCache* cache) {
    if (!cache) return load_yaml_file(file);
    auto it = cache->find(file);
    if (it == cache->end()) it = cache->emplace(file, load_yaml_file(file)).first;
    return it->second;
}

YAML::Node load_yaml_file(const std::string& file) {
    if (!std::ifstream(file)) throw Error(file + ": cannot open the file");
    const std::vector<uint8_t> bytes = read_input_file(file, kMaxYamlFileBytes, file, "the YAML file");
    const YAML::Node root = parse_yaml_text(std::string(bytes.begin(), bytes.end()), file);
    if (!root || root.IsNull()) throw Error(file + ": the file is empty");
    if (!root.IsMap()) throw Error(file + ": expected a map of keys at the top level");
    return root;
}

namespace {

void set_path(YAML::Node node, const std::vector<std::string>& keys, size_t index, const YAML::Node& value,
              const std::string& assignment) {
    if (index + 1 == keys.size()) {
        node[keys[index]] = value;
        return;
    }
    YAML::Node child = node[keys[index]];
    if (child.IsDefined() && !child.IsNull() && !child.IsMap()) {
        throw Error("--set " + assignment + ": '" + keys[index] + "' is a value, not a map of keys");
    }
    set_path(child, keys, index + 1, value, assignment);
}

}  // namespace

void apply_override(YAML::Node root, const std::string& assignment, OverrideOrigins& origins) {
    const auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw Error("--set " + assignment + ": expected KEY.PATH=VALUE, e.g. chip.tiles=4");
    }
    const std::string path = assignment.substr(0, equals);
    std::vector<std::string> keys;
    std::stringstream parts(path);
    for (std::string key; std::getline(parts, key, '.');) {
        if (key.empty()) throw Error("--set " + assignment + ": empty key in '" + path + "'");
        keys.push_back(key);
    }
    if (path.back() == '.') throw Error("--set " + assignment + ": empty key in '" + path + "'");
    YAML::Node value;
    try {
        value = YAML::Load(assignment.substr(equals + 1));
    } catch (const YAML::Exception& e) {
        throw Error("--set " + assignment + ": malformed value: " + e.msg);
    }
    set_path(root, keys, 0, value, assignment);
    origins[path] = assignment;
}

}  // namespace npuemu::config
