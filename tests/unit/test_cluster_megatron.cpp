// External check of the cluster model: configured as the A100 Selene cluster of Narayanan et al. (SC'21), one
// training step per row of the paper's Table 1 (../shared/reference/megatron2021_table1.csv, read here, never copied)
// must give the published achieved TFLOP/s per GPU within 10%, and the same trend with model size. The chip's
// efficiency table is the A100 preset's, from GEMM benchmarks; nothing is fitted per row (docs/cluster.md).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"

using namespace npuemu::cluster;

namespace {

struct Row {
    double params_billion, heads, hidden, layers, tp, pp, gpus, batch, tflops;
};

std::vector<Row> read_table(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "the published table is missing: " << path
                                   << " (CI keeps ../shared beside the source tree)");
    std::vector<Row> rows;
    std::string line;
    bool header = false;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (!header) {
            REQUIRE(line.rfind("params_billion,attention_heads,hidden_size,layers,tensor_parallel,pipeline_parallel,"
                               "gpus,batch_size,achieved_tflops_per_gpu",
                               0) == 0);
            header = true;
            continue;
        }
        std::vector<double> v;
        std::stringstream fields(line);
        for (std::string f; std::getline(fields, f, ',');) v.push_back(std::stod(f));
        REQUIRE(v.size() >= 9);
        rows.push_back({v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]});
    }
    return rows;
}

// The paper does not publish the chunks per stage of its interleaved schedule: the smallest count >= 2 that divides
// the stage's layers (one rule for every row).
uint32_t virtual_stages(const Row& r) {
    if (r.pp < 2) return 1;
    const uint32_t per_stage = static_cast<uint32_t>(r.layers / r.pp);
    for (uint32_t v = 2; v <= per_stage; ++v) {
        if (per_stage % v == 0) return v;
    }
    return 1;
}

std::vector<std::string> overrides_for(const Row& r) {
    auto set = [](const char* key, double value) { return std::string(key) + "=" + std::to_string(long(value)); };
    return {set("chips.count", r.gpus),           set("model.layers", r.layers),
            set("model.hidden", r.hidden),        set("model.heads", r.heads),
            set("model.global_batch", r.batch),   set("plan.tensor_parallel", r.tp),
            set("plan.pipeline_parallel", r.pp),  set("plan.virtual_stages", virtual_stages(r))};
}

// Ranks with ties averaged, then Pearson's correlation of the ranks.
std::vector<double> ranks(const std::vector<double>& v) {
    std::vector<double> r(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        double below = 0, equal = 0;
        for (double x : v) {
            below += x < v[i];
            equal += x == v[i];
        }
        r[i] = below + (equal + 1) / 2;
    }
    return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    const std::vector<double> ra = ranks(a), rb = ranks(b);
    const double n = double(a.size()), mean = (n + 1) / 2;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        sab += (ra[i] - mean) * (rb[i] - mean);
        saa += (ra[i] - mean) * (ra[i] - mean);
        sbb += (rb[i] - mean) * (rb[i] - mean);
    }
    return sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST_CASE("cluster: Megatron-LM on Selene (SC'21 Table 1): achieved TFLOP/s per GPU within 10% on every row, "
          "and the trend with model size") {
    const std::vector<Row> rows = read_table(std::string(NPUEMU_SHARED_REFERENCE_DIR) + "/megatron2021_table1.csv");
    REQUIRE(rows.size() >= 10);
    const std::string base = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";
    std::vector<double> model, paper;
    for (const Row& r : rows) {
        const StepResult result = simulate_step(load_cluster_config(base, overrides_for(r)));
        model.push_back(result.megatron_tflops_per_chip);
        paper.push_back(r.tflops);
        const double error = (result.megatron_tflops_per_chip - r.tflops) / r.tflops;
        INFO(r.params_billion << "B: model " << result.megatron_tflops_per_chip << " TFLOP/s, paper " << r.tflops
                              << ", error " << 100 * error << "%");
        CHECK(std::fabs(error) <= 0.10);
    }
    // The trend: the three largest models run at a higher rate per GPU than the three smallest, in the paper and in
    // the model, by gains within 10% of each other; and the rows rank alike (Spearman's rho >= 0.6).
    auto mean = [](const std::vector<double>& v, size_t from, size_t to) {
        double s = 0;
        for (size_t i = from; i < to; ++i) s += v[i];
        return s / double(to - from);
    };
    const size_t n = rows.size();
    const double paper_gain = mean(paper, n - 3, n) / mean(paper, 0, 3);
    const double model_gain = mean(model, n - 3, n) / mean(model, 0, 3);
    INFO("largest/smallest three: paper " << paper_gain << ", model " << model_gain);
    CHECK(model_gain > 1.0);
    CHECK(std::fabs(model_gain / paper_gain - 1) < 0.10);
    const double rho = spearman(model, paper);
    INFO("Spearman's rho " << rho);
    CHECK(rho >= 0.6);
}
