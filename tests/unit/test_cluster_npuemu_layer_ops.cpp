// An npuemu chip's layer as the firmware runs it (model/cluster/npuemu_chip.h, model/llm/layer_ops.h): with a profile
// that has the forward GEMMs' epilogues, the row passes and the backward ops (dX and dW GEMMs, row-pass backwards,
// column sums, the attention backward), the step charges exactly their profiled cycles; an older profile without them
// still loads, charges the backward as twice the forward and says so.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "model/cluster/cluster_config.h"
#include "model/cluster/npuemu_chip.h"
#include "model/cluster/step_model.h"
#include "model/llm/layer_ops.h"
#include "tests/unit/temp_yaml.h"
#include "tests/unit/tiny_npuemu_cluster.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

// A profile row with these cycles at 1 GHz and half of them at 500 MHz (the tiny table's two points).
nlohmann::json row(const std::string& name, const std::string& kind, uint64_t cycles) {
    return {{"name", name},
            {"kind", kind},
            {"m", 0},
            {"n", 0},
            {"k", 0},
            {"dtype", "bf16"},
            {"cycles", cycles},
            {"energy_j", 0.001},
            {"at_operating_points",
             {{{"frequency_mhz", 1000}, {"voltage_mv", 750}, {"cycles", cycles}, {"energy_j", 0.001}},
              {{"frequency_mhz", 500}, {"voltage_mv", 600}, {"cycles", cycles / 2}, {"energy_j", 0.0005}}}}};
}

nlohmann::json gemm_row(const llm::GemmShape& g, uint64_t cycles) {
    nlohmann::json r = row(g.name, "gemm", cycles);
    r["m"] = g.m;
    r["n"] = g.n;
    r["k"] = g.k;
    if (!g.plain()) {
        r["a_transposed"] = g.a_transposed;
        r["b_transposed"] = g.b_transposed;
        r["bias"] = g.bias;
        r["scale_cols"] = g.scale_cols;
        r["gelu"] = g.gelu;
        r["out"] = g.out_bf16 ? "bf16" : "fp32";
    }
    return r;
}

// The tiny table plus the layer's ops as run, each with distinct cycles (recorded in `cycles` by name).
nlohmann::json full_profile(std::map<std::string, uint64_t>& cycles) {
    nlohmann::json profile;
    std::ifstream(test::kTinyProfile) >> profile;
    llm::ModelSpec model;
    model.hidden = 256;
    model.heads = 4;
    model.seq_length = 128;
    llm::PlanSpec plan;
    plan.tensor_parallel = 2;
    uint64_t next = 10000;
    const auto take = [&](const std::string& name) { return cycles[name] = next += 1000; };
    for (const llm::GemmShape& g : llm::layer_gemms(model, plan, llm::GemmDtype::Bf16, true)) {
        profile["ops"].push_back(gemm_row(g, take(g.name + "_as_run")));
    }
    for (const llm::GemmShape& g : llm::layer_backward_gemms(model, plan)) {
        profile["ops"].push_back(gemm_row(g, take(g.name)));
    }
    for (const llm::RowPassShape& p : llm::layer_row_passes(model, plan)) {
        nlohmann::json r = row(p.name, "rows", take(p.name));
        r["pass"] = llm::row_pass_name(p.pass);
        r["rows"] = p.rows;
        r["cols"] = p.cols;
        r["scale_cols"] = p.scale_cols;
        profile["ops"].push_back(r);
    }
    nlohmann::json attention = row("attention_backward", "attention_backward", take("attention_backward"));
    attention["attention"] = {{"seq", 128}, {"heads", 2}, {"kv_heads", 2}, {"d_head", 64}, {"causal", 1}};
    profile["ops"].push_back(attention);
    return profile;
}

double op_s(const std::vector<std::pair<std::string, double>>& ops, const std::string& name) {
    for (const auto& [op, seconds] : ops) {
        if (op == name) return seconds;
    }
    FAIL("no op " << name);
    return 0;
}

}  // namespace

TEST_CASE("cluster npuemu chip: an older profile without backward ops still loads: backward twice the forward") {
    test::TempYaml file(test::tiny_npuemu_cluster(test::kTinyProfile));
    const ClusterConfig c = load_cluster_config(file.path());
    CHECK_FALSE(c.npuemu->epilogues_profiled);
    CHECK_FALSE(c.npuemu->rows_profiled);
    CHECK_FALSE(c.npuemu->backward_profiled);
    CHECK(c.npuemu->estimated_ops().find("backward (2x forward: the profile has no backward ops)") !=
          std::string::npos);
    const StepResult r = simulate_step(c);
    for (const auto& [name, forward_s] : r.layer_forward.ops) {
        CAPTURE(name);
        CHECK(op_s(r.layer_backward_ops, name) == doctest::Approx(2 * forward_s));
    }
}

TEST_CASE("cluster npuemu chip: the layer's epilogue GEMMs, row passes and backward ops take their profiled cycles") {
    std::map<std::string, uint64_t> cycles;
    test::TempYaml table(full_profile(cycles).dump());
    test::TempYaml file(test::tiny_npuemu_cluster(table.path()));
    const ClusterConfig c = load_cluster_config(file.path());
    REQUIRE(c.npuemu->epilogues_profiled);
    REQUIRE(c.npuemu->rows_profiled);
    REQUIRE(c.npuemu->backward_profiled);
    CHECK(c.npuemu->measured_ops().find("backward: dX and dW GEMMs") != std::string::npos);
    CHECK(c.npuemu->measured_ops().find("attention backward") != std::string::npos);
    CHECK(c.npuemu->estimated_ops().find("2x forward: the profile") == std::string::npos);
    const StepResult r = simulate_step(c);
    const auto s = [&cycles](std::initializer_list<const char*> names) {
        double total = 0;
        for (const char* name : names) total += double(cycles.at(name)) * 1e-9;  // the test chip's 1 GHz
        return total;
    };
    // Forward: the epilogue GEMMs; the norms and residual adds are the row passes; GELU is inside MLP up; the
    // dropout mask (1 byte per element; the firmware has none) at 80% of the HBM peak.
    const auto& f = r.layer_forward.ops;
    CHECK(op_s(f, "qkv") == doctest::Approx(s({"qkv_as_run"})));
    CHECK(op_s(f, "mlp_up") == doctest::Approx(s({"mlp_up_as_run"})));
    CHECK(op_s(f, "layernorm1") == doctest::Approx(s({"layernorm"})));
    CHECK(op_s(f, "bias_gelu") == 0);
    const double hbm_rate = c.chip.hbm_bandwidth_gbyte_per_s * 1e9 * 0.8, mask_bytes = 128.0 * 256;
    CHECK(op_s(f, "bias_dropout_add1") == doctest::Approx(s({"residual"}) + mask_bytes / hbm_rate));
    // Backward: each op's profiled parts.
    const auto& b = r.layer_backward_ops;
    CHECK(op_s(b, "qkv") == doctest::Approx(s({"scale_q", "qkv_dx", "qkv_dw", "bias_sums_qkv"})));
    CHECK(op_s(b, "proj") == doctest::Approx(s({"attention_out_dx", "attention_out_dw"})));
    CHECK(op_s(b, "mlp_up") == doctest::Approx(s({"mlp_up_dx", "mlp_up_dw"})));
    CHECK(op_s(b, "mlp_down") == doctest::Approx(s({"loss_to_bf16", "mlp_down_dx", "mlp_down_dw"})));
    CHECK(op_s(b, "bias_gelu") == doctest::Approx(s({"gelu_backward"})));
    CHECK(op_s(b, "layernorm2") == doctest::Approx(s({"layernorm_backward"})));
    CHECK(op_s(b, "bias_dropout_add2") == doctest::Approx(s({"bias_sums_hidden"}) + 2 * mask_bytes / hbm_rate));
    CHECK(op_s(b, "attention_scores") == doctest::Approx(s({"attention_backward"}) / 2));
    CHECK(op_s(b, "softmax") == 0);
    // What the profile cannot cover keeps the 2x rule: the attention dropout.
    CHECK(op_s(b, "attention_dropout") == doctest::Approx(2 * op_s(f, "attention_dropout")));

    // At an operating point every profiled op takes that point's cycles at its clock.
    const ClusterConfig slow = load_cluster_config(file.path(), {"chips.npuemu.operating_point_mhz=500"});
    CHECK(slow.npuemu->profiled_s.at("mlp_down_dw") == doctest::Approx(double(cycles.at("mlp_down_dw") / 2) / 500e6));
}

TEST_CASE("layer ops: GPT-3 175B's TP=8 backward GEMMs and row passes, as npu_decoder_train runs them") {
    llm::ModelSpec m;
    m.hidden = 12288;
    m.heads = 96;
    m.ffn_hidden = 4 * 12288;
    m.seq_length = 2048;
    llm::PlanSpec p;
    p.tensor_parallel = 8;
    const std::vector<llm::GemmShape> forward = llm::layer_gemms(m, p, llm::GemmDtype::Bf16, true);
    CHECK(forward[0].bias);
    CHECK(forward[0].scale_cols == 1536);  // q's 12 heads of 128
    CHECK(forward[0].out_bf16);
    CHECK(forward[1].out_bf16);  // TP > 1: BF16 partial sums
    CHECK(forward[2].gelu);
    CHECK_FALSE(forward[3].bias);
    const std::vector<llm::GemmShape> b = llm::layer_backward_gemms(m, p);
    REQUIRE(b.size() == 8);
    // qkv: X 2048 x 12288, W 12288 x 4608. dX = dY W^T: 2048 x 12288 x 4608; dW = X^T dY: 12288 x 4608 x 2048.
    CHECK(b[0].name == "qkv_dx");
    CHECK((b[0].m == 2048 && b[0].n == 12288 && b[0].k == 4608 && b[0].b_transposed && !b[0].out_bf16));
    CHECK(b[1].name == "qkv_dw");
    CHECK((b[1].m == 12288 && b[1].n == 4608 && b[1].k == 2048 && b[1].a_transposed && b[1].out_bf16));
    CHECK((b[2].name == "attention_out_dx" && b[2].out_bf16));  // do16, the attention backward's input
    CHECK((b[7].name == "mlp_down_dw" && b[7].m == 6144 && b[7].n == 12288 && b[7].k == 2048));
    const std::vector<llm::RowPassShape> rows = llm::layer_row_passes(m, p);
    std::map<std::string, llm::RowPassShape> by_name;
    for (const auto& r : rows) by_name[r.name] = r;
    CHECK(by_name.at("residual").pass == llm::RowPass::ResidualBf16);
    CHECK((by_name.at("gelu_backward").rows == 2048 && by_name.at("gelu_backward").cols == 6144));
    CHECK((by_name.at("scale_q").cols == 4608 && by_name.at("scale_q").scale_cols == 1536));
    CHECK(by_name.count("swiglu") == 0);
    CHECK(llm::attention_backward_supported(m, p));
    m.kv_heads = 8;  // grouped-query: npu_attention_backward takes as many KV heads as query heads
    CHECK_FALSE(llm::attention_backward_supported(m, p));
}
