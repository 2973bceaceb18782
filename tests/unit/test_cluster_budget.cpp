// The equal-budget comparison (model/cluster/equal_budget.h): another cluster sized to this one's capex and chip
// power at the most chips its plan allows, and the refusals when a price or a power is missing or too little.
#include <doctest/doctest.h>

#include <string>

#include "model/cluster/equal_budget.h"
#include "model/common/error.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

const std::string kGpt3Dir = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/gpt3_10k/";

EqualBudget budget_against(const std::vector<std::string>& base_overrides, const std::string& other,
                           const std::vector<std::string>& other_overrides = {}) {
    const ClusterConfig base = load_cluster_config(kGpt3Dir + "npuemu_default.yaml", base_overrides);
    return compare_equal_budget(base, simulate_step(base), kGpt3Dir + other, other_overrides);
}

}  // namespace

TEST_CASE("cluster budget: the other cluster gets the most chips its plan allows within the same capex and power") {
    const EqualBudget c = budget_against({"budget.chip_price_usd=10000", "budget.chip_power_w=250"}, "h100.yaml",
                                         {"budget.chip_price_usd=30000"});
    const uint32_t group = 8 * 16;  // the H100 plan's TP x PP
    CHECK(c.base.capex_usd() == doctest::Approx(10240 * 10000.0));
    CHECK(c.base.power_w() == doctest::Approx(10240 * 250.0));
    for (const BudgetPoint* p : {&c.equal_capex, &c.equal_power}) {
        CHECK(p->chips % group == 0);
        CHECK(p->step.step_s > 0);
        // The global batch stays within 5% of the plan's 2560 (rounded only where DP does not divide it).
        CHECK(p->global_batch >= 2432);
        CHECK(p->global_batch <= 2688);
    }
    // Within the budget, and one more data-parallel group would not be.
    CHECK(c.equal_capex.capex_usd() <= c.base.capex_usd());
    CHECK(c.equal_capex.capex_usd() + group * 30000.0 > c.base.capex_usd());
    CHECK(c.equal_capex.chips == 3328);  // 102.4 M$ / 30 k$ = 3413 chips: 26 groups of 128 (batch 2496 = 26 x 96)
    CHECK(c.equal_power.power_w() <= c.base.power_w());
    CHECK(c.equal_power.chips == 3584);  // 2.56 MW / 700 W = 3657 chips: 28 groups (batch 2688 = 28 x 16 x 6, +5%)
    // More chips for the same money deliver more tokens.
    const EqualBudget cheaper = budget_against({"budget.chip_price_usd=10000", "budget.chip_power_w=250"}, "h100.yaml",
                                               {"budget.chip_price_usd=20000"});
    CHECK(cheaper.equal_capex.chips > c.equal_capex.chips);
    CHECK(cheaper.equal_capex.step.tokens_per_s > c.equal_capex.step.tokens_per_s);
}

TEST_CASE("cluster budget: a missing price or a budget below one TP x PP group is refused, saying which") {
    CHECK_THROWS_WITH_AS(budget_against({"budget.chip_price_usd=0"}, "h100.yaml"),
                         doctest::Contains("budget.chip_price_usd is not given"), Error);
    CHECK_THROWS_WITH_AS(budget_against({}, "h100.yaml", {"budget.chip_price_usd=0"}),
                         doctest::Contains("h100.yaml: budget.chip_price_usd is not given"), Error);
    CHECK_THROWS_WITH_AS(budget_against({"budget.chip_price_usd=300"}, "h100.yaml"),
                         doctest::Contains("the capex buys 102 chips, fewer than one TP x PP group (128)"), Error);
}
