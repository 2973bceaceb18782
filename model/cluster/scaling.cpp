#include "model/cluster/scaling.h"

#include <algorithm>

#include "model/cluster/cluster_heat.h"
#include "model/cluster/step_model.h"
#include "model/common/error.h"

namespace npuemu::cluster {

std::vector<ScalingPoint> strong_scaling(const ClusterConfig& config, const std::string& file,
                                         const std::vector<std::string>& overrides) {
    const uint32_t group = config.plan.tensor_parallel * config.plan.pipeline_parallel * config.plan.context_parallel;
    std::vector<ScalingPoint> points;
    for (uint32_t dp = config.data_parallel(); dp >= 1; dp /= 2) {
        std::vector<std::string> sized = overrides;
        sized.push_back("chips.count=" + std::to_string(dp * group));
        try {
            const ClusterConfig c = load_cluster_config(file, sized);
            const StepResult r = simulate_cluster_step(c);
            points.push_back({c.chip_count, dp, r.step_s, r.tokens_per_s, r.mfu});
        } catch (const Error&) {
            // This replica count does not divide the global batch (or the memory): not a point of the curve.
        }
        if (dp == 1) break;
    }
    std::reverse(points.begin(), points.end());
    return points;
}

}  // namespace npuemu::cluster
