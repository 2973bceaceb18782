// The key tables: `npuemu config --list` names every key the loader takes, each with a default the loader accepts
// back, and docs/config.md is what the tables say today.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/config/config_list.h"
#include "model/config/key_reader.h"

using namespace npuemu;

namespace {

// Key paths of every scalar in a YAML tree; a list counts as one key.
void leaf_paths(const YAML::Node& node, const std::string& path, std::set<std::string>& out) {
    if (node.IsMap()) {
        for (const auto& entry : node) {
            leaf_paths(entry.second, path.empty() ? entry.first.Scalar() : path + "." + entry.first.Scalar(), out);
        }
    } else {
        out.insert(path);
    }
}

std::set<std::string> listed_paths() {
    std::set<std::string> paths;
    for (const auto& row : config::list_chip_config_keys()) paths.insert(row.path);
    return paths;
}

}  // namespace

TEST_CASE("config keys: every key of the shipped chip configs is listed") {
    const std::set<std::string> listed = listed_paths();
    for (const char* preset : {"default.yaml", "test.yaml"}) {
        std::set<std::string> used;
        leaf_paths(YAML::LoadFile(std::string(NPUEMU_SOURCE_DIR) + "/configs/" + preset), "", used);
        REQUIRE(!used.empty());
        for (const std::string& path : used) CHECK_MESSAGE(listed.count(path), preset << ": " << path << " is not listed");
    }
}

TEST_CASE("config keys: every listed key takes its listed default back through --set") {
    for (const auto& row : config::list_chip_config_keys()) {
        if (row.type.rfind("list", 0) == 0 || row.type == "map or list" || row.type == "name or file") continue;
        if (row.path == "mesh.cols" || row.path == "mesh.rows" || row.path == "mesh.response_routing") continue;
        const std::string set = row.path + "=" + row.default_value;
        CHECK_NOTHROW_MESSAGE(config::load_chip_config(YAML::Load("power: {}\nmesh: {networks: 2}"), "<test>", {set}),
                              set);
    }
}

TEST_CASE("config keys: a table reads its keys with ranges, scale and choices, and refuses values outside them") {
    struct Example {
        uint64_t size_bytes = 4096;
        double ratio = 0.5;
        bool flag = false;
        enum class Mode { Fast, Slow } mode = Mode::Fast;
    };
    const KeyTable<Example> table = {
        uint_key("size_kib", &Example::size_bytes, 1, 64, "KiB", "size", 1024),
        positive_key("ratio", &Example::ratio, 10, "", "ratio"),
        bool_key("flag", &Example::flag, "flag"),
        choice_key<Example, Example::Mode, &Example::mode>("mode", {"fast", "slow"}, "mode"),
    };
    Example e;
    config::ConfigNode node(YAML::Load("size_kib: 8\nratio: 2.5\nflag: true\nmode: slow"), "F", "", nullptr);
    config::read_keys(node, table, e);
    node.finish();
    CHECK(e.size_bytes == 8192);
    CHECK(e.ratio == 2.5);
    CHECK(e.flag);
    CHECK(e.mode == Example::Mode::Slow);

    Example kept;
    config::ConfigNode empty(YAML::Load("{}"), "F", "", nullptr);
    config::read_keys(empty, table, kept);
    CHECK(kept.size_bytes == 4096);  // absent keys keep the struct's default

    auto error_of = [&](const char* text) {
        Example x;
        config::ConfigNode bad(YAML::Load(text), "F", "", nullptr);
        try {
            config::read_keys(bad, table, x);
        } catch (const Error& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("size_kib: 65") == "F:1:11: size_kib: expected an integer from 1 to 64, got 65");
    CHECK(error_of("ratio: 0") == "F:1:8: ratio: must be greater than 0");
    CHECK(error_of("mode: medium").find("expected one of fast, slow") != std::string::npos);

    std::vector<ConfigKeyRow> rows;
    config::list_keys("x", table, rows);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].path == "x.size_kib");
    CHECK(rows[0].default_value == "4");
    CHECK(rows[0].range == "1 .. 64");
    CHECK(rows[1].range == "> 0 .. 10");
    CHECK(rows[3].type == "one of: fast, slow");
}

TEST_CASE("config keys: docs/config.md is what the key tables say") {
    std::ifstream file(std::string(NPUEMU_SOURCE_DIR) + "/docs/config.md");
    REQUIRE(file);
    std::stringstream text;
    text << file.rdbuf();
    CHECK_MESSAGE(text.str() == config::format_config_keys_markdown(config::list_chip_config_keys()),
                  "docs/config.md is stale: regenerate it with build/bin/npuemu config --list --markdown > docs/config.md");
}
