#include "model/cluster/equal_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/cluster/cluster_heat.h"
#include "model/common/error.h"

namespace npuemu::cluster {

namespace {

double budget_power_w(const ClusterConfig& c) {
    return c.budget.chip_power_w > 0 ? c.budget.chip_power_w : c.chip.power_w;
}

BudgetPoint budget_point(const ClusterConfig& c, const StepResult& step) {
    BudgetPoint p;
    p.cluster = c.name;
    p.chip = c.chip.name;
    p.chips = c.chip_count;
    p.global_batch = c.model.global_batch;
    p.chip_price_usd = c.budget.chip_price_usd;
    p.chip_power_w = budget_power_w(c);
    p.step = step;
    return p;
}

void require_budget(const ClusterConfig& c, const std::string& where) {
    if (c.budget.chip_price_usd <= 0) {
        throw Error(where +
                    ": budget.chip_price_usd is not given (the equal-capex comparison needs both chips' prices)");
    }
    if (budget_power_w(c) <= 0) {
        throw Error(where +
                    ": neither budget.chip_power_w nor the chip's power_w is known (the equal-power "
                    "comparison needs both)");
    }
}

// The other cluster at the most chips its plan allows within `max_chips`: TP x PP x CP kept, data parallelism the
// largest that passes every check (network, memory). Where the global batch does not divide over it, the batch is rounded to
// the nearest that does (micro-batch x DP, x PP when interleaved) if that is within 5%: an operator uses the chips bought, and tokens per
// second stay comparable across a batch a few percent apart (the table shows it).
BudgetPoint largest_within(const std::string& file, const std::vector<std::string>& overrides,
                           const ClusterConfig& other, double max_chips, const char* budget) {
    const uint32_t group = other.plan.tensor_parallel * other.plan.pipeline_parallel * other.plan.context_parallel;
    const uint64_t most = static_cast<uint64_t>(std::floor(max_chips + 1e-9)) / group;
    if (most == 0) {
        throw Error(file + ": the " + std::string(budget) + " buys " + std::to_string(uint64_t(max_chips)) +
                    " chips, fewer than one " + (other.plan.context_parallel > 1 ? "TP x PP x CP" : "TP x PP") +
                    " group (" + std::to_string(group) + ")");
    }
    std::string last_error;
    const double batch = other.model.global_batch;
    for (uint64_t dp = most; dp >= 1; --dp) {
        const uint64_t quantum =
            dp * other.plan.micro_batch * (other.plan.virtual_stages > 1 ? other.plan.pipeline_parallel : 1);
        const uint64_t rounded = std::max<uint64_t>(1, std::llround(batch / double(quantum))) * quantum;
        const bool close = std::abs(double(rounded) - batch) <= 0.05 * batch;  // else fewer chips, the batch kept
        for (uint64_t global_batch : {uint64_t(other.model.global_batch), close ? rounded : 0}) {
            if (global_batch == 0) continue;
            std::vector<std::string> sized = overrides;
            sized.push_back("chips.count=" + std::to_string(dp * group));
            sized.push_back("model.global_batch=" + std::to_string(global_batch));
            try {
                const ClusterConfig sized_config = load_cluster_config(file, sized);
                return budget_point(sized_config, simulate_cluster_step(sized_config));
            } catch (const Error& e) {
                last_error = e.what();  // does not divide, or does not fit: the rounded batch, then fewer chips
            }
        }
    }
    throw Error(file + ": no size within the " + std::string(budget) + " works; the last refusal: " + last_error);
}

nlohmann::ordered_json point_json(const BudgetPoint& p) {
    return {{"cluster", p.cluster},
            {"chip", p.chip},
            {"chips", p.chips},
            {"global_batch", p.global_batch},
            {"capex_usd", p.capex_usd()},
            {"chip_power_w", p.power_w()},
            {"step_s", p.step.step_s},
            {"tokens_per_s", p.step.tokens_per_s},
            {"mfu", p.step.mfu},
            {"tokens_per_s_per_musd", p.step.tokens_per_s / (p.capex_usd() / 1e6)},
            {"tokens_per_s_per_kw", p.step.tokens_per_s / (p.power_w() / 1e3)}};
}

}  // namespace

EqualBudget compare_equal_budget(const ClusterConfig& base, const StepResult& base_step, const std::string& other_file,
                                 const std::vector<std::string>& other_overrides) {
    require_budget(base, base.source_file.empty() ? base.name : base.source_file);
    const ClusterConfig other = load_cluster_config(other_file, other_overrides);
    require_budget(other, other_file);
    EqualBudget comparison;
    comparison.other_file = other_file;
    comparison.base = budget_point(base, base_step);
    comparison.equal_capex = largest_within(other_file, other_overrides, other,
                                            comparison.base.capex_usd() / other.budget.chip_price_usd, "capex");
    comparison.equal_power = largest_within(other_file, other_overrides, other,
                                            comparison.base.power_w() / budget_power_w(other), "chip power");
    return comparison;
}

nlohmann::ordered_json equal_budget_json(const EqualBudget& c) {
    return {{"other", c.other_file},
            {"base", point_json(c.base)},
            {"equal_capex", point_json(c.equal_capex)},
            {"equal_power", point_json(c.equal_power)}};
}

std::string equal_budget_summary(const EqualBudget& c) {
    std::string out = "equal budget against " + c.other_file + " (its plan kept, data parallelism cut to fit):\n";
    char line[320];
    std::snprintf(line, sizeof line, "  %-34s %7s %6s %10s %9s %8s %11s %6s %13s %10s\n", "", "chips", "batch",
                  "capex $M", "chip MW", "step s", "tokens/s", "MFU", "tokens/s/$M", "tokens/s/kW");
    out += line;
    auto row = [&](const char* label, const BudgetPoint& p) {
        const std::string name = std::string(label) + " " + p.chip;
        std::snprintf(line, sizeof line, "  %-34s %7u %6u %10.1f %9.2f %8.3f %11.0f %5.1f%% %13.0f %10.0f\n",
                      name.c_str(), p.chips, p.global_batch, p.capex_usd() / 1e6, p.power_w() / 1e6, p.step.step_s,
                      p.step.tokens_per_s, 100 * p.step.mfu, p.step.tokens_per_s / (p.capex_usd() / 1e6),
                      p.step.tokens_per_s / (p.power_w() / 1e3));
        out += line;
    };
    row("this cluster:", c.base);
    row("same capex:", c.equal_capex);
    row("same chip power:", c.equal_power);
    std::snprintf(line, sizeof line,
                  "  throughput against this cluster: %.2fx at the same capex, %.2fx at the same chip power\n",
                  c.equal_capex.step.tokens_per_s / c.base.step.tokens_per_s,
                  c.equal_power.step.tokens_per_s / c.base.step.tokens_per_s);
    out += line;
    return out;
}

}  // namespace npuemu::cluster
