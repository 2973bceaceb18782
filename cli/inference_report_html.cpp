#include "cli/inference_report_html.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/report/html_page.h"
#include "cli/report/units.h"

namespace npuemu::cli {

namespace {

using report::Axis;
using report::Chart;
using report::ChartKind;
using report::Figure;
using report::fixed;
using report::Scale;

// The batches drawn: powers of two up to the cap, and the cap and the settled batch themselves.
std::vector<uint32_t> batches_to_draw(const cluster::InferenceResult& r) {
    std::vector<uint32_t> batches;
    for (uint32_t b = 1; b < r.batch_cap; b *= 2) batches.push_back(b);
    batches.push_back(r.batch_cap);
    std::vector<uint32_t> with_settled;
    for (uint32_t b : batches) {
        if (r.settled_batch > (with_settled.empty() ? 0 : with_settled.back()) && r.settled_batch < b) {
            with_settled.push_back(r.settled_batch);
        }
        if (with_settled.empty() || b != with_settled.back()) with_settled.push_back(b);
    }
    return with_settled;
}

// One replica's decode step and its parts against the batch (log x): the weights are read once a step whatever the
// batch, so the step grows slowly until the KV cache reads and the compute take over.
Figure decode_step_figure(const cluster::InferenceModel& model, const std::vector<uint32_t>& batches) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::line;
    c.title = "One decode step of a replica against its batch";
    c.x = Axis{"sequences in the batch", Scale::log, "", {}, false};
    c.y = Axis{"time (ms)", Scale::linear, "", {}, true};
    c.series_title = "part";
    c.width = 560;
    for (uint32_t b : batches) {
        const cluster::DecodeStep step = model.decode_step(b);
        const std::string batch = std::to_string(b);
        auto add = [&](const char* series, double seconds) {
            c.points.push_back({{"id", batch + ", " + series},
                                {"x", b},
                                {"y", seconds * 1e3},
                                {"series", series},
                                {"tip", {{"batch", batch}, {"ms", fixed(seconds * 1e3, 3)}}}});
        };
        add("step", step.step_s);
        add("compute (weights and KV cache reads)", step.compute_s);
        add("TP all-reduces", step.tp_s);
        add("PP sends", step.pp_s);
    }
    f.caption =
        "The step is the chip's ops (each layer's GEMMs at m = batch, floored by their weight reads at the "
        "HBM rate, and every sequence's KV cache read), its TP all-reduces and its PP sends "
        "(docs/cluster.md, \"Inference serving\").";
    return f;
}

// Output tokens per second of one replica if it only decoded at that batch: what batching buys.
Figure decode_throughput_figure(const cluster::InferenceModel& model, const std::vector<uint32_t>& batches) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::line;
    c.title = "Decode throughput of a replica against its batch";
    c.x = Axis{"sequences in the batch", Scale::log, "", {}, false};
    c.y = Axis{"output tokens per second", Scale::log, "", {}, false};
    c.series_title = "figure";
    c.width = 560;
    for (uint32_t b : batches) {
        const double tokens_per_s = b / model.decode_step(b).step_s;
        c.points.push_back({{"id", std::to_string(b)},
                            {"x", b},
                            {"y", tokens_per_s},
                            {"series", "batch / step"},
                            {"tip", {{"batch", std::to_string(b)}, {"tokens/s", fixed(tokens_per_s, 0)}}}});
    }
    f.caption = "Batch over step time, prefills aside: the ceiling continuous batching approaches at each batch.";
    return f;
}

// TTFT and TPOT against the cluster's request rate, from a tenth of its capacity to just below it.
Figure latency_figure(const cluster::ClusterConfig& config, const cluster::InferenceResult& r) {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::line;
    c.title = "Latency against the request rate";
    c.x = Axis{"requests per second (the cluster's)", Scale::linear, "", {}, true};
    c.y = Axis{"time (ms)", Scale::log, "", {}, false};
    c.series_title = "latency";
    c.width = 560;
    for (int tenth = 1; tenth <= 10; ++tenth) {
        cluster::ClusterConfig at = config;
        at.workload.request_rate_per_s = r.max_request_rate_per_s * (tenth == 10 ? 0.97 : tenth / 10.0);
        const cluster::InferenceResult served = cluster::simulate_inference(at);
        const std::string rate = fixed(at.workload.request_rate_per_s, 3);
        const std::string batch = std::to_string(served.settled_batch);
        c.points.push_back({{"id", rate + " TTFT"},
                            {"x", at.workload.request_rate_per_s},
                            {"y", served.time_to_first_token_s * 1e3},
                            {"series", "time to first token"},
                            {"tip",
                             {{"requests/s", rate},
                              {"TTFT ms", fixed(served.time_to_first_token_s * 1e3, 1)},
                              {"settled batch", batch}}}});
        c.points.push_back({{"id", rate + " TPOT"},
                            {"x", at.workload.request_rate_per_s},
                            {"y", served.time_per_output_token_s * 1e3},
                            {"series", "time per output token"},
                            {"tip",
                             {{"requests/s", rate},
                              {"TPOT ms", fixed(served.time_per_output_token_s * 1e3, 2)},
                              {"settled batch", batch}}}});
    }
    f.caption =
        "The steady state at each rate (a tenth of the capacity to 97% of it): the batch continuous batching "
        "settles at, the prefill queue (M/D/1) and the decode steps. Capacity: " +
        fixed(r.max_request_rate_per_s, 3) + " requests/s.";
    return f;
}

}  // namespace

std::string inference_report_html(const cluster::ClusterConfig& config, const cluster::InferenceResult& r) {
    const cluster::WorkloadSpec& w = config.workload;
    report::Page page;
    page.title = "npuemu cluster inference: " + config.name;
    page.paragraphs.push_back(
        std::to_string(config.chip_count) + " x " + config.chip.name + " as " + std::to_string(r.replicas) +
        (r.replicas == 1 ? " replica" : " replicas") + " of TP " + std::to_string(config.plan.tensor_parallel) +
        " x PP " + std::to_string(config.plan.pipeline_parallel) + "; " + config.model.name + ", prompts of " +
        std::to_string(w.prompt_tokens) + " tokens, " + std::to_string(w.output_tokens) + " output tokens, " +
        fixed(w.request_rate_per_s, 3) + " requests/s. Source: " + config.source_file + ".");
    const cluster::InferenceModel model(config);
    const std::vector<uint32_t> batches = batches_to_draw(r);

    report::Section serving;
    serving.heading = "Serving at " + fixed(w.request_rate_per_s, 3) + " requests/s";
    if (r.sustainable) serving.figures.push_back(latency_figure(config, r));
    report::Table figures;
    figures.columns = {"figure", "value"};
    auto row = [&figures](const std::string& name, double value, int decimals) {
        figures.rows.push_back({name, {{"text", fixed(value, decimals)}, {"sort", value}}});
    };
    row("time to first token (ms)", r.time_to_first_token_s * 1e3, 1);
    row("time per output token (ms)", r.time_per_output_token_s * 1e3, 2);
    row("output tokens per second, cluster", r.tokens_per_s, 0);
    row("settled decode batch", r.settled_batch, 0);
    row("replica busy share at the batch cap (%)", 100 * r.utilisation, 1);
    row("capacity (requests per second)", r.max_request_rate_per_s, 3);
    row("prefill of one prompt (ms)", r.prefill_s * 1e3, 1);
    row("its TP all-reduces (ms)", r.prefill_tp_s * 1e3, 1);
    row("KV cache per sequence (MB, one chip)", r.memory.kv_bytes_per_sequence / 1e6, 1);
    row("batch that fits in HBM", r.memory.max_batch_fit, 0);
    serving.tables.push_back(figures);
    if (!r.sustainable) {
        serving.paragraphs.push_back(
            "The rate is above the replicas' capacity: the prompts queue without bound; the "
            "figures are those of the requests served at the capacity.");
    }
    page.sections.push_back(serving);

    report::Section decode;
    decode.heading = "The decode step";
    decode.figures.push_back(decode_step_figure(model, batches));
    decode.figures.push_back(decode_throughput_figure(model, batches));
    page.sections.push_back(decode);
    return report::render_html(page);
}

}  // namespace npuemu::cli
