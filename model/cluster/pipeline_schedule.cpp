#include "model/cluster/pipeline_schedule.h"

#include <algorithm>
#include <limits>

#include "model/common/error.h"

namespace npuemu::cluster {

namespace {

struct Task {
    bool forward;
    uint32_t micro_batch;
    uint32_t chunk;
};

// Megatron's order on one stage: warm-up forwards, then one forward one backward, then cool-down backwards. The
// k-th virtual micro-batch maps to a chunk and micro-batch in groups of `stages` (forward: chunks ascending,
// backward: descending).
std::vector<Task> stage_order(uint32_t stage, uint32_t stages, uint32_t chunks, uint32_t micro_batches) {
    const uint32_t total = micro_batches * chunks;
    const uint32_t warmup = chunks == 1 ? std::min(stages - stage - 1, total)
                                        : std::min((stages - stage - 1) * 2 + (chunks - 1) * stages, total);
    auto task = [&](uint32_t k, bool forward) {
        const uint32_t in_group = k % (stages * chunks);
        const uint32_t chunk = in_group / stages;
        return Task{forward, (k / (stages * chunks)) * stages + k % stages, forward ? chunk : chunks - 1 - chunk};
    };
    std::vector<Task> order;
    order.reserve(2 * total);
    for (uint32_t k = 0; k < warmup; ++k) order.push_back(task(k, true));
    for (uint32_t i = 0; i + warmup < total; ++i) {
        order.push_back(task(warmup + i, true));
        order.push_back(task(i, false));
    }
    for (uint32_t k = total - warmup; k < total; ++k) order.push_back(task(k, false));
    return order;
}

}  // namespace

PipelineResult simulate_pipeline(const PipelineInput& in) {
    const uint32_t p = in.stages, v = in.chunks, m = in.micro_batches;
    if (v > 1 && m % p != 0) throw Error("internal: interleaved schedule needs micro-batches divisible by stages");
    const double unset = -1;
    // done[stage][chunk][micro-batch]
    auto grid = [&] { return std::vector<double>(size_t(p) * v * m, unset); };
    std::vector<double> fwd_done = grid(), bwd_done = grid();
    auto at = [&](uint32_t s, uint32_t c, uint32_t mb) { return (size_t(s) * v + c) * m + mb; };

    std::vector<std::vector<Task>> orders(p);
    for (uint32_t s = 0; s < p; ++s) orders[s] = stage_order(s, p, v, m);
    std::vector<size_t> next(p, 0);
    std::vector<double> free_s(p, 0);
    PipelineResult result;
    result.busy_s.assign(p, 0);
    result.comm_busy_s.assign(p, 0);
    result.finish_s.assign(p, 0);
    result.last_backward_s.assign(p, 0);

    // When a task's input is ready (negative: not yet known).
    auto ready = [&](uint32_t s, const Task& t) -> double {
        if (t.forward) {
            if (s > 0) {
                const double d = fwd_done[at(s - 1, t.chunk, t.micro_batch)];
                return d < 0 ? unset : d + in.send_s;
            }
            if (t.chunk > 0) {
                const double d = fwd_done[at(p - 1, t.chunk - 1, t.micro_batch)];
                return d < 0 ? unset : d + (p > 1 ? in.send_s : 0);
            }
            return 0;
        }
        if (s + 1 < p) {
            const double d = bwd_done[at(s + 1, t.chunk, t.micro_batch)];
            return d < 0 ? unset : d + in.send_s;
        }
        if (t.chunk + 1 < v) {
            const double d = bwd_done[at(0, t.chunk + 1, t.micro_batch)];
            return d < 0 ? unset : d + (p > 1 ? in.send_s : 0);
        }
        return fwd_done[at(s, t.chunk, t.micro_batch)];
    };

    size_t remaining = 0;
    for (const auto& o : orders) remaining += o.size();
    while (remaining > 0) {
        bool progress = false;
        for (uint32_t s = 0; s < p; ++s) {
            while (next[s] < orders[s].size()) {
                const Task& t = orders[s][next[s]];
                const double r = ready(s, t);
                if (r < 0) break;
                const double duration = t.forward ? in.forward_s[s][t.chunk] : in.backward_s[s][t.chunk];
                const bool received = (t.forward ? s > 0 || t.chunk > 0 : s + 1 < p || t.chunk + 1 < v) && p > 1;
                const bool sends = (t.forward ? s + 1 < p || t.chunk + 1 < v : s > 0 || t.chunk > 0) && p > 1;
                const double before_s = received ? in.gather_s : 0;
                const double after_s = sends && in.blocking_sends ? in.send_s : 0;
                const double start = std::max(free_s[s], r);
                const double done = start + before_s + duration;
                free_s[s] = done + after_s;
                (t.forward ? fwd_done : bwd_done)[at(s, t.chunk, t.micro_batch)] = done;
                result.busy_s[s] += duration;
                result.comm_busy_s[s] += before_s + after_s;
                if (!t.forward) result.last_backward_s[s] = duration;
                ++next[s];
                --remaining;
                progress = true;
            }
        }
        if (!progress) throw Error("internal: the pipeline schedule deadlocked");
    }
    for (uint32_t s = 0; s < p; ++s) {
        result.finish_s[s] = free_s[s];
        result.makespan_s = std::max(result.makespan_s, free_s[s]);
    }
    return result;
}

}  // namespace npuemu::cluster
