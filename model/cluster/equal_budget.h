// The product question's comparison: another cluster (say 4nm chips) given the same money or the same power as this
// one (budget: section), at the largest size its own plan allows within it (its TP x PP kept, data parallelism cut
// to fit, the same model; the global batch rounded only where it must be), each simulated; throughput per dollar
// and per watt side by side.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/cluster/cluster_config.h"
#include "model/cluster/step_model.h"

namespace npuemu::cluster {

struct BudgetPoint {
    std::string cluster, chip;
    uint32_t chips = 0;
    uint32_t global_batch = 0;
    double chip_price_usd = 0, chip_power_w = 0;
    StepResult step;

    double capex_usd() const { return chips * chip_price_usd; }
    double power_w() const { return chips * chip_power_w; }
};

struct EqualBudget {
    std::string other_file;
    BudgetPoint base;
    BudgetPoint equal_capex;  // the other cluster within the base's capex
    BudgetPoint equal_power;  // the other cluster within the base's chip power
};

// Throws, naming what is missing, when a price or a power is not given, or when a budget buys less than one
// TP x PP group of the other cluster.
EqualBudget compare_equal_budget(const ClusterConfig& base, const StepResult& base_step, const std::string& other_file,
                                 const std::vector<std::string>& other_overrides);

std::string equal_budget_summary(const EqualBudget& comparison);
nlohmann::ordered_json equal_budget_json(const EqualBudget& comparison);

}  // namespace npuemu::cluster
