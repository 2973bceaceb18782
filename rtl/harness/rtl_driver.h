// The RTL's side of the cross-check: drives the verilated npu_matrix_top (rtl/npu_matrix_top.sv) through a program,
// cycle by cycle, and measures each instruction at the pins (docs/npu.md, "RTL"):
//   cycle t          the clock period whose rising edge ends it; inputs are set during t and the edge samples them
//   begin            the cycle of an instruction's first handshake (valid && ready) on its port
//   end              one after the cycle of its last handshake (a load's weights are usable, a matmul's stream has
//                    entered the array)
//   completion       load: its end; matmul: one after the cycle in which `done` pulses with its tag (its last
//                    result is written into the accumulator at that cycle's edge)
// Every instruction is available from cycle 0 (the first cycle after reset and the accumulator's initial fill):
// both ports keep the next row of the next instruction of their kind valid, with no gaps.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "rtl/harness/program.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace npuemu::rtlcheck {

// Fields of Verilator's port types (CData .. QData, or VlWide<N> for more than 64 bits). Fields here are 1 to 32 bits
// wide and never straddle a 32-bit word.
template <class T>
inline std::enable_if_t<std::is_integral_v<T>> put(T& port, unsigned lsb, unsigned width, uint64_t value) {
    const uint64_t mask = (width >= 64 ? ~uint64_t(0) : ((uint64_t(1) << width) - 1)) << lsb;
    port = static_cast<T>((static_cast<uint64_t>(port) & ~mask) | ((value << lsb) & mask));
}
template <std::size_t N>
inline void put(VlWide<N>& port, unsigned lsb, unsigned width, uint64_t value) {
    const unsigned word = lsb / 32, offset = lsb % 32;
    const uint32_t mask = (width >= 32 ? 0xFFFFFFFFu : ((1u << width) - 1)) << offset;
    port[word] = (port[word] & ~mask) | ((static_cast<uint32_t>(value) << offset) & mask);
}
template <class T>
inline std::enable_if_t<std::is_integral_v<T>, uint64_t> get(const T& port, unsigned lsb, unsigned width) {
    return (static_cast<uint64_t>(port) >> lsb) & (width >= 64 ? ~uint64_t(0) : ((uint64_t(1) << width) - 1));
}
template <std::size_t N>
inline uint64_t get(const VlWide<N>& port, unsigned lsb, unsigned width) {
    return (port[lsb / 32] >> (lsb % 32)) & (width >= 32 ? 0xFFFFFFFFu : ((1u << width) - 1));
}

// Junk for the lanes the RTL must ignore (activations beyond k, weights beyond n, the high byte of INT8 lanes).
inline uint16_t junk_lane(uint16_t seed, size_t index) {
    uint32_t x = (uint32_t(seed) + 1) * 0x9E3779B1u ^ uint32_t(index) * 0x85EBCA6Bu;
    x ^= x >> 15;
    return static_cast<uint16_t>(x * 0x2C1B3C6Du >> 16);
}

class RtlRunner {
public:
    virtual ~RtlRunner() = default;
    // Runs the program from reset. If the RTL does not finish within max_cycles, or misbehaves at its pins, the
    // outcome's `error` says how (and its timing and accumulator are what there was).
    virtual Outcome run(const Program& program, uint64_t max_cycles) = 0;
    double last_run_seconds = 0;  // wall time of the cycle loop of the last run (not reset and accumulator I/O)
};

template <class Top>
class RtlDriver : public RtlRunner {
public:
    RtlDriver(uint32_t rows, uint32_t cols, const std::string& trace_path) : rows_(rows), cols_(cols) {
        context_ = std::make_unique<VerilatedContext>();
        if (!trace_path.empty()) context_->traceEverOn(true);
        top_ = std::make_unique<Top>(context_.get(), "npu_matrix_top");
        if (!trace_path.empty()) {
            fst_ = std::make_unique<VerilatedFstC>();
            top_->trace(fst_.get(), 99);
            fst_->open(trace_path.c_str());
            if (!fst_->isOpen()) throw std::runtime_error("cannot open the trace file " + trace_path);
        }
    }
    ~RtlDriver() override {
        if (fst_) fst_->close();
        top_->final();
    }

    Outcome run(const Program& p, uint64_t max_cycles) override {
        Top& t = *top_;
        const bool int8 = p.dtype == Dtype::Int8;
        // Reset, then fill the accumulator through the host port.
        t.w_valid = 0;
        t.a_valid = 0;
        t.host_we = 0;
        t.rst_n = 0;
        tick();
        tick();
        t.rst_n = 1;
        tick();
        for (uint32_t row = 0; row < p.acc_rows; ++row) {
            t.host_addr = row;
            t.host_we = 1;
            for (uint32_t c = 0; c < cols_; ++c) put(t.host_wdata, 32 * c, 32, p.acc_init[size_t(row) * cols_ + c]);
            tick();
        }
        t.host_we = 0;

        // The two ports' instruction lists; each instruction carries the number of instructions of the other kind
        // since the previous one of its own kind (program order).
        std::vector<size_t> loads, matmuls;
        std::vector<uint32_t> after(p.instrs.size());
        std::vector<uint32_t> k_of(p.instrs.size());  // matmuls: their weights' k
        uint32_t k = 0, loads_since_matmul = 0, matmuls_since_load = 0;
        for (size_t i = 0; i < p.instrs.size(); ++i) {
            const Instr& in = p.instrs[i];
            if (in.is_load()) {
                after[i] = matmuls_since_load;
                matmuls_since_load = 0;
                ++loads_since_matmul;
                loads.push_back(i);
                k = in.k;
            } else {
                after[i] = loads_since_matmul;
                loads_since_matmul = 0;
                ++matmuls_since_load;
                matmuls.push_back(i);
                k_of[i] = k;
            }
            if (after[i] > 0xFFFF) {  // the ports' `after` fields are 16 bits wide
                Outcome failed;
                failed.error = "instruction " + std::to_string(i) + " follows more than 65535 of the other kind";
                return failed;
            }
        }

        Outcome out;
        out.timing.resize(p.instrs.size());
        std::vector<std::deque<size_t>> in_flight(256);  // by tag: matmuls begun and not done
        size_t li = 0, lrow = 0, mi = 0, mrow = 0, done = 0;
        const auto start = std::chrono::steady_clock::now();
        for (uint64_t cycle = 0; done < p.instrs.size() && out.error.empty(); ++cycle) {
            if (cycle >= max_cycles) {
                out.error = "the RTL did not finish within " + std::to_string(max_cycles) + " cycles (" +
                            std::to_string(done) + " of " + std::to_string(p.instrs.size()) + " instructions complete)";
                break;
            }
            // Weight port: row k - 1 - lrow of the next load (rows go in bottom first).
            t.w_valid = li < loads.size();
            if (t.w_valid) {
                const Instr& in = p.instrs[loads[li]];
                t.w_k = in.k;
                t.w_n = in.n;
                t.w_after = after[loads[li]];
                const size_t row = in.k - 1 - lrow;
                for (uint32_t c = 0; c < cols_; ++c) {
                    uint16_t v = junk_lane(in.junk, row * cols_ + c);
                    if (c < in.n) v = lane_value(in.weights, row * in.n + c, p.dtype, v);
                    put(t.w_data, 16 * c, 16, v);
                }
            }
            // Activation port: row mrow of the next matmul.
            t.a_valid = mi < matmuls.size();
            if (t.a_valid) {
                const size_t idx = matmuls[mi];
                const Instr& in = p.instrs[idx];
                t.a_m = in.m;
                t.a_addr = in.addr;
                t.a_acc = in.accumulate;
                t.a_fp = !int8;
                t.a_tag = mi & 0xFF;
                t.a_after = after[idx];
                for (uint32_t r = 0; r < rows_; ++r) {
                    uint16_t v = junk_lane(in.junk, mrow * rows_ + r);
                    if (r < k_of[idx]) v = lane_value(in.act, mrow * k_of[idx] + r, p.dtype, v);
                    put(t.a_data, 16 * r, 16, v);
                }
            }
            half(0);
            const bool w_fire = t.w_valid && t.w_ready;
            const bool a_fire = t.a_valid && t.a_ready;
            for (uint32_t c = 0; c < cols_; ++c) {
                if (!get(t.done, c, 1)) continue;
                auto& q = in_flight[get(t.done_tag, 8 * c, 8)];
                if (q.empty()) {
                    out.error = "done[" + std::to_string(c) + "] pulsed in cycle " + std::to_string(cycle) +
                                " with tag " + std::to_string(get(t.done_tag, 8 * c, 8)) +
                                ", which no matmul in flight has";
                    continue;
                }
                out.timing[q.front()].completion = cycle + 1;
                q.pop_front();
                ++done;
            }
            half(1);
            if (w_fire) {
                const size_t idx = loads[li];
                if (lrow == 0) out.timing[idx].begin = cycle;
                if (++lrow == p.instrs[idx].k) {
                    out.timing[idx].end = out.timing[idx].completion = cycle + 1;
                    ++done;
                    ++li;
                    lrow = 0;
                }
            }
            if (a_fire) {
                const size_t idx = matmuls[mi];
                if (mrow == 0) {
                    out.timing[idx].begin = cycle;
                    in_flight[mi & 0xFF].push_back(idx);
                }
                if (++mrow == p.instrs[idx].m) {
                    out.timing[idx].end = cycle + 1;
                    ++mi;
                    mrow = 0;
                }
            }
        }
        last_run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        t.w_valid = 0;
        t.a_valid = 0;
        half(0);

        out.acc.resize(size_t(p.acc_rows) * cols_);
        for (uint32_t row = 0; row < p.acc_rows; ++row) {
            t.host_addr = row;
            t.eval();  // asynchronous read
            for (uint32_t c = 0; c < cols_; ++c)
                out.acc[size_t(row) * cols_ + c] = static_cast<uint32_t>(get(t.host_rdata, 32 * c, 32));
        }
        for (const auto& tm : out.timing) out.cycles = std::max(out.cycles, tm.completion);
        return out;
    }

private:
    // An element of the program as its port lane; INT8 lanes get junk in their high byte.
    static uint16_t lane_value(const std::vector<uint8_t>& buffer, size_t index, Dtype dtype, uint16_t junk) {
        const uint16_t v = lane(buffer, index, dtype);
        return dtype == Dtype::Int8 ? static_cast<uint16_t>((v & 0xFF) | (junk & 0xFF00)) : v;
    }

    void half(int clk) {
        top_->clk = clk;
        top_->eval();
        if (fst_) fst_->dump(time_ps_);
        time_ps_ += 500;  // a 1 ns clock
    }
    void tick() {
        half(0);
        half(1);
    }

    uint32_t rows_, cols_;
    std::unique_ptr<VerilatedContext> context_;
    std::unique_ptr<Top> top_;
    std::unique_ptr<VerilatedFstC> fst_;
    uint64_t time_ps_ = 0;
};

}  // namespace npuemu::rtlcheck
