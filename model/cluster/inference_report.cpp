#include "model/cluster/inference_report.h"

#include <cmath>
#include <cstdio>

namespace npuemu::cluster {

namespace {

// JSON has no infinity: a figure that grows without bound (a queue that never drains) is null.
nlohmann::ordered_json finite_or_null(double s) { return std::isfinite(s) ? nlohmann::ordered_json(s) : nullptr; }

nlohmann::ordered_json decode_json(const DecodeStep& d) {
    return {{"step_s", d.step_s}, {"compute_s", d.compute_s}, {"tp_s", d.tp_s}, {"pp_s", d.pp_s}};
}

}  // namespace

nlohmann::ordered_json inference_json(const ClusterConfig& c, const InferenceResult& r) {
    const WorkloadSpec& w = c.workload;
    nlohmann::ordered_json j;
    j["schema"] = "npuemu.cluster.inference/1";
    j["cluster"] = c.name;
    j["chip"] = c.chip.name;
    j["chips"] = c.chip_count;
    j["model"] = c.model.name;
    j["tensor_parallel"] = c.plan.tensor_parallel;
    j["pipeline_parallel"] = c.plan.pipeline_parallel;
    j["replicas"] = r.replicas;
    j["workload"] = {{"prompt_tokens", w.prompt_tokens},
                     {"output_tokens", w.output_tokens},
                     {"request_rate_per_s", w.request_rate_per_s},
                     {"max_batch", w.max_batch}};
    j["memory"] = {{"capacity_bytes", r.memory.capacity_bytes},
                   {"weights_bytes", r.memory.weights_bytes},
                   {"kv_bytes_per_token", r.memory.kv_bytes_per_token},
                   {"kv_bytes_per_sequence", r.memory.kv_bytes_per_sequence},
                   {"max_batch_fit", r.memory.max_batch_fit}};
    j["batch_cap"] = r.batch_cap;
    j["prefill_s"] = r.prefill_s;
    j["prefill_tp_s"] = r.prefill_tp_s;
    j["decode_at_batch_1"] = decode_json(r.decode_at_1);
    j["decode_at_batch_cap"] = decode_json(r.decode_at_cap);
    j["serving"] = {{"request_rate_per_replica_s", r.request_rate_per_replica_s},
                    {"prefill_share", r.prefill_share},
                    {"utilisation", r.utilisation},
                    {"sustainable", r.sustainable},
                    {"max_request_rate_per_s", r.max_request_rate_per_s},
                    {"settled_batch", r.settled_batch},
                    {"decode", decode_json(r.decode)},
                    {"mean_decoding_sequences", finite_or_null(r.mean_decoding_sequences)},
                    {"time_to_first_token_s", finite_or_null(r.time_to_first_token_s)},
                    {"time_per_output_token_s", finite_or_null(r.time_per_output_token_s)},
                    {"tokens_per_s_per_replica", r.tokens_per_s_per_replica},
                    {"tokens_per_s", r.tokens_per_s}};
    return j;
}

std::string inference_summary(const ClusterConfig& c, const InferenceResult& r) {
    const WorkloadSpec& w = c.workload;
    std::string out;
    char line[640];
    std::snprintf(line, sizeof line, "%s: %u x %s, %u replicas of TP %u x PP %u serving %s\n", c.name.c_str(),
                  c.chip_count, c.chip.name.c_str(), r.replicas, c.plan.tensor_parallel, c.plan.pipeline_parallel,
                  c.model.name.c_str());
    out += line;
    std::snprintf(line, sizeof line,
                  "requests: %u prompt + %u output tokens at %.3g/s (%.3g/s per replica), batch at most %u\n",
                  w.prompt_tokens, w.output_tokens, w.request_rate_per_s, r.request_rate_per_replica_s, w.max_batch);
    out += line;
    std::snprintf(line, sizeof line,
                  "HBM per chip: weights %.1f GB of %.1f; KV cache %.1f KB per token, %.3f GB per sequence: %u "
                  "sequences fit, batch cap %u\n",
                  r.memory.weights_bytes / 1e9, r.memory.capacity_bytes / 1e9, r.memory.kv_bytes_per_token / 1e3,
                  r.memory.kv_bytes_per_sequence / 1e9, r.memory.max_batch_fit, r.batch_cap);
    out += line;
    std::snprintf(line, sizeof line,
                  "prefill of one prompt %.2f ms (TP all-reduces %.2f); decode step %.2f ms at batch 1, %.2f ms at "
                  "batch %u (TP %.2f, PP %.2f)\n",
                  1e3 * r.prefill_s, 1e3 * r.prefill_tp_s, 1e3 * r.decode_at_1.step_s, 1e3 * r.decode_at_cap.step_s,
                  r.batch_cap, 1e3 * r.decode_at_cap.tp_s, 1e3 * r.decode_at_cap.pp_s);
    out += line;
    if (r.sustainable) {
        std::snprintf(line, sizeof line,
                      "serving: sustainable, utilisation %.1f%% of the capacity at batch %u; batch settles at %u "
                      "(step %.2f ms); TTFT %.1f ms, TPOT %.2f ms; %.0f output tokens/s per replica, %.0f for the "
                      "cluster; max rate %.3g requests/s\n",
                      100 * r.utilisation, r.batch_cap, r.settled_batch, 1e3 * r.decode.step_s,
                      1e3 * r.time_to_first_token_s, 1e3 * r.time_per_output_token_s, r.tokens_per_s_per_replica,
                      r.tokens_per_s, r.max_request_rate_per_s);
    } else {
        std::snprintf(line, sizeof line,
                      "serving: NOT sustainable, the offered load is %.1f%% of the capacity at batch %u: the queue "
                      "grows without bound; the max sustainable rate is %.3g requests/s (%.0f output tokens/s per "
                      "replica, %.0f for the cluster there, TPOT %.2f ms at batch %u)\n",
                      100 * r.utilisation, r.batch_cap, r.max_request_rate_per_s, r.tokens_per_s_per_replica,
                      r.tokens_per_s, 1e3 * r.time_per_output_token_s, r.settled_batch);
    }
    out += line;
    return out;
}

}  // namespace npuemu::cluster
