// The strong-scaling curve (model/cluster/scaling.h): the same cluster on fewer data-parallel replicas, the global
// batch kept; the configured size last, and tokens per second that grow with chips but less than linearly.
#include <doctest/doctest.h>

#include <string>

#include "model/cluster/scaling.h"
#include "model/cluster/step_model.h"

using namespace npuemu;
using namespace npuemu::cluster;

TEST_CASE("cluster scaling: halving the replicas at the same global batch, down to one replica") {
    const std::string file = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";
    const ClusterConfig config = load_cluster_config(file);
    const std::vector<ScalingPoint> curve = strong_scaling(config, file, {});
    REQUIRE(curve.size() >= 3);
    CHECK(curve.back().chips == config.chip_count);
    CHECK(curve.back().step_s == doctest::Approx(simulate_step(config).step_s));
    CHECK(curve.front().data_parallel == 1);
    for (size_t i = 1; i < curve.size(); ++i) {
        CHECK(curve[i].chips > curve[i - 1].chips);
        CHECK(curve[i].tokens_per_s > curve[i - 1].tokens_per_s);
        // Never better than linear from the point before (each replica's batch shrinks as chips are added).
        CHECK(curve[i].tokens_per_s / curve[i - 1].tokens_per_s <=
              doctest::Approx(double(curve[i].chips) / curve[i - 1].chips));
    }
}
