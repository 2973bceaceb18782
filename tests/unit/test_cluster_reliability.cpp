// Failures and checkpointing in the cluster model (model/cluster/reliability.h): Young's optimum interval and the
// overhead it implies, the share of every step they take, and a job that cannot make progress refused.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "model/cluster/reliability.h"
#include "model/cluster/step_model.h"
#include "model/common/error.h"

using namespace npuemu;
using namespace npuemu::cluster;

namespace {

const std::string kSeleneFile = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";

}  // namespace

TEST_CASE("cluster reliability: Young's interval sqrt(2 delta M) and the overhead delta/tau + (tau/2 + R)/M") {
    ReliabilitySpec r;
    r.failures_per_chip_hour = 0.01;  // 100 chips: the job fails once an hour
    r.checkpoint_bytes_per_parameter = 14;
    r.storage_gbyte_per_s = 14;  // 1e9 parameters x 14 B at 14 GB/s: 1 s per checkpoint
    r.restart_s = 60;
    const FailureCost cost = failure_cost(r, 100, 1e9);
    CHECK(cost.job_mtbf_s == doctest::Approx(3600));
    CHECK(cost.checkpoint_write_s == doctest::Approx(1.0));
    CHECK(cost.checkpoint_interval_s == doctest::Approx(std::sqrt(2 * 1.0 * 3600)));
    const double tau = std::sqrt(7200.0);
    CHECK(cost.overhead_per_progress == doctest::Approx(1.0 / tau + (tau / 2 + 60) / 3600));
    // Young's interval is the minimum of the overhead: a shorter or longer one costs more.
    for (double interval : {tau / 2, tau * 2}) {
        r.checkpoint_interval_s = interval;
        CHECK(failure_cost(r, 100, 1e9).overhead_per_progress > cost.overhead_per_progress);
    }
    // No failures, no cost.
    CHECK(failure_cost(ReliabilitySpec{}, 100000, 1e12).overhead_per_progress == 0);
}

TEST_CASE("cluster reliability: a job that fails faster than it can checkpoint and restart is refused") {
    ReliabilitySpec r;
    r.failures_per_chip_hour = 1e-3;
    r.restart_s = 600;
    const std::string expected = "reliability: the job cannot make progress: it fails every 360 s (10000 chips";
    CHECK_THROWS_WITH_AS(failure_cost(r, 10000, 1e9), doctest::Contains(expected.c_str()), Error);
}

TEST_CASE("cluster reliability: the parameter count of GPT-3 175B, and failures take their share of every step") {
    const ClusterConfig selene = load_cluster_config(kSeleneFile);
    ModelSpec gpt3 = selene.model;
    gpt3.layers = 96;
    gpt3.hidden = 12288;
    gpt3.heads = 96;
    gpt3.vocab = 51200;
    CHECK(model_parameters(gpt3) == doctest::Approx(175e9).epsilon(0.01));

    const StepResult clean = simulate_step(selene);
    CHECK(clean.losses.failures_s == 0);
    // Llama 3's rate of job-stopping failures per GPU-hour.
    const ClusterConfig failing = load_cluster_config(kSeleneFile, {"reliability.failures_per_chip_hour=1.97e-5"});
    const StepResult r = simulate_step(failing);
    CHECK(r.failures.overhead_per_progress > 0);
    CHECK(r.losses.failures_s == doctest::Approx(clean.step_s * r.failures.overhead_per_progress));
    CHECK(r.step_s == doctest::Approx(clean.step_s * (1 + r.failures.overhead_per_progress)));
    CHECK(r.tokens_per_s < clean.tokens_per_s);
    const StepLosses& l = r.losses;
    CHECK(l.useful_compute_s + l.recompute_s + l.compute_inefficiency_s + l.tp_communication_s + l.pipeline_bubble_s +
              l.pp_communication_s + l.dp_communication_s + l.optimizer_s + l.failures_s ==
          doctest::Approx(r.step_s));
}
