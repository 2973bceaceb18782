// Hostile and mistaken input (issue 20): deep expressions, duplicate YAML keys, leading zeros, time windows, sweeps
// too large to plan, stale results, damaged manifests, unphysical thermal settings (overlapping ELF segments: test_elf).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/sweep/expression.h"
#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_spec.h"
#include "cli/sweep/sweep_store.h"
#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/config/config_node.h"
#include "model/trace/trace_file.h"

using npuemu::Error;

namespace {

std::string write_bad_input_file(const std::string& name, const std::string& text) {
    const std::string path = std::string("/tmp/npuemu_unit_bad_input_") + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

std::string thrown_by(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string repeated(const std::string& text, size_t times) {
    std::string out;
    for (size_t i = 0; i < times; ++i) out += text;
    return out;
}

}  // namespace

TEST_CASE("bad input: expressions nested too deep are an error, not a stack overflow") {
    using npuemu::sweep::Expression;
    const std::string parens = repeated("(", 10000) + "1" + repeated(")", 10000);
    CHECK(thrown_by([&] { Expression::parse(parens); }).find("nested more than 256 levels deep") != std::string::npos);
    CHECK(thrown_by([&] { Expression::parse(repeated("-", 50000) + "1"); }).find("nested more than") !=
          std::string::npos);
    CHECK(thrown_by([&] { Expression::parse(repeated("!", 50000) + "1"); }).find("nested more than") !=
          std::string::npos);
    CHECK(thrown_by([&] { Expression::parse("1" + repeated(" + 1", 50000)); }).find("nested more than") !=
          std::string::npos);
    // What a constraint or metric needs still parses.
    CHECK(Expression::parse(repeated("(", 100) + "2" + repeated(")", 100) + repeated(" + 1", 200))
              .evaluate([](const std::string&) { return std::nullopt; }) == 202);
}

TEST_CASE("bad input: division by zero in an expression is an error") {
    using npuemu::sweep::Expression;
    const auto none = [](const std::string&) -> std::optional<double> { return std::nullopt; };
    CHECK(thrown_by([&] { Expression::parse("1 / 0").evaluate(none); }).find("division by zero") != std::string::npos);
    CHECK(thrown_by([&] { Expression::parse("5 % (2 - 2)").evaluate(none); }).find("division by zero") !=
          std::string::npos);
    CHECK(Expression::parse("6 / 3").evaluate(none) == 2);
}

TEST_CASE("bad input: a key given twice in a YAML map is an error naming file, line and key") {
    const std::string chip = write_bad_input_file("dup.yaml", "chip:\n  tiles: 4\n  tiles: 8\n");
    const std::string message = thrown_by([&] { npuemu::config::load_chip_config(chip); });
    CHECK(message.find(chip + ":3:3: chip.tiles: the key is given twice") != std::string::npos);
    const std::string section = write_bad_input_file("dup_section.yaml", "chip:\n  tiles: 4\nchip:\n  tiles: 8\n");
    CHECK(thrown_by([&] { npuemu::config::load_chip_config(section); }).find(section + ":3:1: chip: the key is given twice") !=
          std::string::npos);
    // Aliases are not expanded and keys in different maps are different keys.
    const std::string fine = write_bad_input_file("no_dup.yaml", "chip:\n  tiles: 4\ncore:\n  cpi: {div: 20}\n");
    CHECK(npuemu::config::load_chip_config(fine).tile_count == 4);
}

TEST_CASE("bad input: repeated YAML keys are found in document order, in sequences, once per aliased map") {
    using npuemu::config::parse_yaml_text;
    // Inside a sequence: the path names the enclosing maps' keys (sequences add none).
    CHECK(thrown_by([] { parse_yaml_text("links:\n  - {a: 1, a: 2}\n", "t.yaml"); })
              .find("t.yaml:2:12: links.a: the key is given twice") != std::string::npos);
    // The first repeat in the text is the one reported: a nested one before a later top-level one.
    CHECK(thrown_by([] { parse_yaml_text("a:\n  x: 1\n  x: 2\na: 5\n", "t.yaml"); })
              .find("t.yaml:3:3: a.x: the key is given twice") != std::string::npos);
    // An anchored map is checked where it is written, not again through each alias.
    CHECK(thrown_by([] { parse_yaml_text("base: &b {k: 1, k: 2}\nuse: [*b, *b]\n", "t.yaml"); })
              .find("t.yaml:1:17: base.k: the key is given twice") != std::string::npos);
    // An alias bomb (10^12 leaves if expanded) is checked in time linear in its text.
    std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level < 12; ++level) {
        bomb += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i) bomb += (i ? ", *a" : "*a") + std::to_string(level - 1);
        bomb += "]\n";
    }
    CHECK(parse_yaml_text(bomb, "t.yaml").size() == 12);
}

TEST_CASE("bad input: integers are decimal or 0x hex, a leading zero is refused (not read as octal)") {
    const std::string chip = write_bad_input_file("octal.yaml", "chip:\n  tiles: 010\n");
    CHECK(thrown_by([&] { npuemu::config::load_chip_config(chip); }).find("a leading zero is not allowed") !=
          std::string::npos);
    CHECK(thrown_by([&] { npuemu::config::load_chip_config(chip, {"chip.tiles=08"}); }).find("leading zero") !=
          std::string::npos);
    CHECK(npuemu::config::load_chip_config(chip, {"chip.tiles=0x8"}).tile_count == 8);
}

TEST_CASE("bad input: --trace-window times must be finite and within 64-bit picoseconds") {
    using npuemu::trace::parse_trace_window;
    for (const char* text : {"nan:inf", "0:inf", "nanus:1us", "1e300s:2e300s", "0:1e8s"}) {
        CAPTURE(text);
        CHECK_THROWS_AS(parse_trace_window(text), Error);
    }
    CHECK(parse_trace_window("10us:50us") == std::pair<uint64_t, uint64_t>{10'000'000, 50'000'000});
}

TEST_CASE("bad input: thermal settings must be physical") {
    const std::string chip = NPUEMU_SOURCE_DIR "/configs/default.yaml";
    CHECK(thrown_by([&] {
              npuemu::config::load_chip_config(chip, {"thermal.initial=steady", "thermal.initial_power_w=10000"});
          }).find("beyond what any die survives") != std::string::npos);
    CHECK(thrown_by([&] {
              npuemu::config::load_chip_config(chip, {"pmu.tj_max_mC=20000", "pmu.hysteresis_mC=30000"});
          }).find("is not below tj_max_mC") != std::string::npos);
    CHECK_NOTHROW(npuemu::config::load_chip_config(chip, {"thermal.initial=steady", "thermal.initial_power_w=2"}));
}

namespace {

std::string bad_input_sweep(const std::string& name, const std::string& image, const std::string& parameters,
                       const std::string& sweep_extra = "") {
    return write_bad_input_file(name, "sweep: {base: test" + sweep_extra + "}\nworkloads:\n  - {name: hello, image: " + image +
                                "}\nparameters:\n" + parameters);
}

}  // namespace

TEST_CASE("bad input: a sweep making more points than its limit is refused before it is built") {
    using namespace npuemu::sweep;
    const std::string image = NPUEMU_FIRMWARE_DIR "/hello.elf";
    std::string values = "[";
    for (int i = 1; i <= 1000; ++i) values += (i > 1 ? ", " : "") + std::to_string(i);
    values += "]";
    const std::string grid = "  - grid:\n      core.cpi.div: " + values + "\n      core.cpi.mul: " + values +
                             "\n      core.cpi.load: " + values + "\n";
    const SweepSpec big = load_sweep_spec(bad_input_sweep("big.yaml", image, grid), "");
    CHECK(thrown_by([&] { make_plan(big); })
              .find("the sweep makes 1000000000 points (1 workload(s) x 1000000000), more than the limit of 100000") !=
          std::string::npos);
    const std::string small_grid = "  - grid:\n      core.cpi.div: " + values + "\n";
    const SweepSpec capped = load_sweep_spec(bad_input_sweep("capped.yaml", image, small_grid, ", max_points: 999"), "");
    CHECK(thrown_by([&] { make_plan(capped); }).find("raise the limit with sweep: {max_points: N}") != std::string::npos);
}

TEST_CASE("bad input: a point's id changes with the content of its image, so a resume after a rebuild reruns it") {
    using namespace npuemu::sweep;
    namespace fs = std::filesystem;
    const std::string image = "/tmp/npuemu_unit_bad_input_image.elf";
    fs::copy_file(NPUEMU_FIRMWARE_DIR "/hello.elf", image, fs::copy_options::overwrite_existing);
    const std::string spec_file = bad_input_sweep("ids.yaml", image, "  - grid:\n      chip.tiles: [1, 2]\n");
    const auto ids = [&] {
        const SweepSpec spec = load_sweep_spec(spec_file, "");
        Plan plan = make_plan(spec);
        validate_plan(spec, plan);
        return std::make_pair(plan.points[0].id, plan.points[1].id);
    };
    const auto before = ids();
    CHECK(before == ids());  // deterministic
    std::ofstream(image, std::ios::app | std::ios::binary) << "rebuilt";  // trailing bytes: still the same ELF
    const auto after = ids();
    CHECK(after.first != before.first);
    CHECK(after.second != before.second);
    // An image that is not an ELF fails the sweep's validation (and --dry-run), not every point.
    std::ofstream(image, std::ios::trunc) << "not an elf";
    CHECK(thrown_by(ids).find("workload 'hello'") != std::string::npos);
}

TEST_CASE("bad input: a manifest with fields of the wrong type is an error naming the field") {
    namespace fs = std::filesystem;
    const std::string dir = "/tmp/npuemu_unit_bad_input_manifest";
    fs::create_directories(dir);
    std::ofstream(dir + "/manifest.json", std::ios::trunc)
        << R"({"schema": "npuemu-sweep-manifest", "schema_version": 1, "npuemu_version": "x", "name": "s",)"
        << R"( "spec_file": "s.yaml", "spec_hash": "0", "base_config": "b.yaml", "parameters": ["chip.tiles"],)"
        << R"( "metrics": [{"name": "sim.cycles"}], "points": [{"index": 0, "id": 7, "workload": "w", "settings": {}}]})";
    CHECK(thrown_by([&] { npuemu::sweep::read_manifest(dir); }).find("manifest.json: points[0].id: expected a string") !=
          std::string::npos);
    std::ofstream(dir + "/manifest.json", std::ios::trunc) << R"({"schema": 5})";
    CHECK(thrown_by([&] { npuemu::sweep::read_manifest(dir); }).find("not an npuemu sweep manifest") != std::string::npos);
}
