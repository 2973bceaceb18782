// The NPU's configuration (the `npu:` section of a chip config) and its keys.
#pragma once

#include <cstdint>

#include "model/common/config_keys.h"

namespace npuemu::npu {

// A tile-local SRAM that the NPU units read and write: capacity, and banks that each serve port_width_bytes per
// cycle. Banks are contiguous slices of the capacity, so buffers in different banks never conflict.
struct BankedMemoryConfig {
    uint64_t size_bytes = 256 * 1024;
    uint32_t banks = 4;
    uint32_t port_width_bytes = 64;
};

struct MatrixUnitConfig {
    uint32_t rows = 16;  // the largest k of a weight block
    uint32_t cols = 16;  // the largest n
};

struct VectorUnitConfig {
    uint32_t lanes = 16;                          // elements per cycle
    uint32_t pipeline_latency_cycles = 4;         // add/sub/mul/max/relu/convert/requant and reductions
    uint32_t transcendental_latency_cycles = 12;  // exp, gelu, recip, rsqrt
};

struct DmaConfig {
    uint32_t bandwidth_bytes_per_cycle = 32;  // the engine's own datapath: one burst slot per bytes / bandwidth
    uint32_t latency_cycles = 8;              // the engine's pipeline: from a burst's slot to leaving the tile
    uint32_t burst_bytes = 256;
    uint32_t max_outstanding_bursts = 64;     // bursts in flight before the engine waits for the oldest to land
};

// Full: the units compute values. Skip (timing-only mode, docs/npu.md): they take exactly the same time, raise the
// same faults and count the same statistics, but compute nothing: the DMA moves no bytes, the matrix and vector
// units write nothing. Firmware whose control flow depends on values the NPU computes is not supported there.
enum class Arithmetic { Full, Skip };

struct NpuConfig {
    uint32_t queue_depth = 16;  // instructions per queue; a full queue stalls the core
    Arithmetic arithmetic = Arithmetic::Full;
    MatrixUnitConfig matrix;
    VectorUnitConfig vector;
    DmaConfig dma;
    BankedMemoryConfig scratchpad;
    BankedMemoryConfig accumulator{64 * 1024};
};

const KeyTable<NpuConfig>& npu_config_keys();              // npu.*
const KeyTable<MatrixUnitConfig>& matrix_unit_keys();      // npu.matrix.*
const KeyTable<VectorUnitConfig>& vector_unit_keys();      // npu.vector.*
const KeyTable<DmaConfig>& dma_keys();                     // npu.dma.*
// npu.scratchpad.*, npu.accumulator.*: the same keys, each memory with its own largest size.
KeyTable<BankedMemoryConfig> banked_memory_keys(uint64_t max_bytes);

}  // namespace npuemu::npu
