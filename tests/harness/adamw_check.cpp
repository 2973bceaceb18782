// adamw_check: runs firmware/optimizer (npu_adamw) on random weights, moments and gradients and checks the updated
// FP32 weights and moments and the BF16 weight copy bit for bit against the host reference that takes the kernel's
// documented steps (tests/harness/adamw_reference.h).
//   adamw_check --npuemu BIN --image optimizer.elf [--config test] [--count 5000] [--grad-dtype bf16|fp32]
//               [--w-bf16 0|1] [--step 7] [--seed 1] [--workdir DIR] [--job-version N] [--job-bytes N]
//               [--w-bf16-address A] (the last three make bad job blocks for the tests that they are refused)
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/optimizer/optimizer_job.h"
#include "tests/harness/adamw_reference.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"

namespace {

constexpr uint32_t kDtypeBf16 = 1, kDtypeFp32 = 3;  // NPU_DTYPE_*

uint32_t bits_of(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    return bits;
}

// The dumped file's elements against the expected ones, bit for bit; prints the first few differences.
template <typename T>
size_t compare(const std::string& file, const std::vector<T>& expected, const char* name) {
    const std::vector<uint8_t> bytes = harness::read_file(file);
    if (bytes.size() != expected.size() * sizeof(T)) {
        std::cerr << name << ": the dump holds " << bytes.size() << " bytes, expected " << expected.size() * sizeof(T)
                  << "\n";
        return expected.size();
    }
    size_t mismatches = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        T actual;
        std::memcpy(&actual, &bytes[i * sizeof(T)], sizeof(T));
        if (std::memcmp(&actual, &expected[i], sizeof(T)) == 0) continue;
        if (mismatches < 5) std::cerr << name << "[" << i << "] = " << +actual << ", expected " << +expected[i] << "\n";
        ++mismatches;
    }
    return mismatches;
}

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".", grad_dtype = "bf16";
    uint32_t count = 5000, w_bf16 = 1, step = 7, seed = 1, job_version = OPTIMIZER_JOB_VERSION;
    uint32_t job_bytes = sizeof(optimizer_job), w_bf16_address = 0;
    harness::Options options("adamw_check");
    options.add("--npuemu", npuemu)
        .add("--image", image)
        .add("--config", config)
        .add("--workdir", workdir)
        .add("--count", count)
        .add("--grad-dtype", grad_dtype)
        .add("--w-bf16", w_bf16)
        .add("--step", step)
        .add("--seed", seed)
        .add("--job-version", job_version)
        .add("--job-bytes", job_bytes)
        .add("--w-bf16-address", w_bf16_address);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    if (npuemu.empty() || image.empty() || (grad_dtype != "bf16" && grad_dtype != "fp32")) {
        std::cerr << "usage: adamw_check --npuemu BIN --image optimizer.elf [...] (--grad-dtype bf16 or fp32)\n";
        return 2;
    }
    const bool bf16_grads = grad_dtype == "bf16";
    harness::RandomInputs random(seed);
    std::vector<float> w = random.fp32(count, 0, 1);
    std::vector<float> m = random.fp32(count, 0, 0.01f);
    std::vector<float> v = random.fp32(count, 0, 1e-4f);
    for (size_t i = 0; i < count; ++i) v[i] = i % 17 == 0 ? 0.0f : std::fabs(v[i]);  // some zero second moments
    std::vector<float> g = random.fp32(count, 0, 0.01f);
    std::vector<uint16_t> g16(count);
    for (size_t i = 0; i < count; ++i) {
        if (i % 23 == 0) g[i] = 0;
        g16[i] = harness::float_to_bf16(g[i]);
        if (bf16_grads) g[i] = harness::bf16_to_float(g16[i]);  // what the kernel converts back
    }
    reference::AdamwHyper hyper;
    hyper.lr = 3e-4f;
    hyper.beta1 = 0.9f;
    hyper.beta2 = 0.95f;
    hyper.eps = 1e-8f;
    hyper.weight_decay = 0.1f;
    hyper.step = step;

    // ---- the emulator's inputs, before the reference updates them in place -------------------------------------
    optimizer_job job{};
    job.magic = OPTIMIZER_JOB_MAGIC;
    job.version = job_version;
    job.bytes = job_bytes;
    job.count = count;
    job.grad_dtype = bf16_grads ? kDtypeBf16 : kDtypeFp32;
    job.lr_bits = bits_of(hyper.lr);
    job.beta1_bits = bits_of(hyper.beta1);
    job.beta2_bits = bits_of(hyper.beta2);
    job.eps_bits = bits_of(hyper.eps);
    job.weight_decay_bits = bits_of(hyper.weight_decay);
    job.step = step;
    const std::string dir = workdir + "/";
    harness::InputPlacer placer(dir, 0x82000000u);
    job.w = placer.place(w, "w");
    job.m = placer.place(m, "m");
    job.v = placer.place(v, "v");
    job.g = bf16_grads ? placer.place(g16, "g") : placer.place(g, "g");
    job.w_bf16 = w_bf16 ? placer.reserve(count * 2) : 0;
    if (w_bf16_address) job.w_bf16 = w_bf16_address;  // a bad-input test: put the copy where the firmware refuses it
    harness::write_file(dir + "job.bin", &job, sizeof job);

    // ---- the reference ---------------------------------------------------------------------------------------------
    const std::vector<uint16_t> expected_w16 = reference::adamw_step(hyper, g, w, m, v);

    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --load " << dir << "job.bin@"
            << harness::hex(OPTIMIZER_JOB_ADDRESS) << placer.loads();
    command << " --dump " << harness::hex(job.w) << ":" << count * 4 << ":" << dir << "w_out.bin";
    command << " --dump " << harness::hex(job.m) << ":" << count * 4 << ":" << dir << "m_out.bin";
    command << " --dump " << harness::hex(job.v) << ":" << count * 4 << ":" << dir << "v_out.bin";
    if (w_bf16 && !w_bf16_address)
        command << " --dump " << harness::hex(job.w_bf16) << ":" << count * 2 << ":" << dir << "w16_out.bin";
    command << " " << image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    if (status != 0) {
        std::cerr << "FAIL: npuemu failed (status " << status << "): " << command.str() << "\n";
        return 1;
    }
    size_t mismatches =
        compare(dir + "w_out.bin", w, "w") + compare(dir + "m_out.bin", m, "m") + compare(dir + "v_out.bin", v, "v");
    if (w_bf16) mismatches += compare(dir + "w16_out.bin", expected_w16, "w_bf16");
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " outputs differ\n";
        return 1;
    }
    std::cout << "ok: adamw " << count << " parameters, " << grad_dtype << " gradients, step " << step
              << (w_bf16 ? ", bf16 copy" : "") << ": w, m, v" << (w_bf16 ? " and w_bf16" : "")
              << " equal the host reference bit for bit\n";
    return 0;
}
