// decoder_check: runs firmware/decoder_layer (npu_decoder_layer) on random inputs and checks its FP32 output bit for
// bit against a host reference that takes the layer's documented steps (sdk/include/npuemu/kernels.h) with the
// kernels' arithmetic (tests/harness/reference_math.h).
//   decoder_check --npuemu BIN --image decoder_layer.elf [--config test] [--array-rows 16] [--array-cols 16]
//                 [--seq 40] [--d-model 48] [--heads 3] [--kv-heads 1] [--d-head 16] [--d-ff 72] [--seed 1]
//                 [--workdir DIR] [--job-version N] [--rmsnorm 0|1] [--swiglu 0|1] [--rotary 0|1]
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
#include "tests/harness/decoder_harness.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_decoder.h"

using reference::Bf16;

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    reference::DecoderShape s;
    uint32_t seed = 1, rows = 16, cols = 16, job_version = DECODER_JOB_VERSION, rmsnorm = 0, swiglu = 0, rotary = 0;
    try {
        harness::Options options("decoder_check");
        options.add("--npuemu", npuemu)
            .add("--image", image)
            .add("--config", config)
            .add("--workdir", workdir)
            .add("--seq", s.seq)
            .add("--d-model", s.d_model)
            .add("--heads", s.heads)
            .add("--kv-heads", s.kv_heads)
            .add("--d-head", s.d_head)
            .add("--d-ff", s.d_ff)
            .add("--seed", seed)
            .add("--array-rows", rows)
            .add("--array-cols", cols)
            .add("--job-version", job_version)
            .add("--rmsnorm", rmsnorm)
            .add("--swiglu", swiglu)
            .add("--rotary", rotary);
        options.parse(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::cerr << error.what() << "\n";
        return 2;
    }
    if (npuemu.empty() || image.empty() || s.kv_heads == 0 || s.heads % s.kv_heads) {
        std::cerr << "usage: decoder_check --npuemu BIN --image decoder_layer.elf [...] (kv_heads divides heads)\n";
        return 2;
    }
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff;
    s.rmsnorm = rmsnorm;
    s.swiglu = swiglu;
    s.rotary = rotary;
    s.array_rows = rows;
    s.array_cols = cols;
    harness::RandomInputs random(seed);
    std::vector<float> x;
    const reference::DecoderParams p = harness::random_decoder_inputs(random, s, x);

    // ---- the reference: the layer's steps, each with its kernel's arithmetic ------------------------------------
    const std::vector<float> out = reference::decoder_forward(s, p, x).out;

    // ---- the emulator -------------------------------------------------------------------------------------------
    decoder_job job{};
    job.magic = DECODER_JOB_MAGIC;
    job.version = job_version;
    const std::string dir = workdir + "/";
    harness::InputPlacer placer(dir, 0x82000000u);
    harness::place_decoder_layer(job.layer, s, p, x, placer);
    job.layer.out = placer.reserve(L * D * 4);
    job.layer.scratch = placer.next();
    harness::write_file(dir + "job.bin", std::vector<decoder_job>{job});
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --max-cycles 20000000000 --load " << dir << "job.bin@"
            << harness::hex(DECODER_JOB_ADDRESS) << placer.loads() << " --dump " << harness::hex(job.layer.out) << ":"
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
        if (mismatches < 5)
            std::cerr << "out[" << i / D << "][" << i % D << "] = " << actual[i] << ", expected " << out[i] << "\n";
        ++mismatches;
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << actual.size() << " outputs differ\n";
        return 1;
    }
    std::cout << "ok: decoder layer seq " << L << " d_model " << D << " heads " << s.heads << " kv_heads " << s.kv_heads
              << " d_head " << s.d_head << " d_ff " << F << (rmsnorm ? " rmsnorm" : "") << (swiglu ? " swiglu" : "")
              << (rotary ? " rotary" : "") << ": all " << actual.size()
              << " outputs equal the host reference bit for bit\n";
    return 0;
}
