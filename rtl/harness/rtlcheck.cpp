// npuemu-rtlcheck: the matrix unit's RTL (rtl/*.sv, verilated) against the model (SystolicTiming + matmul kernels),
// bit for bit and cycle for cycle. See docs/npu.md, "RTL".
//
//   npuemu-rtlcheck --rows 8 --cols 8 --cases 200 --seed 1       random instruction streams, compared
//   npuemu-rtlcheck --rows 8 --cols 8 --seed 1 --case 17 --trace case17.fst --list
//                                                                 one case, its waveform and its listing
//   npuemu-rtlcheck --fp-selftest 2000000                        the RTL's FP units against the host's
//   npuemu-rtlcheck --rows 16 --cols 16 --bench 256x256x256      one GEMM through both, wall time of each
// Exit status: 0 everything equal, 1 a mismatch (the first one is printed; an RTL that hangs is one), 2 bad usage,
// 3 another error (e.g. the trace file cannot be written).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "model/npu/bf16.h"
#include "model/npu/systolic_timing.h"
#include "npu_rtl_sizes.h"
#include "rtl/harness/fp_selftest.h"
#include "rtl/harness/model_run.h"
#include "rtl/harness/program.h"
#include "rtl/harness/rtl_driver.h"

using namespace npuemu::rtlcheck;

namespace {

std::unique_ptr<RtlRunner> make_runner(uint32_t rows, uint32_t cols, const std::string& trace) {
#define NPUEMU_MAKE_RUNNER(R, C) \
    if (rows == R && cols == C) return std::make_unique<RtlDriver<Vnpu_matrix_##R##x##C>>(R, C, trace);
    NPUEMU_RTL_SIZES(NPUEMU_MAKE_RUNNER)
#undef NPUEMU_MAKE_RUNNER
    return nullptr;
}

std::string built_sizes() {
    std::string s;
#define NPUEMU_SIZE_NAME(R, C) s += (s.empty() ? "" : ", ") + std::to_string(R) + "x" + std::to_string(C);
    NPUEMU_RTL_SIZES(NPUEMU_SIZE_NAME)
#undef NPUEMU_SIZE_NAME
    return s;
}

std::string value_text(uint32_t bits, Dtype dtype) {
    char text[64];
    if (dtype == Dtype::Int8) std::snprintf(text, sizeof text, "%d (0x%08x)", static_cast<int32_t>(bits), bits);
    else std::snprintf(text, sizeof text, "%.9g (0x%08x)", npuemu::npu::bits_to_float(bits), bits);
    return text;
}

struct Mismatch {
    std::string text;
};

// The first difference between the model's outcome and the RTL's: an instruction's cycles, then an element.
std::optional<Mismatch> compare(const Program& p, const Outcome& want, const Outcome& got) {
    if (!got.error.empty()) return Mismatch{got.error};
    for (size_t i = 0; i < p.instrs.size(); ++i) {
        const InstrTiming& w = want.timing[i];
        const InstrTiming& g = got.timing[i];
        if (w == g) continue;
        const Instr& in = p.instrs[i];
        char text[512];
        const char* what = w.begin != g.begin ? "begin" : (w.end != g.end ? (in.is_load() ? "end" : "stream end") : "completion");
        const uint64_t wv = w.begin != g.begin ? w.begin : (w.end != g.end ? w.end : w.completion);
        const uint64_t gv = w.begin != g.begin ? g.begin : (w.end != g.end ? g.end : g.completion);
        std::snprintf(text, sizeof text, "instruction %zu (%s): %s cycle: model %" PRIu64 ", RTL %" PRIu64, i,
                      in.describe().c_str(), what, wv, gv);
        return Mismatch{text};
    }
    for (size_t e = 0; e < want.acc.size(); ++e) {
        if (want.acc[e] == got.acc[e]) continue;
        const uint32_t row = static_cast<uint32_t>(e / p.cols), col = static_cast<uint32_t>(e % p.cols);
        // The last matmul that wrote the element, for the report.
        std::string writer = "no matmul writes it";
        uint32_t n = 0;
        for (size_t i = 0; i < p.instrs.size(); ++i) {
            const Instr& in = p.instrs[i];
            if (in.is_load()) { n = in.n; continue; }
            if (row >= in.addr && row < in.addr + in.m && col < n)
                writer = "last written by instruction " + std::to_string(i) + " (" + in.describe() + "), its result (" +
                         std::to_string(row - in.addr) + ", " + std::to_string(col) + ")";
        }
        return Mismatch{"accumulator row " + std::to_string(row) + " column " + std::to_string(col) + " (" + writer +
                        "): model " + value_text(want.acc[e], p.dtype) + ", RTL " + value_text(got.acc[e], p.dtype)};
    }
    return std::nullopt;
}

bool parse_shape(const std::string& text, uint32_t& a, uint32_t& b, uint32_t& c) {
    unsigned x, y, z;
    char tail;
    if (std::sscanf(text.c_str(), "%ux%ux%u%c", &x, &y, &z, &tail) != 3 || !x || !y || !z) return false;
    a = x;
    b = y;
    c = z;
    return true;
}

int run_bench(uint32_t rows, uint32_t cols, const std::string& shape, Dtype dtype, uint64_t seed) {
    uint32_t M, K, N;
    if (!parse_shape(shape, M, K, N)) {
        std::fprintf(stderr, "npuemu-rtlcheck: --bench takes MxKxN (e.g. 256x256x256), not '%s'\n", shape.c_str());
        return 2;
    }
    if (M > 0xFFFF || uint64_t(M) * ((N + cols - 1) / cols) > 4096) {
        std::fprintf(stderr, "npuemu-rtlcheck: the GEMM needs M * ceil(N / cols) <= 4096 accumulator rows and M <= 65535\n");
        return 2;
    }
    auto runner = make_runner(rows, cols, "");
    const Program p = gemm_program(M, K, N, rows, cols, dtype, seed);
    size_t loads = 0;
    for (const auto& in : p.instrs) loads += in.is_load();

    // The model: best of several runs (it is quick; the first one also warms the caches).
    Outcome want;
    double model_s = 1e30;
    int reps = 0;
    const auto bench_start = std::chrono::steady_clock::now();
    do {
        const auto t0 = std::chrono::steady_clock::now();
        want = run_model(p);
        model_s = std::min(model_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        ++reps;
    } while (reps < 5 || (reps < 1000 && std::chrono::duration<double>(std::chrono::steady_clock::now() - bench_start).count() < 0.5));
    // The model's timing alone (SystolicTiming over the instruction stream).
    double timing_s = 1e30;
    uint64_t timing_cycles = 0;
    for (int r = 0; r < 20; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        npuemu::npu::SystolicTiming t;
        uint32_t k = 0, n = 0;
        uint64_t last = 0;
        for (const auto& in : p.instrs) {
            if (in.is_load()) {
                t.load_weights(0, in.k);
                k = in.k;
                n = in.n;
            } else {
                last = std::max(last, t.matmul(0, in.m, k, n).completion);
            }
        }
        timing_cycles = last;
        timing_s = std::min(timing_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }

    // The RTL: best of three runs from reset (each one is long enough to time on its own).
    Outcome got;
    double rtl_s = 1e30;
    for (int r = 0; r < 3; ++r) {
        got = runner->run(p, want.cycles * 2 + 1000);
        rtl_s = std::min(rtl_s, runner->last_run_seconds);
    }
    const auto mismatch = compare(p, want, got);
    const double macs = double(M) * K * N;

    std::printf("GEMM %ux%ux%u %s on a %ux%u array: %zu instructions (%zu load_weights, %zu matmul), %.0f MACs\n", M,
                K, N, dtype_name(dtype), rows, cols, p.instrs.size(), loads, p.instrs.size() - loads, macs);
    std::printf("  model  (SystolicTiming + matmul_%s)  %10" PRIu64 " cycles  %10.6f s  (best of %d)\n",
                dtype_name(dtype), want.cycles, model_s, reps);
    std::printf("  model  timing only (SystolicTiming)     %10" PRIu64 " cycles  %10.6f s  (%.1f us)\n", timing_cycles,
                timing_s, timing_s * 1e6);
    std::printf("  RTL    (Verilator, npu_matrix_top)      %10" PRIu64 " cycles  %10.6f s  (best of 3, %.0f cycles/s)\n",
                got.cycles, rtl_s, double(got.cycles) / rtl_s);
    std::printf("  cycles identical: %s; every instruction's cycles and all %zu results identical: %s\n",
                want.cycles == got.cycles ? "yes" : "NO", want.acc.size(), mismatch ? "NO" : "yes");
    std::printf("  speed ratio model/RTL: %.0fx (timing + arithmetic), %.0fx (timing only)\n", rtl_s / model_s,
                rtl_s / timing_s);
    if (mismatch) {
        std::printf("MISMATCH: %s\n", mismatch->text.c_str());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"npuemu-rtlcheck: the matrix unit's RTL, verilated, against the model, bit for bit and cycle for cycle"};
    uint32_t rows = 8, cols = 8;
    uint64_t cases = 100, seed = 1, fp_vectors = 0;
    int64_t only_case = -1;
    std::string trace, dtype_text = "mixed", perturb, bench;
    bool list = false, verbose = false;
    app.add_option("--rows", rows, "Array rows (built: " + built_sizes() + ")");
    app.add_option("--cols", cols, "Array columns");
    app.add_option("--cases", cases, "Number of random cases");
    app.add_option("--seed", seed, "Seed of the random cases (case i is the same for a seed whatever --cases says)");
    app.add_option("--case", only_case, "Run only case number N (with --trace: dump its waveform)");
    app.add_option("--dtype", dtype_text, "int8, bf16 or mixed (alternating by case)")->check(CLI::IsMember({"int8", "bf16", "mixed"}));
    app.add_option("--trace", trace, "Write the RTL waveform (FST) of the first failing case, or of --case N, to FILE");
    app.add_flag("--list", list, "Print each case's instructions with the model's and the RTL's cycles");
    app.add_flag("-v,--verbose", verbose, "One line per case");
    app.add_option("--perturb", perturb, "Self-test: perturb the model's expectation of the first case (a result or a "
                                         "cycle count), which must be reported as a mismatch")
        ->check(CLI::IsMember({"result", "cycles"}));
    app.add_option("--fp-selftest", fp_vectors, "Check the RTL's FP adder and multiplier against the host on N random "
                                                "operand pairs (plus corner cases and every BF16 value), then exit");
    app.add_option("--bench", bench, "Run one GEMM MxKxN (e.g. 256x256x256) through the model and the RTL and "
                                     "compare their wall times");
    CLI11_PARSE(app, argc, argv);

    try {
        if (fp_vectors) {
            uint64_t checked = 0;
            const uint64_t bad = fp_selftest(fp_vectors, seed, &checked);
            std::printf("fp self-test: %" PRIu64 " operations checked against the host, %" PRIu64 " differ\n", checked, bad);
            return bad ? 1 : 0;
        }
        if (!make_runner(rows, cols, "")) {
            std::fprintf(stderr, "npuemu-rtlcheck: no %ux%u array was verilated (built: %s; NPUEMU_RTL_SIZES)\n", rows,
                         cols, built_sizes().c_str());
            return 2;
        }
        const Dtype int8 = Dtype::Int8, bf16 = Dtype::Bf16;
        const Dtype* dtype = dtype_text == "int8" ? &int8 : (dtype_text == "bf16" ? &bf16 : nullptr);
        if (!bench.empty()) return run_bench(rows, cols, bench, dtype ? *dtype : Dtype::Int8, seed);

        const uint64_t first = only_case >= 0 ? uint64_t(only_case) : 0;
        const uint64_t last = only_case >= 0 ? first + 1 : cases;
        auto runner = make_runner(rows, cols, only_case >= 0 ? trace : "");
        uint64_t instrs = 0, elements = 0, cycles = 0, int8_cases = 0;
        for (uint64_t index = first; index < last; ++index) {
            const Program p = generate_program(seed, index, rows, cols, dtype);
            Outcome want = run_model(p);
            if (!perturb.empty() && index == first) {
                if (perturb == "result") {
                    const Instr* mm = nullptr;
                    for (const auto& in : p.instrs) if (!in.is_load()) { mm = &in; break; }
                    want.acc[size_t(mm->addr) * cols] ^= 1;  // result (0, 0) of the first matmul
                } else {
                    want.timing.back().completion += 1;
                }
            }
            const Outcome got = runner->run(p, want.cycles * 2 + 1000);
            const auto mismatch = compare(p, want, got);
            instrs += p.instrs.size();
            elements += want.acc.size();
            cycles += got.cycles;
            int8_cases += p.dtype == Dtype::Int8;
            if (verbose || list)
                std::printf("case %" PRIu64 ": %-14s %s, %zu instructions, %" PRIu64 " cycles: %s\n", index,
                            p.scenario.c_str(), dtype_name(p.dtype), p.instrs.size(), got.cycles,
                            mismatch ? "MISMATCH" : "equal");
            if (list) std::printf("%s", listing(p, &want, &got).c_str());
            if (mismatch) {
                std::printf("MISMATCH in case %" PRIu64 " of seed %" PRIu64 " (%ux%u array, %s, scenario %s, %zu "
                            "instructions):\n  %s\n",
                            index, seed, rows, cols, dtype_name(p.dtype), p.scenario.c_str(), p.instrs.size(),
                            mismatch->text.c_str());
                if (!list) std::printf("%s", listing(p, &want, &got).c_str());
                if (!trace.empty() && only_case < 0) {
                    runner = make_runner(rows, cols, trace);  // run the case again, traced
                    runner->run(p, want.cycles * 2 + 1000);
                    runner.reset();
                    std::printf("waveform of case %" PRIu64 " written to %s\n", index, trace.c_str());
                }
                std::printf("reproduce: npuemu-rtlcheck --rows %u --cols %u --seed %" PRIu64 " --case %" PRIu64
                            "%s --list --trace case%" PRIu64 ".fst\n",
                            rows, cols, seed, index, dtype ? (" --dtype " + dtype_text).c_str() : "", index);
                return 1;
            }
        }
        std::printf("rtlcheck %ux%u, seed %" PRIu64 ": %" PRIu64 " cases (%" PRIu64 " int8, %" PRIu64
                    " bf16), %" PRIu64 " instructions, %" PRIu64 " accumulator elements, %" PRIu64
                    " cycles: all results bit-exact, all instruction cycles equal\n",
                    rows, cols, seed, last - first, int8_cases, last - first - int8_cases, instrs, elements, cycles);
        if (only_case >= 0 && !trace.empty()) std::printf("waveform written to %s\n", trace.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "npuemu-rtlcheck: %s\n", e.what());
        return 3;
    }
}
