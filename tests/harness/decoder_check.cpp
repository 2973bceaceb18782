// decoder_check: runs firmware/decoder_layer (npu_decoder_layer) on random inputs and checks its FP32 output bit for
// bit against a host reference that takes the layer's documented steps (sdk/include/npuemu/kernels.h) with the
// kernels' arithmetic (tests/harness/reference_math.h); with --tp N, the layer tensor-parallel over N chips of a system
// (each chip its rank's shard, the row-parallel outputs all-reduced: reference_decoder_tp.h), every chip's output checked.
//   decoder_check --npuemu BIN --image decoder_layer.elf [--config test] [--array-rows 16] [--array-cols 16]
//                 [--seq 40] [--d-model 48] [--heads 3] [--kv-heads 1] [--d-head 16] [--d-ff 72] [--seed 1]
//                 [--workdir DIR] [--job-version N] [--rmsnorm 0|1] [--swiglu 0|1] [--rotary 0|1]
//                 [--tp N --tiles T]
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
#include "tests/harness/reference_decoder_tp.h"

using reference::Bf16;

namespace {

// Chip `chip`'s job block and inputs (files named rank_N_*; chip -1: a one-chip run, no prefix), placed from
// 0x82000000 in its chip's memory; appends the --load options (with a chip prefix for a chip) to `loads`.
decoder_job place_job(const reference::DecoderShape& s, const reference::DecoderParams& p, const std::vector<float>& x,
                      const std::string& dir, int chip, uint32_t job_version, std::string& loads) {
    decoder_job job{};
    job.magic = DECODER_JOB_MAGIC;
    job.version = job_version;
    const std::string prefix = chip >= 0 ? "rank_" + std::to_string(chip) + "_" : "";
    harness::InputPlacer placer(dir + prefix, 0x82000000u, chip);
    harness::place_decoder_layer(job.layer, s, p, x, placer);
    job.layer.tp_coll = chip >= 0;  // any non-zero: the firmware's own ring settings
    job.layer.out = placer.reserve(s.seq * s.d_model * 4);
    job.layer.scratch = placer.next();
    harness::write_file(dir + prefix + "job.bin", std::vector<decoder_job>{job});
    loads +=
        " --load " + dir + prefix + "job.bin" + placer.target() + harness::hex(DECODER_JOB_ADDRESS) + placer.loads();
    return job;
}

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    reference::DecoderShape s;
    uint32_t seed = 1, job_version = DECODER_JOB_VERSION;
    uint32_t tp = 1, tiles = 4;
    harness::Options options("decoder_check");
    options.add("--npuemu", npuemu)
        .add("--image", image)
        .add("--config", config)
        .add("--workdir", workdir)
        .add("--seed", seed)
        .add("--job-version", job_version)
        .add("--tp", tp)
        .add("--tiles", tiles);
    const harness::DecoderShapeOptions shape_options(options, s);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    shape_options.apply();
    if (npuemu.empty() || image.empty() || s.kv_heads == 0 || s.heads % s.kv_heads || tp == 0 || s.kv_heads % tp ||
        s.d_ff % tp || tiles == 0) {
        std::cerr << "usage: decoder_check --npuemu BIN --image decoder_layer.elf [...] [--tp N --tiles T] (kv_heads "
                     "divides heads; N divides kv_heads and d_ff; T: the chip config's tiles)\n";
        return 2;
    }
    const uint32_t L = s.seq, D = s.d_model, F = s.d_ff;
    harness::RandomInputs random(seed);
    std::vector<float> x;
    const reference::DecoderParams p = harness::random_decoder_inputs(random, s, x);

    // ---- the reference: the layer's steps, each with its kernel's arithmetic ------------------------------------
    const std::vector<float> out =
        tp > 1 ? reference::decoder_forward_tp(s, p, x, tp, tiles) : reference::decoder_forward(s, p, x).out;

    // ---- the emulator: one chip, or tp chips each with its rank's shard ------------------------------------------
    const std::string dir = workdir + "/";
    std::string loads, dumps;
    for (uint32_t rank = 0; rank < tp; ++rank) {
        reference::DecoderShape rank_shape = s;
        const reference::DecoderParams rank_params = tp > 1 ? reference::decoder_shard(s, p, rank, tp, rank_shape) : p;
        const decoder_job job = place_job(rank_shape, rank_params, x, dir, tp > 1 ? int(rank) : -1, job_version, loads);
        dumps += " --dump " + (tp > 1 ? "c" + std::to_string(rank) + ":" : std::string()) +
                 harness::hex(job.layer.out) + ":" + std::to_string(L * D * 4) + ":" + dir + "out" +
                 std::to_string(rank) + ".bin";
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
              << " d_head " << s.d_head << " d_ff " << F << (s.rmsnorm ? " rmsnorm" : "") << (s.swiglu ? " swiglu" : "")
              << (s.rotary ? " rotary" : "");
    if (tp > 1) std::cout << ", tensor parallel over " << tp << " chips (every chip's output checked)";
    std::cout << ": all " << out.size() << " outputs equal the host reference bit for bit\n";
    return 0;
}
