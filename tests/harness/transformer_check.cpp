// transformer_check: runs firmware/transformer_block on random inputs and checks the output bit for bit against a
// host reference that follows the documented arithmetic step by step (docs/npu.md):
//   GEMMs: BF16 products summed per array-row chunk of k from +0.0 in FP32, chunks added to the result in FP32;
//   row passes: one FP32 operation per vector instruction, in the kernel's order; FP32 -> BF16 rounds to nearest
//   even; exp, tanh and sqrt from the host's libm (as the model uses).
//   transformer_check --npuemu BIN --image transformer_block.elf [--config test] [--array-rows 16]
//                     [--seq 16] [--d-model 64] [--heads 4] [--d-ff 128] [--seed 1] [--workdir DIR]
//                     [--ffn2-splits 1] [--prepare-only 1]
// --prepare-only 1 writes the job block and the inputs to the workdir, prints the --load arguments of an npuemu run
// of that layer on one line and runs nothing (tests that need a small layer of their own, e.g. the trace test).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/transformer_block/transformer_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_math.h"

namespace {

using reference::gelu;
using reference::gemm;
using reference::layernorm_row;
using reference::softmax_row;
using Bf16 = uint16_t;
using harness::hex;
using harness::write_file;
constexpr auto to_float = harness::bf16_to_float;
constexpr auto to_bf16 = harness::float_to_bf16;

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    uint32_t L = 16, D = 64, H = 4, F = 128, seed = 1, chunk = 16, ffn2_splits = 1, prepare_only = 0;
    harness::Options options("transformer_check");
    options.add("--npuemu", npuemu)
        .add("--image", image)
        .add("--config", config)
        .add("--workdir", workdir)
        .add("--seq", L)
        .add("--d-model", D)
        .add("--heads", H)
        .add("--d-ff", F)
        .add("--seed", seed)
        .add("--array-rows", chunk)
        .add("--ffn2-splits", ffn2_splits)
        .add("--prepare-only", prepare_only);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    if (npuemu.empty() || image.empty() || D % H) {
        std::cerr
            << "usage: transformer_check --npuemu BIN --image transformer_block.elf [...] (d_model % heads == 0)\n";
        return 2;
    }
    const uint32_t dh = D / H;
    harness::RandomInputs random(seed);
    auto bf16_random = [&](size_t count, float scale) { return random.bf16(count, scale); };
    auto fp32_random = [&](size_t count, float mean, float scale) { return random.fp32(count, mean, scale); };
    const float w_scale = 1.0f / std::sqrt(static_cast<float>(D));
    const std::vector<Bf16> x = bf16_random(size_t(L) * D, 1.0f), wqkv = bf16_random(size_t(D) * 3 * D, w_scale),
                            wo = bf16_random(size_t(D) * D, w_scale), w1 = bf16_random(size_t(D) * F, w_scale),
                            w2 = bf16_random(size_t(F) * D, 1.0f / std::sqrt(static_cast<float>(F)));
    const std::vector<float> bqkv = fp32_random(3 * D, 0, 0.1f), bo = fp32_random(D, 0, 0.1f),
                             b1 = fp32_random(F, 0, 0.1f), b2 = fp32_random(D, 0, 0.1f),
                             gamma1 = fp32_random(D, 1, 0.1f), beta1 = fp32_random(D, 0, 0.1f),
                             gamma2 = fp32_random(D, 1, 0.1f), beta2 = fp32_random(D, 0, 0.1f);
    const float eps = 1e-12f;

    // ---- the reference ------------------------------------------------------------------------------------------
    std::vector<float> qkv = gemm(x.data(), D, wqkv.data(), 3 * D, false, L, 3 * D, D, chunk);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    std::vector<Bf16> qkv16(qkv.size());
    for (uint32_t i = 0; i < L; ++i) {
        for (uint32_t c = 0; c < 3 * D; ++c) {
            float v = qkv[i * 3 * D + c] + bqkv[c];
            if (c < D) v = v * scale;
            qkv16[i * 3 * D + c] = to_bf16(v);
        }
    }
    std::vector<float> o(size_t(L) * D);
    for (uint32_t h = 0; h < H; ++h) {
        std::vector<float> s = gemm(&qkv16[h * dh], 3 * D, &qkv16[D + h * dh], 3 * D, true, L, L, dh, chunk);
        std::vector<Bf16> p(s.size());
        for (uint32_t i = 0; i < L; ++i) {
            softmax_row(&s[size_t(i) * L], L);
            for (uint32_t c = 0; c < L; ++c) p[size_t(i) * L + c] = to_bf16(s[size_t(i) * L + c]);
        }
        const std::vector<float> oh = gemm(p.data(), L, &qkv16[2 * D + h * dh], 3 * D, false, L, dh, L, chunk);
        for (uint32_t i = 0; i < L; ++i)
            for (uint32_t c = 0; c < dh; ++c) o[size_t(i) * D + h * dh + c] = oh[size_t(i) * dh + c];
    }
    std::vector<Bf16> o16(o.size());
    for (size_t i = 0; i < o.size(); ++i) o16[i] = to_bf16(o[i]);
    std::vector<float> y = gemm(o16.data(), D, wo.data(), D, false, L, D, D, chunk);
    std::vector<Bf16> y16(y.size());
    for (uint32_t i = 0; i < L; ++i) {
        float* row = &y[size_t(i) * D];
        for (uint32_t c = 0; c < D; ++c) row[c] = row[c] + bo[c];
        for (uint32_t c = 0; c < D; ++c) row[c] = row[c] + to_float(x[size_t(i) * D + c]);
        layernorm_row(row, D, gamma1.data(), beta1.data(), eps);
        for (uint32_t c = 0; c < D; ++c) y16[size_t(i) * D + c] = to_bf16(row[c]);
    }
    std::vector<float> hidden = gemm(y16.data(), D, w1.data(), F, false, L, F, D, chunk);
    std::vector<Bf16> h16(hidden.size());
    for (uint32_t i = 0; i < L; ++i) {
        for (uint32_t c = 0; c < F; ++c) h16[size_t(i) * F + c] = to_bf16(gelu(hidden[size_t(i) * F + c] + b1[c]));
    }
    // FFN2 as the kernel splits its k (npu_transformer_args.ffn2_k_splits): partial products over ranges of k, each
    // a multiple of the array's rows, added in order.
    const uint32_t chunks = (F + chunk - 1) / chunk, wanted = std::clamp(ffn2_splits, 1u, 4u);
    const uint32_t part = (chunks + wanted - 1) / wanted * chunk;
    std::vector<float> out;
    for (uint32_t k0 = 0; k0 < F; k0 += part) {
        const std::vector<float> partial =
            gemm(h16.data() + k0, F, w2.data() + size_t(k0) * D, D, false, L, D, std::min(part, F - k0), chunk);
        if (k0 == 0)
            out = partial;
        else
            for (size_t i = 0; i < out.size(); ++i) out[i] = out[i] + partial[i];
    }
    for (uint32_t i = 0; i < L; ++i) {
        float* row = &out[size_t(i) * D];
        for (uint32_t c = 0; c < D; ++c) row[c] = row[c] + b2[c];
        for (uint32_t c = 0; c < D; ++c) row[c] = row[c] + y[size_t(i) * D + c];
        layernorm_row(row, D, gamma2.data(), beta2.data(), eps);
    }

    // ---- the emulator -------------------------------------------------------------------------------------------
    transformer_job job{};
    job.magic = TRANSFORMER_JOB_MAGIC;
    job.seq = L;
    job.d_model = D;
    job.heads = H;
    job.d_ff = F;
    job.ffn2_k_splits = ffn2_splits;
    std::memcpy(&job.eps_bits, &eps, 4);
    const std::string dir = workdir + "/";
    harness::InputPlacer placer(dir, 0x82000000u);
    auto place = [&](uint32_t& field, const auto& data, const char* name) { field = placer.place(data, name); };
    place(job.x, x, "x");
    place(job.wqkv, wqkv, "wqkv");
    place(job.bqkv, bqkv, "bqkv");
    place(job.wo, wo, "wo");
    place(job.bo, bo, "bo");
    place(job.w1, w1, "w1");
    place(job.b1, b1, "b1");
    place(job.w2, w2, "w2");
    place(job.b2, b2, "b2");
    place(job.gamma1, gamma1, "gamma1");
    place(job.beta1, beta1, "beta1");
    place(job.gamma2, gamma2, "gamma2");
    place(job.beta2, beta2, "beta2");
    job.out = placer.reserve(L * D * 4);
    job.scratch = placer.next();
    write_file(dir + "job.bin", std::vector<transformer_job>{job});
    if (prepare_only) {
        std::cout << "--load " << dir << "job.bin@" << hex(TRANSFORMER_JOB_ADDRESS) << placer.loads() << "\n";
        return 0;
    }
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --max-cycles 20000000000 --load " << dir << "job.bin@"
            << hex(TRANSFORMER_JOB_ADDRESS) << placer.loads() << " --dump " << hex(job.out) << ":" << L * D * 4 << ":"
            << dir << "out.bin " << image << " > " << dir << "console.txt";
    if (std::system(command.str().c_str()) != 0) {
        std::cerr << "FAIL: npuemu failed: " << command.str() << "\n";
        return 1;
    }
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    std::ifstream in(dir + "out.bin", std::ios::binary);
    std::vector<float> actual(size_t(L) * D);
    in.read(reinterpret_cast<char*>(actual.data()), static_cast<std::streamsize>(actual.size() * 4));
    if (!in) {
        std::cerr << "FAIL: cannot read the dumped output\n";
        return 1;
    }
    size_t mismatches = 0;
    double max_abs = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        max_abs = std::max(max_abs, std::fabs(static_cast<double>(out[i])));
        if (std::memcmp(&actual[i], &out[i], 4) != 0) {
            if (mismatches < 5) {
                std::cerr << "out[" << i / D << "][" << i % D << "] = " << actual[i] << ", expected " << out[i] << "\n";
            }
            ++mismatches;
        }
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << actual.size() << " outputs differ\n";
        return 1;
    }
    if (!(max_abs > 0.1)) {
        std::cerr << "FAIL: the output is degenerate (max |out| = " << max_abs << ")\n";
        return 1;
    }
    std::cout << "ok: transformer layer seq " << L << " d_model " << D << " heads " << H << " d_ff " << F << ": all "
              << actual.size() << " outputs equal the host reference bit for bit\n";
    return 0;
}
