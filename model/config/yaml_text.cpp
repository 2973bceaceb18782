// YAML text to a node tree, refusing what yaml-cpp accepts silently: a key given twice in one map (yaml-cpp keeps
// the first and ignores the second, so `tiles: 4` then `tiles: 8` would run with 4).
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <vector>

#include "model/common/error.h"
#include "model/config/config_node.h"

namespace npuemu::config {

namespace {

// Follows the parser's events (aliases are not expanded, so an alias bomb costs nothing here) and remembers the keys
// of every open map.
class DuplicateKeyFinder : public YAML::EventHandler {
public:
    explicit DuplicateKeyFinder(const std::string& file) : file_(file) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, nullptr); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, nullptr); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
        node(mark, &value);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark, nullptr);
        open_.push_back(Collection{false, true, {}, {}});
    }
    void OnSequenceEnd() override { open_.pop_back(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        node(mark, nullptr);
        open_.push_back(Collection{true, true, {}, {}});
    }
    void OnMapEnd() override { open_.pop_back(); }

private:
    struct Collection {
        bool is_map;
        bool expecting_key;
        std::set<std::string> keys;
        std::string last_key;
    };

    // A node starts inside the innermost open collection: in a map, keys and values alternate.
    void node(const YAML::Mark& mark, const std::string* scalar) {
        if (open_.empty() || !open_.back().is_map) return;
        Collection& map = open_.back();
        if (map.expecting_key && scalar) {
            if (!map.keys.insert(*scalar).second) {
                std::string path;
                for (const auto& c : open_) {
                    if (&c != &map && c.is_map) path += c.last_key + ".";
                }
                throw Error(file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
                            path + *scalar + ": the key is given twice in the same map (the second would be "
                                             "ignored; remove one)");
            }
            map.last_key = *scalar;
        }
        map.expecting_key = !map.expecting_key;
    }

    const std::string& file_;
    std::vector<Collection> open_;
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
        std::istringstream stream(text);
        YAML::Parser parser(stream);
        DuplicateKeyFinder finder(file);
        while (parser.HandleNextDocument(finder)) {
        }
    } catch (const YAML::Exception& e) {
        throw Error(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                    ": malformed YAML: " + e.msg);
    }
    return root;
}

}  // namespace npuemu::config
