// decode_attention_check: runs firmware/decode (npu_decode_attention) on random BF16 q, K and V caches and checks the
// output bit for bit against a host reference.
//   decode_attention_check --npuemu BIN --image decode.elf [--config test] [--batch B --heads H --kv-heads G
//                          --d-head D --ctx L] [--seed S] [--array-rows R] [--workdir DIR] [--set KEY=VALUE]...
//                          [--min-hbm-percent PERCENT]
// The reference follows the documented arithmetic: S = q K^T with d_head summed in chunks of the array's rows (each
// from +0.0 in order, chunk sums added in order, FP32), npu_rows' softmax (row max, subtract, exp, left-to-right row
// sum, reciprocal, multiply), P rounded to BF16, O = P V with the positions in chunks of the array's rows, rounded
// to BF16. --min-hbm-percent fails the check when the HBM's read bytes over the kernel's cycles are below that share
// of its peak.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/decode/decode_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"

namespace {

struct DecodeOptions {
    std::string npuemu, image, config = "test", workdir = ".";
    uint32_t batch = 2, heads = 4, kv_heads = 2, d_head = 32, ctx = 100, seed = 1, array_rows = 16;
    double min_hbm_percent = -1, clock_mhz = 1000;
    std::vector<std::string> sets;
};

// y[rows x n] = a[rows x k] b[k x n] (b's element (kk, j) at b[kk * b_row + j * b_col]) with k summed in chunks of
// `chunk`, each from +0.0 in order, the chunk sums added in order: the matrix unit's arithmetic.
std::vector<float> chunked_product(const std::vector<float>& a, uint32_t rows, uint32_t k, const float* b,
                                   size_t b_row, size_t b_col, uint32_t n, uint32_t chunk) {
    std::vector<float> y(size_t(rows) * n, 0.0f);
    for (uint32_t i = 0; i < rows; ++i) {
        for (uint32_t j = 0; j < n; ++j) {
            float total = 0.0f;
            for (uint32_t k0 = 0; k0 < k; k0 += chunk) {
                float column = 0.0f;
                for (uint32_t kk = k0; kk < std::min(k, k0 + chunk); ++kk) {
                    column += a[size_t(i) * k + kk] * b[kk * b_row + j * b_col];
                }
                total = k0 == 0 ? column : total + column;
            }
            y[size_t(i) * n + j] = total;
        }
    }
    return y;
}

// npu_rows' softmax, operation by operation: row max, x - max rounded to FP32 then exp, the row sum left to right,
// its reciprocal, and x times it.
void softmax_in_place(float* x, uint32_t cols) {
    const float m = *std::max_element(x, x + cols);
    float sum = 0.0f;
    for (uint32_t c = 0; c < cols; ++c) {
        const float shifted = x[c] - m;
        x[c] = std::exp(shifted);
    }
    for (uint32_t c = 0; c < cols; ++c) sum += x[c];
    const float reciprocal = 1.0f / sum;
    for (float* e = x; e != x + cols; ++e) *e *= reciprocal;
}

// One (batch, KV head) unit on one tile: S = q K^T (K^T's element (d, p) is K[p][d]), the softmax, P in BF16, P V.
std::vector<float> unit_attention(const std::vector<float>& qf, const std::vector<float>& kf,
                                  const std::vector<float>& vf, uint32_t G, uint32_t dh, uint32_t L, uint32_t rows) {
    std::vector<float> s = chunked_product(qf, G, dh, kf.data(), 1, dh, L, rows);
    std::vector<float> p(s.size());
    for (uint32_t i = 0; i < G; ++i) {
        softmax_in_place(&s[size_t(i) * L], L);
        for (uint32_t c = 0; c < L; ++c) p[size_t(i) * L + c] = harness::bf16_to_float(harness::float_to_bf16(s[size_t(i) * L + c]));
    }
    return chunked_product(p, G, L, vf.data(), dh, 1, dh, rows);
}

// A unit's positions split over `splits` tiles (whole array heights each), combined as npu_decode_attention_splits
// documents: per split m_s = row max, E = exp(S - m_s), l_s = row sum, O_s = bf16(E) V; then M = max m_s,
// w_s = exp(m_s - M), l = sum l_s w_s, O = sum O_s w_s (left to right), O x (1 / l).
std::vector<float> split_attention(const std::vector<float>& qf, const std::vector<float>& kf,
                                   const std::vector<float>& vf, uint32_t G, uint32_t dh, uint32_t L, uint32_t rows,
                                   uint32_t splits) {
    const uint32_t heights = (L + rows - 1) / rows;
    std::vector<std::vector<float>> o(splits), m(splits, std::vector<float>(G)), l(splits, std::vector<float>(G));
    for (uint32_t s = 0; s < splits; ++s) {
        const uint32_t pos0 = heights * s / splits * rows, len = std::min(L, heights * (s + 1) / splits * rows) - pos0;
        std::vector<float> sc = chunked_product(qf, G, dh, &kf[size_t(pos0) * dh], 1, dh, len, rows);
        std::vector<float> p(sc.size());
        for (uint32_t i = 0; i < G; ++i) {
            float* row = &sc[size_t(i) * len];
            m[s][i] = *std::max_element(row, row + len);
            float sum = 0.0f;
            for (uint32_t c = 0; c < len; ++c) {
                const float shifted = row[c] - m[s][i];
                row[c] = std::exp(shifted);
            }
            for (uint32_t c = 0; c < len; ++c) sum += row[c];
            l[s][i] = sum;
            for (uint32_t c = 0; c < len; ++c) p[size_t(i) * len + c] = harness::bf16_to_float(harness::float_to_bf16(row[c]));
        }
        o[s] = chunked_product(p, G, len, &vf[size_t(pos0) * dh], dh, 1, dh, rows);
    }
    std::vector<float> y(size_t(G) * dh);
    for (uint32_t i = 0; i < G; ++i) {
        float big = std::max(m[0][i], m[1][i]);
        for (uint32_t s = 2; s < splits; ++s) big = std::max(big, m[s][i]);
        std::vector<float> w(splits);
        for (uint32_t s = 0; s < splits; ++s) {
            const float shifted = m[s][i] - big;
            w[s] = std::exp(shifted);
        }
        float total = l[0][i] * w[0];
        for (uint32_t s = 1; s < splits; ++s) total = total + l[s][i] * w[s];
        const float reciprocal = 1.0f / total;
        for (uint32_t j = 0; j < dh; ++j) {
            float acc = o[0][size_t(i) * dh + j] * w[0];
            for (uint32_t s = 1; s < splits; ++s) acc = acc + o[s][size_t(i) * dh + j] * w[s];
            y[size_t(i) * dh + j] = acc * reciprocal;
        }
    }
    return y;
}

}  // namespace

int main(int argc, char** argv) {
    DecodeOptions o;
    harness::Options options("decode_attention_check");
    options.add("--npuemu", o.npuemu).add("--image", o.image).add("--config", o.config)
        .add("--workdir", o.workdir).add("--batch", o.batch).add("--heads", o.heads).add("--kv-heads", o.kv_heads)
        .add("--d-head", o.d_head).add("--ctx", o.ctx).add("--seed", o.seed).add("--array-rows", o.array_rows)
        .add("--min-hbm-percent", o.min_hbm_percent).add("--clock-mhz", o.clock_mhz).add("--set", o.sets);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    if (o.npuemu.empty() || o.image.empty() || o.kv_heads == 0 || o.heads % o.kv_heads != 0 || o.array_rows == 0) {
        std::cerr << "usage: decode_attention_check --npuemu BIN --image decode.elf [--batch B --heads H --kv-heads G "
                     "(dividing H) --d-head D --ctx L] ...\n";
        return 2;
    }
    const uint32_t G = o.heads / o.kv_heads, dh = o.d_head, L = o.ctx, units = o.batch * o.kv_heads;
    std::mt19937 rng(o.seed);
    std::uniform_int_distribution<int> mantissa(-127, 127), exponent(-5, 0);
    auto fill = [&](std::vector<uint16_t>& data) {
        for (auto& bits : data) {
            bits = harness::float_to_bf16(std::ldexp(static_cast<float>(mantissa(rng)) / 128.0f, exponent(rng)));
        }
    };
    std::vector<uint16_t> q(size_t(o.batch) * o.heads * dh), k(size_t(units) * L * dh), v(k.size());
    fill(q);
    fill(k);
    fill(v);

    decode_job job{DECODE_JOB_MAGIC, o.batch, o.heads, o.kv_heads, dh, L, 0x82000000u, 0, 0, 0};
    job.k = harness::align_64k(job.q + uint32_t(q.size() * 2));
    job.v = harness::align_64k(job.k + uint32_t(k.size() * 2));
    job.out = harness::align_64k(job.v + uint32_t(v.size() * 2));
    const uint32_t out_bytes = uint32_t(q.size() * 2);
    const std::string dir = o.workdir + "/";
    harness::write_file(dir + "job.bin", &job, sizeof job);
    harness::write_file(dir + "q.bin", q);
    harness::write_file(dir + "k.bin", k);
    harness::write_file(dir + "v.bin", v);
    std::ostringstream command;
    command << o.npuemu << " run -q -c " << o.config << " --max-cycles 2000000000";
    for (const auto& set : o.sets) command << " --set '" << set << "'";
    command << " --load " << dir << "job.bin@" << harness::hex(DECODE_JOB_ADDRESS) << " --load " << dir << "q.bin@"
            << harness::hex(job.q) << " --load " << dir << "k.bin@" << harness::hex(job.k) << " --load " << dir
            << "v.bin@" << harness::hex(job.v) << " --dump " << harness::hex(job.out) << ":" << out_bytes << ":" << dir
            << "out.bin --stats " << dir << "stats.json " << o.image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    std::string line, report;
    uint32_t splits = 1;
    while (std::getline(console, line)) {
        if (line.find("decode") != std::string::npos) {
            std::cout << line << "\n";
            if (line.find(" cycles") != std::string::npos) report = line;
            const auto at = line.find("split over ");
            if (at != std::string::npos) splits = uint32_t(std::stoul(line.substr(at + 11)));
        }
    }
    if (status != 0) {
        std::cerr << "FAIL: npuemu exited with status " << status << ": " << command.str() << "\n";
        return 1;
    }
    const std::vector<uint8_t> out = harness::read_file(dir + "out.bin");

    uint64_t mismatches = 0;
    for (uint32_t u = 0; u < units; ++u) {
        std::vector<float> qf(size_t(G) * dh), kf(size_t(L) * dh), vf(size_t(L) * dh);
        for (size_t i = 0; i < qf.size(); ++i) qf[i] = harness::bf16_to_float(q[size_t(u) * G * dh + i]);
        for (size_t i = 0; i < kf.size(); ++i) kf[i] = harness::bf16_to_float(k[size_t(u) * L * dh + i]);
        for (size_t i = 0; i < vf.size(); ++i) vf[i] = harness::bf16_to_float(v[size_t(u) * L * dh + i]);
        const std::vector<float> y = splits > 1 ? split_attention(qf, kf, vf, G, dh, L, o.array_rows, splits)
                                                : unit_attention(qf, kf, vf, G, dh, L, o.array_rows);
        for (size_t i = 0; i < y.size(); ++i) {
            const uint16_t expected = harness::float_to_bf16(y[i]);
            uint16_t actual;
            std::memcpy(&actual, &out[(size_t(u) * G * dh + i) * 2], 2);
            if (actual != expected) {
                if (mismatches < 5) {
                    std::cerr << "out unit " << u << " row " << i / dh << " col " << i % dh << " = " << actual
                              << ", expected " << expected << "\n";
                }
                ++mismatches;
            }
        }
    }
    const nlohmann::json stats = nlohmann::json::parse(std::ifstream(dir + "stats.json"));
    const auto counter = [&](const char* name) {
        const auto& counters = stats["counters"];
        return counters.contains(name) ? counters[name].get<double>() : 0.0;
    };
    const auto at = report.find(": ");
    const double cycles = at == std::string::npos ? 0 : std::stod(report.substr(at + 2));
    const double peak = counter("hbm.peak_gbps") * 1000.0 / o.clock_mhz;
    const double percent = cycles > 0 && peak > 0 ? 100.0 * counter("hbm.read_bytes") / cycles / peak : 0;
    std::printf("HBM read %.0f bytes: %.1f bytes/cycle over the kernel, %.1f%% of the %.1f bytes/cycle peak\n",
                counter("hbm.read_bytes"), cycles > 0 ? counter("hbm.read_bytes") / cycles : 0.0, percent, peak);
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << q.size() << " output elements differ\n";
        return 1;
    }
    std::cout << "ok: batch " << o.batch << ", " << o.heads << " heads (" << o.kv_heads << " KV), d_head " << dh
              << ", ctx " << L << ": all " << q.size() << " output elements equal the host reference bit for bit\n";
    if (o.min_hbm_percent >= 0 && percent < o.min_hbm_percent) {
        std::cerr << "FAIL: HBM reads at " << percent << "% of the peak, below " << o.min_hbm_percent << "%\n";
        return 1;
    }
    return 0;
}
