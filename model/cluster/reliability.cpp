#include "model/cluster/reliability.h"

#include <cmath>
#include <cstdio>

#include "model/common/error.h"

namespace npuemu::cluster {

double model_parameters(const ModelSpec& m) {
    const double h = m.hidden, kv = m.kv_heads ? m.kv_heads : m.heads;
    const double ffn = m.ffn_hidden ? m.ffn_hidden : 4.0 * h;
    const double attention = h * h * 2 + 2 * h * kv * m.head_dim();  // Q and the output, K and V
    const double matrices = m.activation == llm::Activation::Swiglu ? 3.0 : 2.0;
    const double expert_ffn = m.expert_ffn_hidden ? m.expert_ffn_hidden : ffn;
    const double mlp = m.moe() ? m.experts * matrices * h * expert_ffn + h * m.experts  // experts and the router
                               : matrices * h * ffn;
    return double(m.layers) * (attention + mlp) + double(m.vocab) * h;
}

FailureCost failure_cost(const ReliabilitySpec& r, uint32_t chips, double parameters) {
    FailureCost cost;
    if (r.failures_per_chip_hour <= 0) return cost;
    cost.job_mtbf_s = 3600.0 / (r.failures_per_chip_hour * chips);
    cost.checkpoint_write_s = parameters * r.checkpoint_bytes_per_parameter / (r.storage_gbyte_per_s * 1e9);
    cost.checkpoint_interval_s = r.checkpoint_interval_s > 0 ? r.checkpoint_interval_s
                                                             : std::sqrt(2 * cost.checkpoint_write_s * cost.job_mtbf_s);
    const double tau = cost.checkpoint_interval_s, m = cost.job_mtbf_s;
    const double lost_share = (tau / 2 + r.restart_s) / m;
    if (lost_share >= 1) {
        char text[320];
        std::snprintf(text, sizeof text,
                      "reliability: the job cannot make progress: it fails every %.0f s (%u chips at %g failures per "
                      "chip-hour), less than half a checkpoint interval (%.0f s) plus a restart (%.0f s)",
                      m, chips, r.failures_per_chip_hour, tau, r.restart_s);
        throw Error(text);
    }
    cost.overhead_per_progress = cost.checkpoint_write_s / tau + lost_share;
    return cost;
}

}  // namespace npuemu::cluster
