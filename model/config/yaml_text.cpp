// YAML text to a node tree, refusing what yaml-cpp accepts silently: a key given twice in one map (yaml-cpp keeps
// the first and ignores the second, so `tiles: 4` then `tiles: 8` would run with 4).
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <set>

#include "model/common/error.h"
#include "model/config/config_node.h"

namespace npuemu::config {

namespace {

// The keys of every map of the loaded tree, in document order (yaml-cpp keeps a repeated key's pair in the map's
// list; node[key] finds only the first). One walk of the tree the parser built, not a second parse of the text.
// Each collection is walked once: an alias shares its anchor's node (same mark and type), so an alias bomb costs
// its anchors, not their expansion. The depth is the parser's, which yaml-cpp bounds (2000 levels).
class UniqueKeyCheck {
public:
    explicit UniqueKeyCheck(const std::string& file) : file_(file) {}

    // path: the keys of the enclosing maps, each followed by '.'.
    void walk(const YAML::Node& node, const std::string& path) {
        if (!(node.IsMap() || node.IsSequence()) || !walked_.insert({node.Mark().pos, int(node.Type())}).second)
            return;
        if (node.IsSequence()) {
            for (const auto& item : node) walk(item, path);
            return;
        }
        std::set<std::string> keys;
        for (const auto& entry : node) {
            if (!entry.first.IsScalar()) {
                walk(entry.second, path);
                continue;
            }
            const std::string& key = entry.first.Scalar();
            if (!keys.insert(key).second) {
                const YAML::Mark mark = entry.first.Mark();
                throw Error(file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
                            ": " + path + key +
                            ": the key is given twice in the same map (the second would be ignored; remove one)");
            }
            walk(entry.second, path + key + ".");
        }
    }

private:
    const std::string& file_;
    std::set<std::pair<int, int>> walked_;  // (mark.pos, type) of the collections walked
};

}  // namespace

YAML::Node parse_yaml_text(const std::string& text, const std::string& file) {
    // YAML text is printable characters, tabs and line breaks (YAML 1.2, 5.1). Control characters are refused here:
    // yaml-cpp 0.7 loops forever on some of them (a NUL after a backspace in a comment, found by the sweep fuzzer).
    // A ',' that starts a line outside any flow collection is invalid YAML, and yaml-cpp 0.7 loops forever on it
    // (", a" as a document): refused here too. Quotes and comments are skipped for the flow depth.
    size_t line = 1, column = 1;
    int flow_depth = 0;
    bool line_start = true, in_comment = false;
    char quote = 0;
    for (const char ch : text) {
        if (ch == '\n') in_comment = false;
        if (!in_comment && !quote && line_start && ch == ',' && flow_depth == 0) {
            throw Error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                        ": malformed YAML: a ',' outside a flow collection ([...] or {...})");
        }
        if (ch != ' ' && ch != '\t') line_start = false;
        if (ch == '\n') line_start = true;
        if (!in_comment) {
            if (quote) {
                if (ch == quote) quote = 0;
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '#') {
                in_comment = true;
            } else if (ch == '[' || ch == '{') {
                ++flow_depth;
            } else if ((ch == ']' || ch == '}') && flow_depth > 0) {
                --flow_depth;
            }
        }
        const auto byte = static_cast<unsigned char>(ch);
        if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F) {
            char code[8];
            std::snprintf(code, sizeof code, "0x%02X", byte);
            throw Error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                        ": malformed YAML: control character " + code +
                        " (YAML text is printable characters, tabs and line breaks)");
        }
        if (ch == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw Error(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                    ": malformed YAML: " + e.msg);
    }
    UniqueKeyCheck(file).walk(root, "");
    return root;
}

}  // namespace npuemu::config
