// decoder_check: runs firmware/decoder_layer (npu_decoder_layer) on random inputs and checks its FP32 output bit for
// bit against a host reference that takes the layer's documented steps (sdk/include/npuemu/kernels.h) with the
// kernels' arithmetic (tests/harness/reference_math.h).
//   decoder_check --npuemu BIN --image decoder_layer.elf [--config test] [--array-rows 16] [--array-cols 16]
//                 [--seq 40] [--d-model 48] [--heads 3] [--kv-heads 1] [--d-head 16] [--d-ff 72] [--seed 1]
//                 [--workdir DIR] [--job-version N]
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/decoder_layer/decoder_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_math.h"

namespace {

using reference::Bf16;
using reference::to_bf16;

struct Shape {
    uint32_t seq = 40, d_model = 48, heads = 3, kv_heads = 1, d_head = 16, d_ff = 72;
    uint32_t width() const { return (heads + 2 * kv_heads) * d_head; }
};

std::vector<Bf16> to_bf16_all(const std::vector<float>& v) {
    std::vector<Bf16> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = to_bf16(v[i]);
    return out;
}

// x: rows of `cols`, in place: x = layernorm(x) (npu_rows' layernorm steps).
std::vector<Bf16> layernorm_bf16(std::vector<float> x, uint32_t cols, const std::vector<float>& gamma,
                                 const std::vector<float>& beta, float eps) {
    for (size_t r = 0; r < x.size() / cols; ++r) reference::layernorm_row(&x[r * cols], cols, gamma.data(), beta.data(), eps);
    return to_bf16_all(x);
}

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    Shape s;
    uint32_t seed = 1, rows = 16, cols = 16, job_version = DECODER_JOB_VERSION;
    try {
        harness::Options options("decoder_check");
        options.add("--npuemu", npuemu).add("--image", image).add("--config", config).add("--workdir", workdir)
            .add("--seq", s.seq).add("--d-model", s.d_model).add("--heads", s.heads).add("--kv-heads", s.kv_heads)
            .add("--d-head", s.d_head).add("--d-ff", s.d_ff).add("--seed", seed).add("--array-rows", rows)
            .add("--array-cols", cols).add("--job-version", job_version);
        options.parse(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::cerr << error.what() << "\n";
        return 2;
    }
    if (npuemu.empty() || image.empty() || s.kv_heads == 0 || s.heads % s.kv_heads) {
        std::cerr << "usage: decoder_check --npuemu BIN --image decoder_layer.elf [...] (kv_heads divides heads)\n";
        return 2;
    }
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, W = s.width(), Q = s.heads * s.d_head;
    harness::RandomInputs random(seed);
    auto random_bf16 = [&](size_t n, float scale) { return random.bf16(n, scale); };
    auto random_fp32 = [&](size_t n, float mean, float scale) { return random.fp32(n, mean, scale); };
    const std::vector<float> x = random_fp32(size_t(L) * D, 0, 1);
    const std::vector<float> ln1_gamma = random_fp32(D, 1, 0.1f), ln1_beta = random_fp32(D, 0, 0.1f);
    const std::vector<Bf16> wqkv = random_bf16(size_t(D) * W, 1 / std::sqrt(float(D)));
    const std::vector<float> bqkv = random_fp32(W, 0, 0.1f);
    const std::vector<Bf16> wo = random_bf16(size_t(Q) * D, 1 / std::sqrt(float(Q)));
    const std::vector<float> bo = random_fp32(D, 0, 0.1f);
    const std::vector<float> ln2_gamma = random_fp32(D, 1, 0.1f), ln2_beta = random_fp32(D, 0, 0.1f);
    const std::vector<Bf16> w1 = random_bf16(size_t(D) * F, 1 / std::sqrt(float(D)));
    const std::vector<float> b1 = random_fp32(F, 0, 0.1f);
    const std::vector<Bf16> w2 = random_bf16(size_t(F) * D, 1 / std::sqrt(float(F)));
    const std::vector<float> b2 = random_fp32(D, 0, 0.1f);
    const float eps = 1e-5f;

    // ---- the reference: the layer's steps, each with its kernel's arithmetic ------------------------------------
    const std::vector<Bf16> a16 = layernorm_bf16(x, D, ln1_gamma, ln1_beta, eps);
    std::vector<float> qkv = reference::gemm(a16.data(), D, wqkv.data(), W, false, L, W, D, rows);
    const float scale = 1.0f / std::sqrt(float(s.d_head));
    std::vector<Bf16> qkv16(qkv.size());
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t c = 0; c < W; ++c) {
            float v = qkv[size_t(r) * W + c] + bqkv[c];
            if (c < Q) v = v * scale;
            qkv16[size_t(r) * W + c] = to_bf16(v);
        }
    }
    const reference::AttentionProblem att{L, s.heads, s.kv_heads, s.d_head, 1, rows, cols};
    std::vector<Bf16> o16(size_t(L) * Q);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t h = 0; h < s.heads; ++h) reference::flash_attention_row(att, qkv16, r, h, &o16[(size_t(r) * s.heads + h) * s.d_head]);
    }
    std::vector<float> h32 = reference::gemm(o16.data(), Q, wo.data(), D, false, L, D, Q, rows);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t c = 0; c < D; ++c) h32[size_t(r) * D + c] = h32[size_t(r) * D + c] + bo[c];
        for (uint32_t c = 0; c < D; ++c) h32[size_t(r) * D + c] = h32[size_t(r) * D + c] + x[size_t(r) * D + c];
    }
    const std::vector<Bf16> b16 = layernorm_bf16(h32, D, ln2_gamma, ln2_beta, eps);
    std::vector<float> u = reference::gemm(b16.data(), D, w1.data(), F, false, L, F, D, rows);
    std::vector<Bf16> u16(u.size());
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t c = 0; c < F; ++c) u16[size_t(r) * F + c] = to_bf16(reference::gelu(u[size_t(r) * F + c] + b1[c]));
    }
    std::vector<float> out = reference::gemm(u16.data(), F, w2.data(), D, false, L, D, F, rows);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t c = 0; c < D; ++c) out[size_t(r) * D + c] = out[size_t(r) * D + c] + b2[c];
        for (uint32_t c = 0; c < D; ++c) out[size_t(r) * D + c] = out[size_t(r) * D + c] + h32[size_t(r) * D + c];
    }

    // ---- the emulator -------------------------------------------------------------------------------------------
    decoder_job job{};
    job.magic = DECODER_JOB_MAGIC;
    job.version = job_version;
    job.seq = L;
    job.d_model = D;
    job.heads = s.heads;
    job.kv_heads = s.kv_heads;
    job.d_head = s.d_head;
    job.d_ff = F;
    std::memcpy(&job.eps_bits, &eps, 4);
    const std::string dir = workdir + "/";
    harness::InputPlacer placer(dir, 0x82000000u);
    auto place = [&](uint32_t& field, const auto& data, const char* name) { field = placer.place(data, name); };
    place(job.x, x, "x");
    place(job.ln1_gamma, ln1_gamma, "ln1_gamma");
    place(job.ln1_beta, ln1_beta, "ln1_beta");
    place(job.wqkv, wqkv, "wqkv");
    place(job.bqkv, bqkv, "bqkv");
    place(job.wo, wo, "wo");
    place(job.bo, bo, "bo");
    place(job.ln2_gamma, ln2_gamma, "ln2_gamma");
    place(job.ln2_beta, ln2_beta, "ln2_beta");
    place(job.w1, w1, "w1");
    place(job.b1, b1, "b1");
    place(job.w2, w2, "w2");
    place(job.b2, b2, "b2");
    job.out = placer.reserve(L * D * 4);
    job.scratch = placer.next();
    harness::write_file(dir + "job.bin", std::vector<decoder_job>{job});
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --max-cycles 20000000000 --load " << dir << "job.bin@"
            << harness::hex(DECODER_JOB_ADDRESS) << placer.loads() << " --dump " << harness::hex(job.out) << ":"
            << L * D * 4 << ":" << dir << "out.bin " << image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    if (status != 0) {
        std::cerr << "FAIL: npuemu failed (status " << status << "): " << command.str() << "\n";
        return 1;
    }
    const std::vector<uint8_t> bytes = harness::read_file(dir + "out.bin");
    if (bytes.size() != size_t(L) * D * 4) {
        std::cerr << "FAIL: cannot read the dumped output\n";
        return 1;
    }
    std::vector<float> actual(out.size());
    std::memcpy(actual.data(), bytes.data(), bytes.size());
    size_t mismatches = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        if (std::memcmp(&actual[i], &out[i], 4) == 0) continue;
        if (mismatches < 5) std::cerr << "out[" << i / D << "][" << i % D << "] = " << actual[i] << ", expected " << out[i] << "\n";
        ++mismatches;
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << actual.size() << " outputs differ\n";
        return 1;
    }
    std::cout << "ok: decoder layer seq " << L << " d_model " << D << " heads " << s.heads << " kv_heads " << s.kv_heads
              << " d_head " << s.d_head << " d_ff " << F << ": all " << actual.size()
              << " outputs equal the host reference bit for bit\n";
    return 0;
}
