#include "model/cluster/straggler_losses.h"

#include <algorithm>
#include <map>
#include <string>

#include "model/common/error.h"

namespace npuemu::cluster {

void add_slowdown_losses(const ClusterConfig& c, const ChipSlowdowns& slowdowns, StepResult& r,
                         const StepWithStageFactors& step_with_stage_factors) {
    const std::vector<double>& factor = slowdowns.chip_compute_factor;
    if (factor.size() != c.chip_count) {
        throw Error("cluster: " + std::to_string(factor.size()) + " chip slowdowns for " +
                    std::to_string(c.chip_count) + " chips");
    }
    const uint32_t p = c.plan.pipeline_parallel, d = c.data_parallel();
    const uint32_t chips_per_stage_replica = c.plan.tensor_parallel * c.plan.context_parallel;  // TP x CP ranks
    double sum = 0;
    for (double f : factor) sum += f;
    const double mean = sum / factor.size();
    const double nominal_s = r.step_s;
    const double at_mean_s = step_with_stage_factors(std::vector<double>(p, mean));
    double actual_s = at_mean_s;
    r.slowest_replica = 0;
    if (slowdowns.policy == StragglerPolicy::Wait) {
        // Replicas whose stages are alike are simulated once (no spread: one pipeline for all).
        std::map<std::vector<double>, double> step_of;
        actual_s = 0;
        for (uint32_t j = 0; j < d; ++j) {
            std::vector<double> stage(p, 0.0);
            for (uint32_t s = 0; s < p; ++s) {
                for (uint32_t i = 0; i < chips_per_stage_replica; ++i) {
                    stage[s] = std::max(stage[s], factor[(size_t(s) * d + j) * chips_per_stage_replica + i]);
                }
            }
            auto found = step_of.find(stage);
            const double step_s = found != step_of.end()
                                      ? found->second
                                      : step_of.emplace(stage, step_with_stage_factors(stage)).first->second;
            if (step_s > actual_s) {
                actual_s = step_s;
                r.slowest_replica = j;
            }
        }
    }
    const double without_waiting_s = std::min(at_mean_s, actual_s);
    r.nominal_step_s = nominal_s;
    r.losses.throttling_s = without_waiting_s - nominal_s;
    r.losses.stragglers_s = actual_s - without_waiting_s;
    r.step_s = actual_s;
}

}  // namespace npuemu::cluster
