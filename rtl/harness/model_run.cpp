#include "rtl/harness/model_run.h"

#include <algorithm>

#include "model/npu/matmul_kernels.h"
#include "model/npu/systolic_timing.h"

namespace npuemu::rtlcheck {

Outcome run_model(const Program& p) {
    Outcome out;
    out.timing.resize(p.instrs.size());
    out.acc = p.acc_init;
    uint8_t* acc = reinterpret_cast<uint8_t*>(out.acc.data());  // host byte order, as the SystemC unit's memories
    const unsigned elem = dtype_bytes(p.dtype);

    // As MatrixUnit does: a load fills the shadow block; the first matmul after it makes it active.
    struct Block {
        uint32_t k = 0, n = 0;
        const std::vector<uint8_t>* values = nullptr;  // the load's weights (the program outlives the run)
        npu::MatmulWeights packed;                     // packed on the first matmul after the load, then reused
    } shadow, active;
    bool shadow_pending = false;
    npu::SystolicTiming timing;

    for (size_t i = 0; i < p.instrs.size(); ++i) {
        const Instr& in = p.instrs[i];
        InstrTiming& t = out.timing[i];
        if (in.is_load()) {
            shadow.k = in.k;
            shadow.n = in.n;
            shadow.values = &in.weights;
            shadow_pending = true;
            const auto load = timing.load_weights(0, in.k);
            t = {load.begin, load.ready, load.ready};
            continue;
        }
        if (shadow_pending) {
            std::swap(active, shadow);
            shadow_pending = false;
            if (p.dtype == Dtype::Int8)
                active.packed.load_int8(reinterpret_cast<const int8_t*>(active.values->data()), active.k, active.n);
            else
                active.packed.load_bf16(reinterpret_cast<const uint16_t*>(active.values->data()), active.k, active.n);
        }
        const auto mm = timing.matmul(0, in.m, active.k, active.n);
        t = {mm.begin, mm.stream_end, mm.completion};
        npu::MatmulShape shape;
        shape.m = in.m;
        shape.k = active.k;
        shape.n = active.n;
        shape.act_stride_bytes = uint64_t(active.k) * elem;
        shape.acc_stride_bytes = uint64_t(p.cols) * 4;
        shape.accumulate = in.accumulate;
        uint8_t* c = acc + uint64_t(in.addr) * shape.acc_stride_bytes;
        if (p.dtype == Dtype::Int8)
            npu::matmul_int8(in.act.data(), active.packed, c, shape);
        else
            npu::matmul_bf16(in.act.data(), active.packed, c, shape);
    }
    for (const auto& t : out.timing) out.cycles = std::max(out.cycles, t.completion);
    return out;
}

}  // namespace npuemu::rtlcheck
