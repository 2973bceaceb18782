// Sweep descriptions: expressions, spec validation, planning (grid, zip, random, constraints), point ids, shards.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "cli/sweep/cluster_workload.h"
#include "cli/sweep/expression.h"
#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_spec.h"
#include "model/common/error.h"

using namespace npuemu::sweep;

namespace {

std::string write_spec(const std::string& name, const std::string& parameters, const std::string& extra = "") {
    const std::string path = std::string("/tmp/npuemu_unit_sweep_") + name + ".yaml";
    std::ofstream out(path);
    out << "sweep: {base: test}\nworkloads:\n  - {name: hello, image: " << NPUEMU_FIRMWARE_DIR << "/hello.elf}\n"
        << "parameters:\n"
        << parameters << extra;
    return path;
}

std::string error_of(const std::string& path) {
    try {
        const SweepSpec spec = load_sweep_spec(path, "");
        Plan plan = make_plan(spec);
        validate_plan(spec, plan);
    } catch (const npuemu::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("sweep: expressions follow the usual precedence") {
    auto eval = [](const std::string& text) {
        return Expression::parse(text).evaluate([](const std::string& name) -> std::optional<double> {
            if (name == "chip.tiles") return 4.0;
            if (name == "npu.matrix.rows") return 16.0;
            return std::nullopt;
        });
    };
    CHECK(eval("1 + 2 * 3") == 7);
    CHECK(eval("(1 + 2) * 3") == 9);
    CHECK(eval("chip.tiles * npu.matrix.rows <= 64") == 1);
    CHECK(eval("chip.tiles * npu.matrix.rows < 64") == 0);
    CHECK(eval("!(chip.tiles == 4) || 7 % 4 == 3 && -1 < 0") == 1);
    CHECK(Expression::parse("a.b + c_d").names() == std::set<std::string>{"a.b", "c_d"});
    CHECK_THROWS_WITH_AS(eval("nope + 1"), doctest::Contains("no value named 'nope'"), npuemu::Error);
    CHECK_THROWS_WITH_AS(Expression::parse("1 +"), doctest::Contains("column 4"), npuemu::Error);
    CHECK_THROWS_WITH_AS(Expression::parse("(1 + 2"), doctest::Contains("expected ')'"), npuemu::Error);
}

TEST_CASE("sweep: a grid is the product of its axes, a zip walks in lockstep, groups multiply") {
    const SweepSpec spec =
        load_sweep_spec(write_spec("grid",
                                   "  - grid:\n      chip.tiles: [1, 2]\n      npu.matrix.rows: [8, 16, 32]\n"
                                   "  - zip:\n      npu.matrix.cols: [8, 16]\n      npu.queue_depth: [4, 8]\n"),
                        "");
    Plan plan = make_plan(spec);
    REQUIRE(plan.points.size() == 12);
    CHECK(plan.points[0].overrides() ==
          std::vector<std::string>{"chip.tiles=1", "npu.matrix.rows=8", "npu.matrix.cols=8", "npu.queue_depth=4"});
    CHECK(plan.points[1].overrides() ==
          std::vector<std::string>{"chip.tiles=1", "npu.matrix.rows=8", "npu.matrix.cols=16", "npu.queue_depth=8"});
    CHECK(plan.points[11].overrides() ==
          std::vector<std::string>{"chip.tiles=2", "npu.matrix.rows=32", "npu.matrix.cols=16", "npu.queue_depth=8"});
    std::set<std::string> ids;
    for (const auto& p : plan.points) ids.insert(p.id);
    CHECK(ids.size() == 12);
    for (size_t i = 0; i < plan.points.size(); ++i) CHECK(plan.points[i].index == i);
    CHECK_NOTHROW(validate_plan(spec, plan));
}

TEST_CASE("sweep: a point's id depends on its settings, not on their order in the spec") {
    CHECK(point_id("gemm", {}, {{"a", "1"}, {"b", "2"}}) == point_id("gemm", {}, {{"b", "2"}, {"a", "1"}}));
    CHECK(point_id("gemm", {}, {{"a", "1"}}) != point_id("gemm", {}, {{"a", "2"}}));
    CHECK(point_id("gemm", {}, {{"a", "1"}}) != point_id("conv", {}, {{"a", "1"}}));
    CHECK(point_id("gemm", {"--max-cycles", "5"}, {{"a", "1"}}) != point_id("gemm", {}, {{"a", "1"}}));
    const SweepSpec forward = load_sweep_spec(write_spec("fwd", "  - grid:\n      chip.tiles: [1, 2, 4]\n"), "");
    const SweepSpec backward = load_sweep_spec(write_spec("bwd", "  - grid:\n      chip.tiles: [4, 2, 1]\n"), "");
    CHECK(make_plan(forward).points[0].id == make_plan(backward).points[2].id);
}

TEST_CASE("sweep: random sampling is seeded, in range, and the same every time") {
    const std::string random =
        "  - random:\n      samples: 20\n      seed: 7\n      values:\n"
        "        npu.dma.bandwidth_bytes_per_cycle: {min: 8, max: 64}\n"
        "        npu.dma.burst_bytes: {choices: [64, 128, 256]}\n";
    const SweepSpec spec = load_sweep_spec(write_spec("random", random), "");
    const Plan a = make_plan(spec), b = make_plan(spec);
    REQUIRE(a.points.size() >= 15);  // duplicates are run once
    for (size_t i = 0; i < a.points.size(); ++i) {
        CHECK(a.points[i].id == b.points[i].id);
        const int bandwidth = std::stoi(a.points[i].settings[0].second);
        CHECK(bandwidth >= 8);
        CHECK(bandwidth <= 64);
        CHECK(std::set<std::string>{"64", "128", "256"}.count(a.points[i].settings[1].second) == 1);
    }
}

TEST_CASE("sweep: constraints skip points") {
    const SweepSpec spec = load_sweep_spec(
        write_spec("constraint", "  - grid:\n      chip.tiles: [1, 2, 4]\n      npu.matrix.rows: [8, 16]\n",
                   "constraints:\n  - \"chip.tiles * npu.matrix.rows <= 32\"\n"),
        "");
    const Plan plan = make_plan(spec);
    CHECK(plan.points.size() == 5);
    CHECK(plan.rejected_by_constraints == 1);
}

TEST_CASE("sweep: bad descriptions name file, line, column and key") {
    CHECK(error_of(write_spec("empty", "  - grid:\n      chip.tiles: []\n"))
              .find("empty.yaml:6:19: parameters[0].grid.chip.tiles: the list is empty") != std::string::npos);
    CHECK(error_of(write_spec("zip", "  - zip:\n      chip.tiles: [1, 2]\n      npu.matrix.rows: [8]\n"))
              .find("a zip walks its lists in lockstep") != std::string::npos);
    CHECK(error_of(write_spec("twice", "  - grid:\n      chip.tiles: [1]\n  - grid:\n      chip.tiles: [2]\n"))
              .find("'chip.tiles' is swept twice") != std::string::npos);
    CHECK(error_of(write_spec("kind", "  - cube:\n      chip.tiles: [1]\n"))
              .find("unknown parameter group (expected grid, zip or random)") != std::string::npos);
    CHECK(error_of(write_spec("unknown", "  - grid:\n      chip.tilez: [1]\n"))
              .find("unknown.yaml:6:7: parameters[0].grid.chip.tilez: --set chip.tilez=1: chip.tilez: unknown key") !=
          std::string::npos);
    CHECK(error_of(write_spec("constraint_key", "  - grid:\n      chip.tiles: [1]\n",
                              "constraints: [\"npu.matrix.rows > 1\"]\n"))
              .find("'npu.matrix.rows' is not a swept parameter") != std::string::npos);
    CHECK(error_of(write_spec("topkey", "  - grid:\n      chip.tiles: [1]\n", "metric: [sim.cycles]\n"))
              .find("topkey.yaml:7:1: metric: unknown key") != std::string::npos);
    CHECK(error_of(write_spec("owned", "  - grid:\n      chip.tiles: [1]\n", "")).empty());
    CHECK(error_of(write_spec("none", "  - grid:\n      chip.tiles: [1, 2]\n", "constraints: [\"chip.tiles > 2\"]\n"))
              .find("the sweep has no points (2 rejected by the constraints)") != std::string::npos);
}

TEST_CASE("sweep: shards split the points round-robin and cover each exactly once") {
    CHECK(parse_shard("0/1") == std::pair<size_t, size_t>{0, 1});
    CHECK(parse_shard("3/4") == std::pair<size_t, size_t>{3, 4});
    for (const char* bad : {"4/4", "1", "/2", "1/", "-1/2", "a/b", "0/0", "1/2/3"}) {
        CHECK_THROWS_WITH_AS(parse_shard(bad), doctest::Contains("expected I/N"), npuemu::Error);
    }
    const SweepSpec spec =
        load_sweep_spec(write_spec("shards", "  - grid:\n      chip.tiles: [1, 2, 3, 4, 5, 6, 7]\n"), "");
    const Plan plan = make_plan(spec);
    std::multiset<size_t> seen;
    for (size_t i = 0; i < 3; ++i) {
        for (const auto& p : shard_points(plan.points, i, 3)) {
            CHECK(p.index % 3 == i);
            seen.insert(p.index);
        }
    }
    CHECK(seen.size() == 7);
    CHECK(std::set<size_t>(seen.begin(), seen.end()).size() == 7);
}

TEST_CASE("sweep: {sweep_dir} in a workload's args is the sweep file's directory") {
    const std::string path = "/tmp/npuemu_unit_sweep_dir.yaml";
    {
        std::ofstream out(path);
        out << "sweep: {base: test}\nworkloads:\n  - {name: hello, image: " << NPUEMU_FIRMWARE_DIR
            << "/hello.elf, args: ['--load', '{sweep_dir}/job.bin@0x81000000']}\n"
            << "parameters:\n  - grid:\n      chip.tiles: [1]\n";
    }
    const SweepSpec spec = load_sweep_spec(path, "");
    REQUIRE(spec.workloads.size() == 1);
    REQUIRE(spec.workloads[0].args.size() == 2);
    CHECK(spec.workloads[0].args[1] == "/tmp/job.bin@0x81000000");
}

TEST_CASE("sweep: {sweep_dir} is replaced once even when the directory's own name contains it") {
    const std::string dir = "/tmp/npuemu_unit_{sweep_dir}_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/s.yaml";
    {
        std::ofstream out(path);
        out << "sweep: {base: test}\nworkloads:\n  - {name: hello, image: " << NPUEMU_FIRMWARE_DIR
            << "/hello.elf, args: ['--load', '{sweep_dir}/a.bin@0x81000000']}\n"
            << "parameters:\n  - grid:\n      chip.tiles: [1]\n";
    }
    const SweepSpec spec = load_sweep_spec(path, "");
    std::filesystem::remove_all(dir);
    REQUIRE(spec.workloads.size() == 1);
    REQUIRE(spec.workloads[0].args.size() == 2);
    CHECK(spec.workloads[0].args[1] == dir + "/a.bin@0x81000000");
}

TEST_CASE("sweep: a spec named by another path gives the same point ids; an edited {sweep_dir} input new ones") {
    const std::string dir = "/tmp/npuemu_unit_sweep_ids_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir + "/sub");
    std::ofstream(dir + "/job.bin") << "one";
    std::ofstream(dir + "/s.yaml") << "sweep: {base: test}\nworkloads:\n  - {name: hello, image: "
                                   << NPUEMU_FIRMWARE_DIR
                                   << "/hello.elf, args: ['--load', '{sweep_dir}/job.bin@0x81000000']}\n"
                                   << "parameters:\n  - grid:\n      chip.tiles: [1, 2]\n";
    auto ids = [](const std::string& path) {
        const SweepSpec spec = load_sweep_spec(path, "");
        Plan plan = make_plan(spec);
        validate_plan(spec, plan);
        std::vector<std::string> out;
        for (const auto& point : plan.points) out.push_back(point.id);
        return out;
    };
    const std::vector<std::string> direct = ids(dir + "/s.yaml");
    CHECK(ids(dir + "/sub/../s.yaml") == direct);  // {sweep_dir} expands to another text, the same file
    std::ofstream(dir + "/job.bin") << "two";
    CHECK(ids(dir + "/s.yaml") != direct);  // the file it names is covered by its content
    std::filesystem::remove_all(dir);
}

TEST_CASE("sweep: a cluster step's values are its numbers by JSON path, arrays and text left out") {
    const nlohmann::json step = nlohmann::json::parse(
        R"({"schema": "npuemu.cluster.step/1", "chips": 16, "step_s": 1.5, "losses": {"stragglers": {"s": 0.25,
            "share": 0.1}}, "heat": {"racks": [{"power_w": 3}], "power": {"facility_w": 2e6}}})");
    const nlohmann::json values = step_values(step);
    CHECK(values.size() == 5);
    CHECK(values["chips"] == 16);
    CHECK(values["step_s"] == 1.5);
    CHECK(values["losses.stragglers.s"] == 0.25);
    CHECK(values["losses.stragglers.share"] == 0.1);
    CHECK(values["heat.power.facility_w"] == 2e6);
    CHECK_THROWS_AS(step_values(nlohmann::json::array()), npuemu::Error);
}

TEST_CASE("sweep: a cluster sweep's points are checked against its cluster file and named by its content") {
    const std::string selene = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";
    const auto spec_file = [&selene](const std::string& name, const std::string& parameters) {
        const std::string path = std::string("/tmp/npuemu_unit_sweep_cluster_") + name + ".yaml";
        std::ofstream(path) << "workloads:\n  - {name: selene, cluster: " << selene << "}\nparameters:\n" << parameters;
        return path;
    };
    const SweepSpec spec = load_sweep_spec(spec_file("ok", "  - grid:\n      chips.count: [768, 1536]\n"), "");
    CHECK(spec.kind == WorkloadKindId::Cluster);
    CHECK(spec.base_config.empty());
    REQUIRE(spec.metrics.size() == 17);  // step_s, tokens_per_s, mfu, model_tflops_per_chip and the 13 losses
    CHECK(spec.metrics[4].name == "losses.useful_compute.s");
    Plan plan = make_plan(spec);
    const std::string unvalidated_id = plan.points[0].id;
    validate_plan(spec, plan);
    REQUIRE(plan.points.size() == 2);
    CHECK(plan.points[0].id != unvalidated_id);  // the files' content joined the id
    CHECK(error_of(spec_file("key", "  - grid:\n      plan.tensor_paralel: [8]\n"))
              .find("npuemu_unit_sweep_cluster_key.yaml:5:7: parameters[0].grid.plan.tensor_paralel: --set "
                    "plan.tensor_paralel=8") != std::string::npos);
    CHECK(error_of(spec_file("divide", "  - grid:\n      chips.count: [1000]\n"))
              .find("does not divide the 1000 chips") != std::string::npos);
}
