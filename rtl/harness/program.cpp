#include "rtl/harness/program.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "model/npu/bf16.h"

namespace npuemu::rtlcheck {

const char* dtype_name(Dtype dtype) { return dtype == Dtype::Int8 ? "int8" : "bf16"; }

std::string Instr::describe() const {
    char text[128];
    if (is_load()) std::snprintf(text, sizeof text, "load_weights k=%u n=%u", k, n);
    else std::snprintf(text, sizeof text, "matmul m=%u acc=%u%s", m, addr, accumulate ? " accumulate" : "");
    return text;
}

namespace {

// splitmix64: the same sequence on every platform (std:: distributions are not).
struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
    uint32_t range(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }  // inclusive
    bool chance(uint32_t percent) { return below(100) < percent; }
};

enum class Values { Random, Small, Extreme };

uint16_t int8_lane(int v) { return static_cast<uint16_t>(static_cast<int16_t>(static_cast<int8_t>(v))); }

uint16_t int8_value(Rng& rng, Values values) {
    switch (values) {
        case Values::Small: return int8_lane(static_cast<int>(rng.below(7)) - 3);
        case Values::Extreme: {
            static const int table[] = {-128, 127, -128, 127, -128, -127, 126, -1, 0, 1};
            return int8_lane(table[rng.below(sizeof table / sizeof table[0])]);
        }
        case Values::Random: break;
    }
    return int8_lane(static_cast<int>(rng.below(256)) - 128);
}

uint16_t bf16_value(Rng& rng, Values values) {
    const uint16_t sign = rng.chance(50) ? 0x8000 : 0;
    switch (values) {
        case Values::Small:  // small integers: exact products and sums
            return npu::float_to_bf16(static_cast<float>(static_cast<int>(rng.below(9)) - 4));
        case Values::Extreme: {
            // zeros, subnormals, the normal range's ends, infinities, one, and anything finite
            static const uint16_t table[] = {0x0000, 0x0001, 0x007F, 0x0040, 0x0080, 0x0081, 0x7F7F, 0x7F7E, 0x7F00,
                                             0x7F80, 0x3F80, 0x3F81, 0x0100, 0x1F80, 0x5F80, 0x4000};
            if (rng.chance(25)) return static_cast<uint16_t>(sign | (rng.below(255) << 7) | rng.below(128));
            return static_cast<uint16_t>(sign | table[rng.below(sizeof table / sizeof table[0])]);
        }
        case Values::Random: break;
    }
    if (rng.chance(5)) return sign;  // +-0
    // Exponents around 1.0, so that sums round and cancel rather than over- or underflow.
    return static_cast<uint16_t>(sign | (rng.range(127 - 8, 127 + 8) << 7) | rng.below(128));
}

uint32_t acc_value(Rng& rng, Dtype dtype, Values values) {
    if (dtype == Dtype::Int8) {
        if (values == Values::Extreme) {  // sums that wrap around, and that reach the limits without wrapping
            const uint32_t small = rng.below(1u << 18);
            switch (rng.below(4)) {
                case 0: return 0x7FFFFFFFu - small;
                case 1: return 0x80000000u + small;
                case 2: return 0u;
                default: return static_cast<uint32_t>(rng.next());
            }
        }
        if (values == Values::Small) return static_cast<uint32_t>(static_cast<int32_t>(rng.below(201)) - 100);
        return static_cast<uint32_t>(rng.next());
    }
    const uint32_t sign = rng.chance(50) ? 0x80000000u : 0u;
    if (values == Values::Extreme) {
        static const uint32_t table[] = {0x00000000, 0x00000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000,
                                         0x3F800000, 0x00400000, 0x0B800000, 0x33800000};
        if (rng.chance(30)) return sign | (rng.below(255) << 23) | rng.below(1u << 23);
        return sign | table[rng.below(sizeof table / sizeof table[0])];
    }
    if (values == Values::Small) return npu::float_to_bits(static_cast<float>(static_cast<int>(rng.below(21)) - 10));
    if (rng.chance(10)) return sign;
    return sign | (rng.range(127 - 10, 127 + 10) << 23) | rng.below(1u << 23);
}

class Builder {
public:
    Builder(Program& program, Rng& rng, Values values) : p_(program), rng_(rng), values_(values) {}

    uint16_t value() { return p_.dtype == Dtype::Int8 ? int8_value(rng_, values_) : bf16_value(rng_, values_); }

    void load(uint32_t k, uint32_t n) {
        Instr in;
        in.op = Instr::Op::LoadWeights;
        in.k = k;
        in.n = n;
        in.junk = static_cast<uint16_t>(rng_.next());
        in.weights.resize(size_t(k) * n * dtype_bytes(p_.dtype));
        for (size_t i = 0; i < size_t(k) * n; ++i) set_lane(in.weights, i, p_.dtype, value());
        p_.instrs.push_back(std::move(in));
        k_ = k;
        n_ = n;
    }

    void matmul(uint32_t m, uint32_t addr, bool accumulate) {
        Instr in;
        in.op = Instr::Op::Matmul;
        in.m = m;
        in.addr = addr;
        in.accumulate = accumulate;
        in.junk = static_cast<uint16_t>(rng_.next());
        in.act.resize(size_t(m) * k_ * dtype_bytes(p_.dtype));
        for (size_t i = 0; i < size_t(m) * k_; ++i) set_lane(in.act, i, p_.dtype, value());
        p_.instrs.push_back(std::move(in));
        p_.acc_rows = std::max(p_.acc_rows, addr + m);
    }

    // A matmul with m rows at a random address (often the previous one's, to chain accumulations).
    void random_matmul(uint32_t m, uint32_t region) {
        uint32_t addr = (last_addr_ + m <= region && rng_.chance(30)) ? last_addr_ : rng_.below(region - m + 1);
        last_addr_ = addr;
        matmul(m, addr, rng_.chance(50));
    }

    uint32_t k() const { return k_; }
    uint32_t n() const { return n_; }

private:
    Program& p_;
    Rng& rng_;
    Values values_;
    uint32_t k_ = 0, n_ = 0, last_addr_ = 0;
};

// A dimension from 1 to `max`, often the whole array or 1.
uint32_t dim(Rng& rng, uint32_t max) {
    const uint32_t pick = rng.below(100);
    if (pick < 30) return max;
    if (pick < 45) return 1;
    return rng.range(1, max);
}

uint32_t stream_rows(Rng& rng, uint32_t rows) {
    const uint32_t pick = rng.below(100);
    if (pick < 20) return 1;
    if (pick < 35) return rows;
    if (pick < 45) return 3 * rows;
    return rng.range(1, 3 * rows);
}

}  // namespace

Program generate_program(uint64_t seed, uint64_t index, uint32_t rows, uint32_t cols, const Dtype* dtype) {
    static const char* const scenarios[] = {"mixed",    "gemm-chain", "same-weights", "partial-shapes",
                                            "extremes", "overlap",    "long-runs"};
    constexpr uint64_t kScenarios = sizeof scenarios / sizeof scenarios[0];
    Rng rng(seed * 0x100000001B3ull + index * 0x9E3779B97F4A7C15ull + 1);
    for (int i = 0; i < 4; ++i) rng.next();

    Program p;
    p.rows = rows;
    p.cols = cols;
    const uint64_t scenario = index % kScenarios;
    p.scenario = scenarios[scenario];
    p.dtype = dtype ? *dtype : ((index / kScenarios) % 2 ? Dtype::Bf16 : Dtype::Int8);
    Values values = Values::Random;
    if (scenario == 4) values = Values::Extreme;
    else if (rng.chance(20)) values = Values::Small;

    Builder b(p, rng, values);
    const uint32_t region = 6 * rows;  // accumulator rows the matmuls write to
    switch (scenario) {
        case 1: {  // gemm-chain: K > rows in chunks (the last one partial), accumulated; double-buffered loads
            const uint32_t blocks = rng.range(1, 3);
            for (uint32_t blk = 0; blk < blocks; ++blk) {
                const uint32_t K = rng.range(rows + 1, 4 * rows);
                const uint32_t n = dim(rng, cols), m = stream_rows(rng, rows);
                const uint32_t addr = rng.below(region - m + 1);
                const bool first_accumulates = rng.chance(30);
                for (uint32_t k0 = 0; k0 < K; k0 += rows) {
                    b.load(std::min(rows, K - k0), n);
                    b.matmul(m, addr, k0 > 0 || first_accumulates);
                }
            }
            break;
        }
        case 2: {  // same-weights: runs of back-to-back matmuls on one block
            const uint32_t loads = rng.range(1, 3);
            for (uint32_t l = 0; l < loads; ++l) {
                b.load(dim(rng, rows), dim(rng, cols));
                const uint32_t runs = rng.range(2, 6);
                for (uint32_t i = 0; i < runs; ++i) b.random_matmul(rng.chance(50) ? rng.range(1, 3) : stream_rows(rng, rows), region);
            }
            break;
        }
        case 3: {  // partial-shapes: k < rows, n < cols, k going up and down between short streams
            const uint32_t count = rng.range(4, 12);
            for (uint32_t i = 0; i < count; ++i) {
                b.load(rows > 1 ? rng.range(1, rows - 1) : 1, cols > 1 ? rng.range(1, cols - 1) : 1);
                const uint32_t mm = rng.range(1, 2);
                for (uint32_t j = 0; j < mm; ++j) b.random_matmul(rng.range(1, std::max(1u, rows / 2)), region);
            }
            break;
        }
        case 5: {  // overlap: long streams with loads behind them, sometimes two loads in a row
            const uint32_t count = rng.range(3, 8);
            for (uint32_t i = 0; i < count; ++i) {
                b.load(dim(rng, rows), dim(rng, cols));
                if (rng.chance(30)) b.load(dim(rng, rows), dim(rng, cols));  // overwrites a shadow never used
                b.random_matmul(rng.chance(60) ? 3 * rows : stream_rows(rng, rows), region);
                if (rng.chance(30)) b.random_matmul(rng.range(1, 2), region);
            }
            break;
        }
        case 6: {  // long-runs: hundreds of matmuls on one block, hundreds of loads in a row
            b.load(dim(rng, rows), dim(rng, cols));
            const uint32_t matmuls = rng.range(250, 300);
            for (uint32_t i = 0; i < matmuls; ++i) b.random_matmul(rng.range(1, 2), region);
            const uint32_t loads = rng.range(250, 300);
            for (uint32_t i = 0; i < loads; ++i) b.load(rng.range(1, 2), dim(rng, cols));
            for (uint32_t i = 0; i < 3; ++i) b.random_matmul(stream_rows(rng, rows), region);
            break;
        }
        default: {  // mixed and extremes: any sequence
            const uint32_t count = rng.range(2, 24);
            b.load(dim(rng, rows), dim(rng, cols));
            for (uint32_t i = 1; i < count; ++i) {
                if (rng.chance(35)) b.load(dim(rng, rows), dim(rng, cols));
                else b.random_matmul(stream_rows(rng, rows), region);
            }
            if (p.instrs.back().is_load()) b.random_matmul(stream_rows(rng, rows), region);
            break;
        }
    }
    p.acc_init.resize(size_t(p.acc_rows) * cols);
    for (auto& v : p.acc_init) v = acc_value(rng, p.dtype, values);
    return p;
}

Program gemm_program(uint32_t M, uint32_t K, uint32_t N, uint32_t rows, uint32_t cols, Dtype dtype, uint64_t seed) {
    Rng rng(seed);
    Program p;
    p.rows = rows;
    p.cols = cols;
    p.dtype = dtype;
    p.scenario = "gemm";
    auto value = [&] { return dtype == Dtype::Int8 ? int8_value(rng, Values::Random) : bf16_value(rng, Values::Random); };
    std::vector<uint16_t> A(size_t(M) * K), B(size_t(K) * N);
    for (auto& a : A) a = value();
    for (auto& w : B) w = value();
    const unsigned elem = dtype_bytes(dtype);
    const uint32_t blocks = (N + cols - 1) / cols;
    for (uint32_t nb = 0; nb < blocks; ++nb) {
        const uint32_t n0 = nb * cols, n = std::min(cols, N - n0);
        for (uint32_t k0 = 0; k0 < K; k0 += rows) {
            const uint32_t k = std::min(rows, K - k0);
            Instr load;
            load.op = Instr::Op::LoadWeights;
            load.k = k;
            load.n = n;
            load.weights.resize(size_t(k) * n * elem);
            for (uint32_t kk = 0; kk < k; ++kk)
                for (uint32_t j = 0; j < n; ++j)
                    set_lane(load.weights, size_t(kk) * n + j, dtype, B[size_t(k0 + kk) * N + n0 + j]);
            p.instrs.push_back(std::move(load));
            Instr mm;
            mm.op = Instr::Op::Matmul;
            mm.m = M;
            mm.addr = nb * M;
            mm.accumulate = k0 > 0;
            mm.act.resize(size_t(M) * k * elem);
            for (uint32_t i = 0; i < M; ++i)
                for (uint32_t kk = 0; kk < k; ++kk) set_lane(mm.act, size_t(i) * k + kk, dtype, A[size_t(i) * K + k0 + kk]);
            p.instrs.push_back(std::move(mm));
        }
    }
    p.acc_rows = blocks * M;
    p.acc_init.assign(size_t(p.acc_rows) * cols, 0);
    return p;
}

std::string listing(const Program& program, const Outcome* expected, const Outcome* actual) {
    std::string out;
    char line[256];
    for (size_t i = 0; i < program.instrs.size(); ++i) {
        const Instr& in = program.instrs[i];
        std::snprintf(line, sizeof line, "  %3zu  %-34s", i, in.describe().c_str());
        out += line;
        auto add = [&](const char* who, const InstrTiming& t, bool load) {
            if (load) std::snprintf(line, sizeof line, "  %s begin %llu end %llu", who, (unsigned long long)t.begin,
                                    (unsigned long long)t.end);
            else std::snprintf(line, sizeof line, "  %s begin %llu stream-end %llu completion %llu", who,
                               (unsigned long long)t.begin, (unsigned long long)t.end, (unsigned long long)t.completion);
            out += line;
        };
        if (expected) add("model", expected->timing[i], in.is_load());
        if (actual) {
            add("| rtl", actual->timing[i], in.is_load());
            if (expected && !(expected->timing[i] == actual->timing[i])) out += "   <-- differs";
        }
        out += "\n";
    }
    return out;
}

}  // namespace npuemu::rtlcheck
