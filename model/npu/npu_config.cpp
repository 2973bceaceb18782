#include "model/npu/npu_config.h"

namespace npuemu::npu {

const KeyTable<NpuConfig>& npu_config_keys() {
    static const KeyTable<NpuConfig> keys = {
        uint_key("queue_depth", &NpuConfig::queue_depth, 1, 4096, "instructions",
                 "instructions each NPU queue holds; a full queue stalls the core"),
        choice_key<NpuConfig, Arithmetic, &NpuConfig::arithmetic>(
            "arithmetic", {"full", "skip"},
            "skip: timing-only mode, the same cycles but no values computed (the DMA moves no bytes, the matrix and "
            "vector units write nothing); not for firmware whose control flow depends on NPU results "
            "(docs/npu.md)"),
    };
    return keys;
}

const KeyTable<MatrixUnitConfig>& matrix_unit_keys() {
    static const KeyTable<MatrixUnitConfig> keys = {
        uint_key("rows", &MatrixUnitConfig::rows, 1, 4095, "PEs", "systolic array rows: the largest k of a weight block"),
        uint_key("cols", &MatrixUnitConfig::cols, 1, 4095, "PEs", "systolic array columns: the largest n"),
    };
    return keys;
}

const KeyTable<VectorUnitConfig>& vector_unit_keys() {
    static const KeyTable<VectorUnitConfig> keys = {
        uint_key("lanes", &VectorUnitConfig::lanes, 1, 4096, "elements/cycle", "elements processed per cycle"),
        uint_key("pipeline_latency_cycles", &VectorUnitConfig::pipeline_latency_cycles, 0, 1000, "cycles",
                 "latency of add/sub/mul/max/relu/convert/requant and reductions"),
        uint_key("transcendental_latency_cycles", &VectorUnitConfig::transcendental_latency_cycles, 0, 1000,
                 "cycles", "latency of exp, gelu, recip, rsqrt"),
    };
    return keys;
}

const KeyTable<DmaConfig>& dma_keys() {
    static const KeyTable<DmaConfig> keys = {
        uint_key("bandwidth_bytes_per_cycle", &DmaConfig::bandwidth_bytes_per_cycle, 1, 65536, "bytes/cycle",
                 "the engine's datapath: a burst takes a slot of bytes / bandwidth cycles"),
        uint_key("latency_cycles", &DmaConfig::latency_cycles, 0, 100000, "cycles",
                 "the engine's pipeline, from a burst's slot to leaving the tile"),
        uint_key("burst_bytes", &DmaConfig::burst_bytes, 4, 65536, "bytes",
                 "largest burst; bursts end at burst_bytes boundaries of the remote address"),
        uint_key("max_outstanding_bursts", &DmaConfig::max_outstanding_bursts, 1, 65536, "bursts",
                 "bursts in flight before the engine waits for the oldest to land"),
    };
    return keys;
}

KeyTable<BankedMemoryConfig> banked_memory_keys(uint64_t max_bytes) {
    return {
        uint_key("size_kib", &BankedMemoryConfig::size_bytes, 4, static_cast<double>(max_bytes / 1024), "KiB",
                 "capacity", 1024),
        uint_key("banks", &BankedMemoryConfig::banks, 1, 64, "banks",
                 "banks, contiguous slices of the capacity; the size must divide evenly into them"),
        uint_key("port_width_bytes", &BankedMemoryConfig::port_width_bytes, 4, 4096, "bytes/cycle",
                 "what one bank serves per cycle (a power of two)"),
    };
}

}  // namespace npuemu::npu
