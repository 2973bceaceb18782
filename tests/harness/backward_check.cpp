// backward_check: runs firmware/backward_ops (npu_rows_backward or npu_column_sums) on random inputs and checks every
// output bit for bit against the host references of tests/harness/reference_backward.h (themselves checked against
// the forward references by finite differences in tests/unit/test_reference_backward.cpp).
//   backward_check --npuemu BIN --image backward_ops.elf --op gelu|softmax|layernorm|colsum|attention [--rows 37]
//                  [--cols 50] [--residual 0|1] [--tiles 4] [--config test] [--seed 1] [--workdir DIR]
//                  [--heads 2] [--kv-heads 0] [--d-head 16] [--array-rows 16] [--array-cols 16]
// --tiles must be the chip's tile count (the column sums' grouping depends on it), --array-rows/cols its array's
// (the GEMMs' chunks, the attention's key blocks). --op attention: causal attention backward over --rows positions
// (npu_attention_backward), given the forward's output and row statistics from the host's flash attention reference.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/backward_ops/backward_ops_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"
#include "tests/harness/reference_backward.h"
#include "tests/harness/reference_math.h"

using reference::Bf16;

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".", op_name;
    uint32_t rows = 37, cols = 50, residual = 0, tiles = 4, seed = 1, heads = 2, d_head = 16, array_rows = 16;
    uint32_t kv_heads = 0, array_cols = 16;
    harness::Options options("backward_check");
    options.add("--npuemu", npuemu)
        .add("--image", image)
        .add("--config", config)
        .add("--workdir", workdir)
        .add("--op", op_name)
        .add("--rows", rows)
        .add("--cols", cols)
        .add("--residual", residual)
        .add("--tiles", tiles)
        .add("--seed", seed)
        .add("--heads", heads)
        .add("--kv-heads", kv_heads)
        .add("--d-head", d_head)
        .add("--array-rows", array_rows)
        .add("--array-cols", array_cols);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    const uint32_t op = op_name == "gelu"        ? 1u
                        : op_name == "softmax"   ? 2u
                        : op_name == "layernorm" ? 3u
                        : op_name == "colsum"    ? BACKWARD_OPS_COLUMN_SUMS
                        : op_name == "attention" ? BACKWARD_OPS_ATTENTION
                                                 : 0u;
    if (npuemu.empty() || image.empty() || op == 0 || rows == 0 || cols == 0 || tiles == 0) {
        std::cerr << "backward_check: --npuemu, --image, --op gelu|softmax|layernorm|colsum and non-zero --rows, "
                     "--cols, --tiles are needed\n";
        return 2;
    }
    if (kv_heads == 0) kv_heads = heads;
    if (op == BACKWARD_OPS_ATTENTION && heads % kv_heads) {
        std::cerr << "backward_check: --kv-heads must divide --heads\n";
        return 2;
    }
    const reference::AttentionProblem att{rows, heads, kv_heads, d_head, 1, array_rows, array_cols};
    if (op == BACKWARD_OPS_ATTENTION) cols = att.width();  // d_qkv's width
    harness::RandomInputs random(seed);
    std::vector<float> x = random.fp32(size_t(rows) * cols, 0.0f, 2.0f),
                       dy = random.fp32(size_t(rows) * cols, 0.0f, 1.0f);
    const std::vector<float> gamma = random.fp32(cols, 1.0f, 0.3f), res = random.fp32(size_t(rows) * cols, 0.0f, 1.0f);
    const float eps = 1e-5f;
    if (op == 2) {  // softmax: x holds P, the forward's output
        for (uint32_t r = 0; r < rows; ++r) reference::softmax_row(&x[size_t(r) * cols], cols);
    }

    // ---- the host reference -------------------------------------------------------------------------------------
    std::vector<float> dx(size_t(rows) * cols), dy_xhat(size_t(rows) * cols);
    const std::vector<Bf16> qkv = random.bf16(size_t(rows) * cols, 0.5f);
    const std::vector<Bf16> d_out = random.bf16(size_t(rows) * heads * d_head, 1.0f);
    std::vector<Bf16> out(size_t(rows) * heads * d_head);
    std::vector<float> row_stats(size_t(2) * heads * rows);
    if (op == BACKWARD_OPS_ATTENTION) {
        for (uint32_t r = 0; r < rows; ++r) {
            for (uint32_t h = 0; h < heads; ++h)
                reference::flash_attention_row(att, qkv, r, h, &out[(size_t(r) * heads + h) * d_head],
                                               &row_stats[size_t(h) * rows + r],
                                               &row_stats[size_t(heads + h) * rows + r]);
        }
        dx = reference::attention_backward_reference(att, qkv, d_out, out, row_stats);
    } else if (op == BACKWARD_OPS_COLUMN_SUMS) {
        dx = reference::column_sums(x.data(), rows, cols, tiles);
    } else {
        for (uint32_t r = 0; r < rows; ++r) {
            const size_t at = size_t(r) * cols;
            if (op == 1) {
                for (uint32_t c = 0; c < cols; ++c) dx[at + c] = reference::gelu_backward(x[at + c], dy[at + c]);
            } else if (op == 2) {
                reference::softmax_backward_row(&x[at], &dy[at], &dx[at], cols);
            } else {
                reference::layernorm_backward_row(&x[at], &dy[at], gamma.data(), eps, cols, &dx[at], &dy_xhat[at]);
                for (uint32_t c = 0; c < cols; ++c) dy_xhat[at + c] = dy[at + c] * dy_xhat[at + c];
            }
            if (residual) {
                for (uint32_t c = 0; c < cols; ++c) dx[at + c] = dx[at + c] + res[at + c];
            }
        }
    }
    std::vector<uint16_t> dx16(dx.size());
    for (size_t i = 0; i < dx.size(); ++i) dx16[i] = harness::float_to_bf16(dx[i]);

    // ---- the emulator -------------------------------------------------------------------------------------------
    backward_ops_job job{};
    job.magic = BACKWARD_OPS_JOB_MAGIC;
    job.version = BACKWARD_OPS_JOB_VERSION;
    job.bytes = sizeof job;
    job.op = op;
    job.rows = rows;
    job.cols = cols;
    std::memcpy(&job.eps_bits, &eps, 4);
    const std::string dir = workdir + "/";
    harness::InputPlacer placer(dir, 0x82000000u);
    job.x = placer.place(x, "x");
    job.dy = placer.place(dy, "dy");
    job.gamma = placer.place(gamma, "gamma");
    if (residual) job.residual = placer.place(res, "residual");
    const uint32_t bytes32 = uint32_t(dx.size() * 4), bytes16 = uint32_t(dx.size() * 2);
    job.dx = placer.reserve(bytes32);
    job.dx_bf16 = op >= BACKWARD_OPS_COLUMN_SUMS ? 0 : placer.reserve(bytes16);
    job.dy_xhat = op == 3 ? placer.reserve(bytes32) : 0;
    job.partials = placer.reserve(tiles * cols * 4);
    if (op == BACKWARD_OPS_ATTENTION) {
        job.heads = heads;
        job.kv_heads = kv_heads;
        job.d_head = d_head;
        job.qkv = placer.place(qkv, "qkv");
        job.d_out = placer.place(d_out, "d_out");
        job.out = placer.place(out, "out");
        job.row_stats = placer.place(row_stats, "row_stats");
        // npu_attention_backward_scratch_bytes: the mask, -D, and the dq terms of key blocks 1.. of every head.
        const uint32_t bk = 4 * array_cols, later = (rows + bk - 1) / bk - 1;
        const uint32_t term_rows = later * rows - bk * (later * (later + 1) / 2);
        job.scratch = placer.reserve(bk * bk * 4 + ((heads * rows * 4 + 255) & ~255u) + heads * term_rows * d_head * 4);
    }
    harness::write_file(dir + "job.bin", &job, sizeof job);
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --max-cycles 2000000000 --load " << dir << "job.bin@"
            << harness::hex(BACKWARD_OPS_JOB_ADDRESS) << placer.loads() << " --dump " << harness::hex(job.dx) << ":"
            << bytes32 << ":" << dir << "dx.bin";
    if (job.dx_bf16) command << " --dump " << harness::hex(job.dx_bf16) << ":" << bytes16 << ":" << dir << "dx16.bin";
    if (job.dy_xhat) command << " --dump " << harness::hex(job.dy_xhat) << ":" << bytes32 << ":" << dir << "dyx.bin";
    command << " " << image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    if (status != 0) {
        std::cerr << "FAIL: npuemu failed (status " << status << "): " << command.str() << "\n";
        return 1;
    }
    size_t mismatches =
        harness::count_mismatches("dx", harness::read_file(dir + "dx.bin"), dx.data(), bytes32, 4, cols);
    if (job.dx_bf16) {
        mismatches +=
            harness::count_mismatches("dx_bf16", harness::read_file(dir + "dx16.bin"), dx16.data(), bytes16, 2, cols);
    }
    if (job.dy_xhat) {
        mismatches +=
            harness::count_mismatches("dy_xhat", harness::read_file(dir + "dyx.bin"), dy_xhat.data(), bytes32, 4, cols);
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " outputs differ\n";
        return 1;
    }
    std::cout << "ok: backward " << op_name << " " << rows << " x " << cols << (residual ? " + residual" : "")
              << ": every output equals the host reference bit for bit\n";
    return 0;
}
