// decoder_check: runs firmware/decoder_layer (npu_decoder_layer) on random inputs and checks its FP32 output bit for
// bit against a host reference that takes the layer's documented steps (sdk/include/npuemu/kernels.h) with the
// kernels' arithmetic (tests/harness/decoder_reference.h). With --tp N the layer runs tensor-parallel on a system of
// N chips (node4's links, the --config chip): each chip gets its rank's shard and the all-reduces are the SDK's BF16
// ring over T tiles per chip (--tiles: the chip config's); every chip's output is checked.
//   decoder_check --npuemu BIN --image decoder_layer.elf [--config test] [--array-rows 16] [--array-cols 16]
//                 [--seq 40] [--d-model 48] [--heads 3] [--kv-heads 1] [--d-head 16] [--d-ff 72] [--seed 1]
//                 [--workdir DIR] [--job-version N] [--rmsnorm 0|1] [--swiglu 0|1] [--rotary 0|1] [--tp N --tiles T]
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/decoder_layer/decoder_job.h"
#include "tests/harness/decoder_reference.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"

namespace {

using decoder_reference::Shape;
using decoder_reference::Weights;

// Rank `rank`'s job block and inputs, placed from 0x82000000 in its chip's memory (files named rank_N_*); the
// --load options in `loads` (with a chip prefix when `chip` >= 0).
decoder_job place_job(const Shape& s, const Weights& w, const std::string& dir, int chip, float eps,
                      bool tensor_parallel, std::string& loads, uint32_t& out_address) {
    decoder_job job{};
    job.magic = DECODER_JOB_MAGIC;
    job.version = DECODER_JOB_VERSION;
    job.seq = s.seq;
    job.d_model = s.d_model;
    job.heads = s.heads;
    job.kv_heads = s.kv_heads;
    job.d_head = s.d_head;
    job.d_ff = s.d_ff;
    job.norm = s.rmsnorm ? 3 : 0;  // NPU_ROWS_RMSNORM
    job.swiglu = s.swiglu;
    job.tp_coll = tensor_parallel;  // the firmware's own ring settings
    std::memcpy(&job.eps_bits, &eps, 4);
    const std::string prefix = chip >= 0 ? "rank_" + std::to_string(chip) + "_" : "";
    harness::InputPlacer placer(dir + prefix, 0x82000000u);
    auto place = [&](uint32_t& field, const auto& data, const char* name) { field = placer.place(data, name); };
    place(job.x, w.x, "x");
    place(job.ln1_gamma, w.ln1_gamma, "ln1_gamma");
    place(job.ln1_beta, w.ln1_beta, "ln1_beta");
    place(job.wqkv, w.wqkv, "wqkv");
    place(job.bqkv, w.bqkv, "bqkv");
    place(job.wo, w.wo, "wo");
    place(job.bo, w.bo, "bo");
    place(job.ln2_gamma, w.ln2_gamma, "ln2_gamma");
    place(job.ln2_beta, w.ln2_beta, "ln2_beta");
    place(job.w1, w.w1, "w1");
    place(job.b1, w.b1, "b1");
    place(job.w2, w.w2, "w2");
    place(job.b2, w.b2, "b2");
    if (s.rotary) {
        place(job.rotary_cos, w.rotary_cos, "rotary_cos");
        place(job.rotary_sin, w.rotary_sin, "rotary_sin");
    }
    job.out = out_address = placer.reserve(s.seq * s.d_model * 4);
    job.scratch = placer.next();
    std::string where = chip >= 0 ? "@c" + std::to_string(chip) + ":" : "@";
    harness::write_file(dir + prefix + "job.bin", std::vector<decoder_job>{job});
    loads += " --load " + dir + prefix + "job.bin" + where + harness::hex(DECODER_JOB_ADDRESS);
    std::string placed = placer.loads();
    for (size_t at = placed.find("@0x"); at != std::string::npos; at = placed.find("@0x", at + where.size()))
        placed.replace(at, 1, where);
    loads += placed;
    return job;
}

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    Shape s;
    uint32_t seed = 1, rows = 16, cols = 16, job_version = DECODER_JOB_VERSION, rmsnorm = 0, swiglu = 0, rotary = 0;
    uint32_t tp = 1, tiles = 4;
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
            .add("--rotary", rotary)
            .add("--tp", tp)
            .add("--tiles", tiles);
        options.parse(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::cerr << error.what() << "\n";
        return 2;
    }
    s.rmsnorm = rmsnorm;
    s.swiglu = swiglu;
    s.rotary = rotary;
    if (npuemu.empty() || image.empty() || s.kv_heads == 0 || s.heads % s.kv_heads || tp == 0 || s.kv_heads % tp ||
        s.d_ff % tp || tiles == 0) {
        std::cerr << "usage: decoder_check --npuemu BIN --image decoder_layer.elf [...] [--tp N --tiles T] (kv_heads "
                     "divides heads; N divides kv_heads and d_ff; T: the chip config's tiles)\n";
        return 2;
    }
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff, W = s.width(), Q = s.heads * s.d_head;
    harness::RandomInputs random(seed);
    auto random_bf16 = [&](size_t n, float scale) { return random.bf16(n, scale); };
    auto random_fp32 = [&](size_t n, float mean, float scale) { return random.fp32(n, mean, scale); };
    Weights w;
    w.x = random_fp32(size_t(L) * D, 0, 1);
    w.ln1_gamma = random_fp32(D, 1, 0.1f);
    w.ln1_beta = random_fp32(D, 0, 0.1f);
    w.wqkv = random_bf16(size_t(D) * W, 1 / std::sqrt(float(D)));
    w.bqkv = random_fp32(W, 0, 0.1f);
    w.wo = random_bf16(size_t(Q) * D, 1 / std::sqrt(float(Q)));
    w.bo = random_fp32(D, 0, 0.1f);
    w.ln2_gamma = random_fp32(D, 1, 0.1f);
    w.ln2_beta = random_fp32(D, 0, 0.1f);
    w.w1 = random_bf16(size_t(D) * s.up_width(), 1 / std::sqrt(float(D)));
    w.b1 = random_fp32(s.up_width(), 0, 0.1f);
    w.w2 = random_bf16(size_t(F) * D, 1 / std::sqrt(float(F)));
    w.b2 = random_fp32(D, 0, 0.1f);
    const float eps = 1e-5f;
    // Rotary tables as Llama 3 makes them (theta 500000): position r, pair i: angle r * theta^(-2i / d_head).
    const uint32_t half = s.d_head / 2;
    w.rotary_cos.resize(size_t(L) * half);
    w.rotary_sin.resize(size_t(L) * half);
    for (uint32_t r = 0; r < L; ++r) {
        for (uint32_t i = 0; i < half; ++i) {
            const double angle = r * std::pow(500000.0, -2.0 * i / s.d_head);
            w.rotary_cos[size_t(r) * half + i] = static_cast<float>(std::cos(angle));
            w.rotary_sin[size_t(r) * half + i] = static_cast<float>(std::sin(angle));
        }
    }
    const std::vector<float> out = decoder_reference::layer(s, w, tp, tiles, eps, rows, cols);

    // ---- the emulator: one chip, or tp chips each with its rank's shard -------------------------------------------
    const std::string dir = workdir + "/";
    std::string loads, dumps;
    for (uint32_t rank = 0; rank < tp; ++rank) {
        Shape rank_shape = s;
        const Weights rank_weights = tp > 1 ? decoder_reference::shard(s, w, rank, tp, rank_shape) : w;
        uint32_t out_address = 0;
        decoder_job job =
            place_job(rank_shape, rank_weights, dir, tp > 1 ? int(rank) : -1, eps, tp > 1, loads, out_address);
        if (job_version != DECODER_JOB_VERSION) {  // a job block of another version, to be refused
            job.version = job_version;
            harness::write_file(dir + (tp > 1 ? "rank_" + std::to_string(rank) + "_" : "") + "job.bin",
                                std::vector<decoder_job>{job});
        }
        dumps += " --dump " + (tp > 1 ? "c" + std::to_string(rank) + ":" : std::string()) + harness::hex(out_address) +
                 ":" + std::to_string(L * D * 4) + ":" + dir + "out" + std::to_string(rank) + ".bin";
    }
    std::ostringstream command;
    command << npuemu << " run -q";
    if (tp > 1) {
        command << " --system node4 --set chips.config=" << config << " --set chips.count=" << tp
                << " --set nodes.chips_per_node=" << tp;
    } else {
        command << " -c " << config;
    }
    command << " --max-cycles 20000000000" << loads << dumps << " " << image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    if (status != 0) {
        std::cerr << "FAIL: npuemu failed (status " << status << "): " << command.str() << "\n";
        return 1;
    }
    for (uint32_t rank = 0; rank < tp; ++rank) {
        const std::vector<uint8_t> bytes = harness::read_file(dir + "out" + std::to_string(rank) + ".bin");
        if (bytes.size() != size_t(L) * D * 4) {
            std::cerr << "FAIL: cannot read the dumped output of chip " << rank << "\n";
            return 1;
        }
        std::vector<float> actual(out.size());
        std::memcpy(actual.data(), bytes.data(), bytes.size());
        size_t mismatches = 0;
        for (size_t i = 0; i < actual.size(); ++i) {
            if (std::memcmp(&actual[i], &out[i], 4) == 0) continue;
            if (mismatches < 5) {
                std::cerr << "chip " << rank << ": out[" << i / D << "][" << i % D << "] = " << actual[i]
                          << ", expected " << out[i] << "\n";
            }
            ++mismatches;
        }
        if (mismatches) {
            std::cerr << "FAIL: chip " << rank << ": " << mismatches << " of " << actual.size() << " outputs differ\n";
            return 1;
        }
    }
    std::cout << "ok: decoder layer seq " << L << " d_model " << D << " heads " << s.heads << " kv_heads " << s.kv_heads
              << " d_head " << s.d_head << " d_ff " << F << (rmsnorm ? " rmsnorm" : "") << (swiglu ? " swiglu" : "")
              << (rotary ? " rotary" : "");
    if (tp > 1) std::cout << ", tensor parallel over " << tp << " chips (every chip's output checked)";
    std::cout << ": all " << out.size() << " outputs equal the host reference bit for bit\n";
    return 0;
}
