// attention_check: runs firmware/attention (npu_flash_attention) on random inputs and checks its output bit for bit
// against a host reference that follows the documented arithmetic (sdk/include/npuemu/kernels.h): per query row,
// key blocks of 4 array widths with an online softmax; q k^T and p v in chunks of the array's rows as the matrix unit
// sums them; exp from the host's libm, as the model uses.
//   attention_check --npuemu BIN --image attention.elf [--config test] [--array-rows 16] [--array-cols 16]
//                   [--seq 40] [--heads 4] [--kv-heads 2] [--d-head 16] [--causal 1] [--seed 1] [--workdir DIR]
#include <algorithm>
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

#include "firmware/attention/attention_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_math.h"

namespace {

using Bf16 = uint16_t;
constexpr auto to_float = harness::bf16_to_float;
constexpr auto to_bf16 = harness::float_to_bf16;

}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".";
    reference::AttentionProblem p{40, 4, 2, 16, 1, 16, 16};
    uint32_t seed = 1;
    harness::Options options("attention_check");
    options.add("--npuemu", npuemu)
        .add("--image", image)
        .add("--config", config)
        .add("--workdir", workdir)
        .add("--seq", p.seq)
        .add("--heads", p.heads)
        .add("--kv-heads", p.kv_heads)
        .add("--d-head", p.d_head)
        .add("--causal", p.causal)
        .add("--seed", seed)
        .add("--array-rows", p.rows)
        .add("--array-cols", p.cols);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    if (npuemu.empty() || image.empty() || p.kv_heads == 0 || p.heads % p.kv_heads || p.seq == 0 || p.d_head == 0) {
        std::cerr << "usage: attention_check --npuemu BIN --image attention.elf [...] (kv_heads divides heads)\n";
        return 2;
    }
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const uint32_t W = p.width();
    std::vector<Bf16> qkv(size_t(p.seq) * W);
    for (auto& x : qkv) x = to_bf16(normal(rng) * 0.7f);

    std::vector<Bf16> expected(size_t(p.seq) * p.heads * p.d_head);
    std::vector<float> expected_stats(size_t(2) * p.heads * p.seq);  // row_stats: -m, then 1/l
    for (uint32_t r = 0; r < p.seq; ++r) {
        for (uint32_t h = 0; h < p.heads; ++h)
            reference::flash_attention_row(p, qkv, r, h, &expected[(size_t(r) * p.heads + h) * p.d_head],
                                           &expected_stats[size_t(h) * p.seq + r],
                                           &expected_stats[size_t(p.heads + h) * p.seq + r]);
    }

    attention_job job{};
    job.magic = ATTENTION_JOB_MAGIC;
    job.q = 0x82000000u;
    job.k = job.q + p.heads * p.d_head * 2;
    job.v = job.k + p.kv_heads * p.d_head * 2;
    job.ld = W * 2;
    job.seq = p.seq;
    job.heads = p.heads;
    job.kv_heads = p.kv_heads;
    job.d_head = p.d_head;
    job.causal = p.causal;
    job.out = harness::align_64k(job.q + p.seq * W * 2);
    job.out_ld = p.heads * p.d_head * 2;
    job.mask = harness::align_64k(job.out + p.seq * job.out_ld);
    job.row_stats = harness::align_64k(job.mask + 4 * (4 * p.cols) * (4 * p.cols));
    const uint32_t stats_bytes = uint32_t(expected_stats.size() * 4);
    const std::string dir = workdir + "/";
    harness::write_file(dir + "job.bin", std::vector<attention_job>{job});
    harness::write_file(dir + "qkv.bin", qkv);
    const uint32_t out_bytes = p.seq * job.out_ld;
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --max-cycles 20000000000 --load " << dir << "job.bin@"
            << harness::hex(ATTENTION_JOB_ADDRESS) << " --load " << dir << "qkv.bin@" << harness::hex(job.q)
            << " --dump " << harness::hex(job.out) << ":" << out_bytes << ":" << dir << "out.bin --dump "
            << harness::hex(job.row_stats) << ":" << stats_bytes << ":" << dir << "stats.bin " << image << " > " << dir
            << "console.txt";
    if (std::system(command.str().c_str()) != 0) {
        std::cerr << "FAIL: npuemu failed: " << command.str() << "\n";
        return 1;
    }
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    const std::vector<uint8_t> bytes = harness::read_file(dir + "out.bin");
    if (bytes.size() != out_bytes) {
        std::cerr << "FAIL: cannot read the dumped output\n";
        return 1;
    }
    std::vector<Bf16> actual(expected.size());
    std::memcpy(actual.data(), bytes.data(), out_bytes);
    size_t mismatches = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
        if (actual[i] == expected[i]) continue;
        if (mismatches < 5) {
            const size_t row = i / (p.heads * p.d_head), col = i % (p.heads * p.d_head);
            std::cerr << "out[" << row << "][" << col << "] = " << to_float(actual[i]) << ", expected "
                      << to_float(expected[i]) << "\n";
        }
        ++mismatches;
    }
    const std::vector<uint8_t> stats = harness::read_file(dir + "stats.bin");
    if (stats.size() != stats_bytes || std::memcmp(stats.data(), expected_stats.data(), stats_bytes) != 0) {
        std::cerr << "FAIL: the row statistics (-m, 1/l) differ from the host reference's\n";
        ++mismatches;
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << actual.size() << " outputs differ\n";
        return 1;
    }
    std::cout << "ok: attention seq " << p.seq << " heads " << p.heads << " kv_heads " << p.kv_heads << " d_head "
              << p.d_head << (p.causal ? " causal" : "") << ": all " << actual.size()
              << " outputs and the row statistics equal the host reference bit for bit\n";
    return 0;
}
