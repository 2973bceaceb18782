// decoder_train_check: runs firmware/decoder_train (npu_decoder_train: a GPT- or Llama-style decoder layer's forward
// and backward) on random inputs and checks the layer's output and every gradient bit for bit against the host
// reference of tests/harness/reference_decoder.h (its backward checked against its forward by finite differences in
// tests/unit/test_reference_decoder_backward.cpp).
//   decoder_train_check --npuemu BIN --image decoder_train.elf [--config test] [--tiles 4] [--array-rows 16]
//                       [--array-cols 16] [--seq 40] [--d-model 48] [--heads 3] [--kv-heads 0 (= heads)] [--d-head 16]
//                       [--d-ff 72] [--seed 1] [--workdir DIR] [--rmsnorm 0|1] [--swiglu 0|1] [--rotary 0|1]
//                       [--job-version N] [--job-bytes N]
// --tiles must be the chip's tile count (the column sums' grouping), --array-rows/cols its array's. --job-version and
// --job-bytes write a job the firmware must refuse (the run then fails; the test checks its words).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/decoder_train/decoder_train_job.h"
#include "tests/harness/decoder_harness.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_decoder.h"

namespace {

// One result the run dumps and the reference it must equal.
struct Expected {
    std::string name;
    uint32_t address;
    const void* data;
    uint32_t bytes, word_bytes, cols;
};

template <typename T>
Expected expected(const std::string& name, uint32_t address, const std::vector<T>& data, uint32_t cols) {
    return {name, address, data.data(), uint32_t(data.size() * sizeof(T)), uint32_t(sizeof(T)), cols};
}

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    reference::DecoderShape s;
    s.kv_heads = 0;  // 0: = heads
    uint32_t seed = 1, tiles = 4, job_version = DECODER_TRAIN_JOB_VERSION, job_bytes = sizeof(decoder_train_job);
    harness::Options options("decoder_train_check");
    options.add("--npuemu", npuemu)
        .add("--image", image)
        .add("--config", config)
        .add("--workdir", workdir)
        .add("--tiles", tiles)
        .add("--seed", seed)
        .add("--job-version", job_version)
        .add("--job-bytes", job_bytes);
    const harness::DecoderShapeOptions shape_options(options, s);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    shape_options.apply();
    if (s.kv_heads == 0) s.kv_heads = s.heads;
    if (npuemu.empty() || image.empty() || s.heads == 0 || s.seq == 0 || tiles == 0 || s.heads % s.kv_heads ||
        (s.rotary && s.d_head % 2) || job_bytes > sizeof(decoder_train_job)) {
        std::cerr << "usage: decoder_train_check --npuemu BIN --image decoder_train.elf [...] (non-zero sizes)\n";
        return 2;
    }
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, F1 = s.ff1(), W = s.width();
    harness::RandomInputs random(seed);
    std::vector<float> x;
    const reference::DecoderParams p = harness::random_decoder_inputs(random, s, x);
    const std::vector<float> d_out = random.fp32(size_t(L) * D, 0, 1);

    // ---- the reference --------------------------------------------------------------------------------------------
    const reference::DecoderActivations act = reference::decoder_forward(s, p, x);
    const reference::DecoderGradients g = reference::decoder_backward(s, p, x, act, d_out, tiles);

    // ---- the emulator -------------------------------------------------------------------------------------------
    decoder_train_job job{};
    job.magic = DECODER_TRAIN_JOB_MAGIC;
    job.version = job_version;
    job.bytes = job_bytes;
    const std::string dir = workdir + "/";
    harness::InputPlacer placer(dir, 0x82000000u);
    harness::place_decoder_layer(job.layer, s, p, x, placer);
    auto place = [&](uint32_t& field, const auto& data, const char* name) { field = placer.place(data, name); };
    place(job.d_out, d_out, "d_out");
    auto reserve = [&](uint32_t& field, const auto& like) {
        field = placer.reserve(uint32_t(like.size() * sizeof(like[0])));
    };
    reserve(job.layer.out, act.out);
    reserve(job.d_x, g.dx);
    reserve(job.d_wqkv, g.dwqkv);
    reserve(job.d_wo, g.dwo);
    reserve(job.d_w1, g.dw1);
    reserve(job.d_w2, g.dw2);
    reserve(job.d_bqkv, g.dbqkv);
    reserve(job.d_bo, g.dbo);
    reserve(job.d_b1, g.db1);
    reserve(job.d_b2, g.db2);
    reserve(job.d_ln1_gamma, g.dln1_gamma);
    if (!s.rmsnorm) reserve(job.d_ln1_beta, g.dln1_beta);
    reserve(job.d_ln2_gamma, g.dln2_gamma);
    if (!s.rmsnorm) reserve(job.d_ln2_beta, g.dln2_beta);
    job.layer.scratch = placer.next();
    harness::write_file(dir + "job.bin", &job, sizeof job);
    std::vector<Expected> results = {
        expected("out", job.layer.out, act.out, D),
        expected("d_x", job.d_x, g.dx, D),
        expected("d_wqkv", job.d_wqkv, g.dwqkv, W),
        expected("d_wo", job.d_wo, g.dwo, D),
        expected("d_w1", job.d_w1, g.dw1, F1),
        expected("d_w2", job.d_w2, g.dw2, D),
        expected("d_bqkv", job.d_bqkv, g.dbqkv, W),
        expected("d_bo", job.d_bo, g.dbo, D),
        expected("d_b1", job.d_b1, g.db1, F1),
        expected("d_b2", job.d_b2, g.db2, D),
        expected("d_ln1_gamma", job.d_ln1_gamma, g.dln1_gamma, D),
        expected("d_ln2_gamma", job.d_ln2_gamma, g.dln2_gamma, D),
    };
    if (!s.rmsnorm) {  // RMS norm has no betas
        results.push_back(expected("d_ln1_beta", job.d_ln1_beta, g.dln1_beta, D));
        results.push_back(expected("d_ln2_beta", job.d_ln2_beta, g.dln2_beta, D));
    }
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --max-cycles 20000000000 --load " << dir << "job.bin@"
            << harness::hex(DECODER_TRAIN_JOB_ADDRESS) << placer.loads();
    for (const Expected& e : results)
        command << " --dump " << harness::hex(e.address) << ":" << e.bytes << ":" << dir << e.name << ".bin";
    command << " " << image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    if (status != 0) {
        std::cerr << "FAIL: npuemu failed (status " << status << "): " << command.str() << "\n";
        return 1;
    }
    size_t mismatches = 0, words = 0;
    for (const Expected& e : results) {
        mismatches += harness::count_mismatches(e.name, harness::read_file(dir + e.name + ".bin"), e.data, e.bytes,
                                                e.word_bytes, e.cols);
        words += e.bytes / e.word_bytes;
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << words << " results differ from the host reference\n";
        return 1;
    }
    std::cout << "ok: " << (s.swiglu || s.rmsnorm || s.rotary ? "Llama" : "GPT")
              << "-style decoder layer training step seq " << L << " d_model " << D << " heads " << s.heads << " ("
              << s.kv_heads << " KV) d_head " << s.d_head << " d_ff " << F << (s.rmsnorm ? " rmsnorm" : "")
              << (s.swiglu ? " swiglu" : "") << (s.rotary ? " rotary" : "") << ": the output and all "
              << results.size() - 1 << " gradients (" << words << " values) equal the host reference bit for bit\n";
    return 0;
}
