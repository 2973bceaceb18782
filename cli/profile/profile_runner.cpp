#include "cli/profile/profile_runner.h"

#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/profile/profile_ops.h"
#include "cli/sweep/child_process.h"
#include "firmware/attention/attention_job.h"
#include "firmware/gemm/gemm_job.h"
#include "firmware/layer_ops/layer_ops_job.h"
#include "firmware/optimizer/optimizer_job.h"
#include "model/common/error.h"

namespace npuemu::profile {

namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string address_text(uint32_t address) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", address);
    return text;
}

void write_bytes(const std::string& path, const void* data, size_t bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    if (!out) throw Error(path + ": cannot write the job block");
}

uint32_t fp32_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    return bits;
}

// firmware/optimizer's job: AdamW with BF16 gradients and the BF16 copy, GPT-3's hyper-parameters (the cycles do not
// depend on them, nor on the zeroed arrays: the run is timing-only).
void write_optimizer_job(const std::string& path, uint32_t params) {
    const OptimizerLayout layout = optimizer_layout(params);
    optimizer_job job{};
    job.magic = OPTIMIZER_JOB_MAGIC;
    job.version = OPTIMIZER_JOB_VERSION;
    job.bytes = sizeof job;
    job.count = params;
    job.w = layout.w;
    job.m = layout.m;
    job.v = layout.v;
    job.g = layout.g;
    job.grad_dtype = 1;  // NPU_DTYPE_BF16
    job.w_bf16 = layout.w_bf16;
    job.lr_bits = fp32_bits(6e-5f);
    job.beta1_bits = fp32_bits(0.9f);
    job.beta2_bits = fp32_bits(0.95f);
    job.eps_bits = fp32_bits(1e-8f);
    job.weight_decay_bits = fp32_bits(0.1f);
    job.step = 1000;
    write_bytes(path, &job, sizeof job);
}

// firmware/attention's job: npu_flash_attention over the layout's fused [q | k | v] rows (zeroed: timing-only).
void write_attention_job(const std::string& path, const AttentionDims& a) {
    const AttentionLayout layout = attention_layout(a);
    const attention_job job{ATTENTION_JOB_MAGIC, layout.q, layout.k, layout.v,    layout.ld,  a.seq,         a.heads,
                            a.kv_heads,          a.d_head, a.causal, layout.mask, layout.out, layout.out_ld, 0};
    write_bytes(path, &job, sizeof job);
}

void write_job(const std::string& path, const llm::GemmShape& shape) {
    const GemmLayout layout = gemm_layout(shape);
    // Skinny ops (decode's few token rows) run the SDK's GEMV kernel, as firmware would (it falls back to the GEMM
    // kernel above the array's rows, and for an epilogue or A transposed); the rest npu_gemm.
    const uint32_t kernel = shape.m <= 64 ? GEMM_KERNEL_GEMV : GEMM_KERNEL_GEMM;
    gemm_job job{};
    job.magic = GEMM_JOB_MAGIC;
    job.m = shape.m;
    job.n = shape.n;
    job.k = shape.k;
    job.dtype = shape.dtype == llm::GemmDtype::Bf16 ? 1u : 0u;
    job.a = layout.a;
    job.b = layout.b;
    job.c = shape.out_bf16 ? 0 : layout.c;
    job.repeat = 1;
    job.kernel = kernel;
    job.b_transposed = shape.b_transposed;
    job.a_transposed = shape.a_transposed;
    job.bias = layout.bias;
    job.scale_bits = shape.scale_cols ? fp32_bits(0.08838835f) : 0;  // 1/sqrt(128); the cycles do not depend on it
    job.scale_cols = shape.scale_cols;
    job.activation = shape.gelu ? 1u : 0u;  // NPU_ACT_GELU
    job.c_bf16 = shape.out_bf16 ? layout.c : 0;
    write_bytes(path, &job, sizeof job);
}

// firmware/layer_ops's job: a row pass or the attention backward over zeroed arrays (timing-only).
void write_layer_ops_job(const std::string& path, const ProfileOp& op, uint64_t memory_end) {
    const LayerOpsLayout layout = layer_ops_layout(op, memory_end);
    write_bytes(path, &layout.job, sizeof layout.job);
}

struct Launched {
    size_t index;
    std::string dir;
};

}  // namespace

Json run_result(const std::string& console_text, const Json& stats) {
    // firmware/gemm, hart 0: "gemm MxNxK dtype on T tiles: C cycles, MAC utilisation U%" ("gemv ..." for the
    // decode kernel)
    std::istringstream lines(console_text);
    std::string line;
    long long gemm_cycles = -1;
    while (std::getline(lines, line)) {
        // firmware/optimizer, hart 0: "adamw P parameters (...) on T tiles: C cycles"
        const size_t adamw = line.find("adamw "), adamw_colon = line.rfind(": ");
        if (adamw != std::string::npos && adamw_colon != std::string::npos && line.size() > 7 &&
            line.compare(line.size() - 7, 7, " cycles") == 0) {
            gemm_cycles = std::atoll(line.c_str() + adamw_colon + 2);
            continue;
        }
        // firmware/layer_ops, hart 0: "layer_ops KIND R x C on T tiles: N cycles"
        const size_t layer_ops = line.find("layer_ops "), layer_ops_colon = line.rfind(": ");
        if (layer_ops != std::string::npos && layer_ops_colon != std::string::npos && line.size() > 7 &&
            line.compare(line.size() - 7, 7, " cycles") == 0) {
            gemm_cycles = std::atoll(line.c_str() + layer_ops_colon + 2);
            continue;
        }
        // firmware/attention, hart 0: "attention seq S heads H ... on T tiles: C cycles, M MACs, MAC utilisation U%"
        const size_t attention_at = line.find(" cycles, "), attention = line.find("attention seq ");
        if (attention != std::string::npos && attention_at != std::string::npos) {
            const size_t colon = line.rfind(": ", attention_at);
            if (colon != std::string::npos) gemm_cycles = std::atoll(line.c_str() + colon + 2);
            continue;
        }
        const size_t at = line.find(" cycles, MAC utilisation");
        const size_t colon = line.rfind(": ", at);
        const bool gemm_line = line.find("gemm ") != std::string::npos || line.find("gemv ") != std::string::npos;
        if (at == std::string::npos || colon == std::string::npos || !gemm_line) continue;
        gemm_cycles = std::atoll(line.c_str() + colon + 2);
    }
    if (gemm_cycles <= 0) {
        throw Error(
            "the firmware printed no 'N cycles, MAC utilisation' line (gemm), 'adamw ...: N cycles' line, "
            "'attention ...: N cycles' line nor 'layer_ops ...: N cycles' line");
    }
    const Json& counters = stats.at("counters");
    auto counter = [&counters](const char* name) -> Json {
        if (!counters.contains(name)) throw Error(std::string("the stats have no counter '") + name + "'");
        return counters[name];
    };
    Json result{{"gemm_cycles", gemm_cycles},
                {"sim_cycles", counter("sim.cycles")},
                {"time_ps", counter("sim.time_ps")},
                {"hbm_read_bytes", counter("hbm.read_bytes")},
                {"hbm_write_bytes", counter("hbm.write_bytes")}};
    // Without a power: section the chip has no power model, and no energy.
    result["energy_j"] = counters.contains("power.energy_j") ? counters["power.energy_j"] : Json(nullptr);
    return result;
}

std::vector<RunOutcome> run_requests(const std::vector<RunRequest>& requests, const ProfileCache& cache,
                                     const RunnerSettings& settings) {
    std::vector<RunOutcome> outcomes(requests.size());
    std::deque<size_t> queue;
    // The same run asked for twice (one shape under two names): computed once, its result given to both.
    std::map<std::string, size_t> first_of;
    std::vector<std::pair<size_t, size_t>> repeats;  // (index, the index of the same run)
    for (size_t i = 0; i < requests.size(); ++i) {
        const auto [first, inserted] = first_of.emplace(requests[i].key.file_name(), i);
        if (!inserted) {
            repeats.emplace_back(i, first->second);
            continue;
        }
        if (auto hit = cache.find(requests[i].key)) {
            outcomes[i].result = *hit;
            outcomes[i].cached = true;
        } else {
            queue.push_back(i);
        }
    }
    const size_t to_compute = queue.size();
    size_t computed = 0;
    std::map<pid_t, Launched> running;
    while (!queue.empty() || !running.empty()) {
        while (!queue.empty() && running.size() < std::max(1u, settings.jobs)) {
            const size_t index = queue.front();
            queue.pop_front();
            const RunRequest& request = requests[index];
            const std::string dir = cache.scratch_dir(request.key);
            const OpKind kind = request.key.kind;
            if (kind == OpKind::Optimizer) {
                write_optimizer_job(dir + "/job.bin", request.key.params);
            } else if (kind == OpKind::Attention) {
                write_attention_job(dir + "/job.bin", request.key.attention);
            } else if (kind == OpKind::Rows || kind == OpKind::AttentionBackward) {
                ProfileOp op;
                op.shape = request.shape;
                op.kind = kind;
                op.attention = request.key.attention;
                op.row_pass = request.key.row_pass;
                write_layer_ops_job(dir + "/job.bin", op, settings.memory_end);
            } else {
                write_job(dir + "/job.bin", request.shape);
            }
            const std::string& image = kind == OpKind::Optimizer   ? settings.optimizer_image
                                       : kind == OpKind::Attention ? settings.attention_image
                                       : kind == OpKind::Rows || kind == OpKind::AttentionBackward
                                           ? settings.layer_ops_image
                                           : settings.image;
            std::vector<std::string> args = {settings.executable, "run", "-q", "-c", settings.config_file};
            for (const auto& o : request.overrides) {
                args.push_back("--set");
                args.push_back(o);
            }
            const std::vector<std::string> rest = {"--max-cycles", std::to_string(settings.max_cycles),
                                                   "--load",       dir + "/job.bin@" + address_text(GEMM_JOB_ADDRESS),
                                                   "--stats",      dir + "/stats.json",
                                                   image};
            args.insert(args.end(), rest.begin(), rest.end());
            running.emplace(sweep::spawn_child(args, dir + "/console.txt"), Launched{index, dir});
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            throw Error(std::string("waiting for a profile run: ") + std::strerror(errno));
        }
        auto it = running.find(pid);
        if (it == running.end()) continue;
        const Launched job = it->second;
        running.erase(it);
        RunOutcome& outcome = outcomes[job.index];
        const RunRequest& request = requests[job.index];
        outcome.error = sweep::child_failure(status, job.dir + "/console.txt");
        if (outcome.error.empty()) {
            try {
                std::ifstream stats(job.dir + "/stats.json");
                if (!stats) throw Error("the run wrote no stats.json");
                outcome.result = run_result(read_text(job.dir + "/console.txt"), Json::parse(stats));
                cache.store(request.key, outcome.result);
            } catch (const Error& e) {
                outcome.error = e.what();
            } catch (const nlohmann::json::exception& e) {
                outcome.error = std::string("stats.json: ") + e.what();
            }
        }
        ++computed;
        if (settings.progress || !outcome.error.empty()) {
            const AttentionDims& a = request.key.attention;
            const std::string dims = std::to_string(request.shape.m) + "x" + std::to_string(request.shape.n);
            const std::string what =
                request.key.kind == OpKind::Optimizer ? "adamw " + std::to_string(request.key.params) + " parameters"
                : request.key.kind == OpKind::Attention || request.key.kind == OpKind::AttentionBackward
                    ? std::string(op_kind_name(request.key.kind)) + " seq " + std::to_string(a.seq) + ", " +
                          std::to_string(a.heads) + " heads (" + std::to_string(a.kv_heads) + " KV) of " +
                          std::to_string(a.d_head)
                : request.key.kind == OpKind::Rows
                    ? std::string(llm::row_pass_name(request.key.row_pass)) + " " + dims
                    : dims + "x" + std::to_string(request.shape.k) + " " + llm::dtype_name(request.shape.dtype) +
                          (request.shape.plain() ? "" : " (" + request.shape.variant() + ")");
            std::fprintf(stderr, "profile: [%zu/%zu] %s %s %s%s%s\n", computed, to_compute, request.shape.name.c_str(),
                         what.c_str(), request.label.c_str(),
                         outcome.error.empty() ? "" : ": FAILED: ", outcome.error.c_str());
        }
        // A failed run keeps its directory (console.txt, stats.json) for a look; a good one leaves nothing behind.
        std::error_code ignored;
        if (outcome.error.empty())
            fs::remove_all(job.dir, ignored);
        else
            outcome.error += " (see " + job.dir + "/console.txt)";
    }
    for (const auto& [index, same] : repeats) {
        outcomes[index] = outcomes[same];
        outcomes[index].repeat = true;
    }
    return outcomes;
}

}  // namespace npuemu::profile
