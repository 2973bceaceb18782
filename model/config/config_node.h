// Validating reader over a YAML tree: every value is read through here, so every bad value is reported the same way,
// naming file, line, column and key path (or the --set option that supplied it). Each map node remembers which keys
// were read; finish() turns any other key into an "unknown key" error, so a typo never passes silently.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace npuemu::config {

// Where overridden values came from: key path -> the --set text, for error messages.
using OverrideOrigins = std::map<std::string, std::string>;

class ConfigNode {
public:
    ConfigNode(YAML::Node node, std::string file, std::string path,
               std::shared_ptr<const OverrideOrigins> overrides);

    uint64_t get_uint(const std::string& key, uint64_t default_value, uint64_t min, uint64_t max);
    double get_double(const std::string& key, double default_value, double min, double max);
    bool get_bool(const std::string& key, bool default_value);
    std::string get_string(const std::string& key, const std::string& default_value);
    std::string get_choice(const std::string& key, const std::string& default_value,
                           const std::vector<std::string>& choices);
    // A child map; an absent key gives an empty map (all defaults).
    ConfigNode child(const std::string& key);
    // A list of maps ("key: [{...}, {...}]"), each a ConfigNode with path key[i]; absent key: empty.
    std::vector<ConfigNode> list(const std::string& key);
    // The YAML value of a key as it is (for values with their own syntax, such as an address mapping), marked as
    // read; nullopt when absent.
    std::optional<YAML::Node> raw(const std::string& key);
    // Throws for every key of this map that no getter asked for.
    void finish() const;

    bool has(const std::string& key) const;
    const std::string& path() const { return path_; }
    const std::string& file() const { return file_; }
    const YAML::Node& yaml() const { return node_; }
    const std::shared_ptr<const OverrideOrigins>& overrides() const { return overrides_; }
    // "file:line:col: key.path" or "--set key.path=value": the prefix of every error about that key.
    std::string where(const std::string& key) const;
    std::string where(const std::string& key, const YAML::Mark& mark) const;
    [[noreturn]] void fail(const std::string& key, const std::string& message) const;

private:
    std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    YAML::Node lookup(const std::string& key) const;
    std::optional<YAML::Node> scalar(const std::string& key, const char* expected);

    YAML::Node node_;
    std::string file_;
    std::string path_;
    std::shared_ptr<const OverrideOrigins> overrides_;
    std::set<std::string> used_;
};

// Loads a YAML file (errors name the file and the parser's line and column). Files are bounded in size (a chip
// config is a few KiB; /dev/zero or a directory is refused) and a key given twice in one map is an error.
YAML::Node load_yaml_file(const std::string& file);
// Parsed YAML files by path, for a caller that loads many configs from the same files (a sweep's validation):
// load_yaml_file(file, &cache) parses each file once. The nodes are shared: read them, do not modify them.
using YamlFileCache = std::map<std::string, YAML::Node>;
YAML::Node load_yaml_file(const std::string& file, YamlFileCache* cache);
// The same for text already read (sweep descriptions).
YAML::Node parse_yaml_text(const std::string& text, const std::string& file);
constexpr uint64_t kMaxYamlFileBytes = 16ull << 20;

// Applies "a.b.c=value" to the tree (the value is parsed as YAML, so numbers stay numbers) and records its origin.
void apply_override(YAML::Node root, const std::string& assignment, OverrideOrigins& origins);

}  // namespace npuemu::config
