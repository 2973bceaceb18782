// The chip description after loading: plain structs with units in the field names. Nothing past the loader reads
// YAML or strings; blocks take the struct they need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/core/cpi_table.h"
#include "model/mem/hbm_config.h"
#include "model/noc/mesh_config.h"
#include "model/power/energy_model.h"
#include "model/power/thermal_network.h"

namespace npuemu::config {

struct CoreConfig {
    core::CpiTable cpi;
    uint64_t quantum_cycles = 2000;  // temporal-decoupling quantum of the loosely-timed cores
};

struct MemoryConfig {
    uint64_t size_bytes = 0;
    uint32_t access_latency_cycles = 0;  // extra cycles per control-core load/store, beyond the CPI table
};

// Global memory as firmware sees it: a window of size_bytes at NPUEMU_GLOBAL_MEM_BASE, backed by the HBM stacks.
// DMA traffic, and the control cores' loads and stores above the firmware image, cross the mesh to the HBM model.
// The firmware image itself (its first NPUEMU_FIRMWARE_IMAGE_BYTES: code, read-only data, data, bss, heap) is what
// the control cores' caches hold: their accesses there cost image_access_latency_cycles (no cache model).
struct GlobalMemoryConfig {
    uint64_t size_bytes = 0;
    uint32_t image_access_latency_cycles = 2;
};

struct TimerConfig {
    uint64_t frequency_hz = 10'000'000;  // mtime tick rate (a fixed reference clock, independent of DVFS)
};

struct ConsoleConfig {
    std::string hart_prefix = "auto";  // auto: prefix lines with the hart when the chip has several; always; never
};

// A tile-local SRAM that the NPU units read and write: capacity, and banks that each serve port_width_bytes per
// cycle. Banks are contiguous slices of the capacity, so buffers in different banks never conflict.
struct BankedMemoryConfig {
    uint64_t size_bytes = 0;
    uint32_t banks = 1;
    uint32_t port_width_bytes = 64;
};

struct MatrixUnitConfig {
    uint32_t rows = 16;  // the largest k of a weight block
    uint32_t cols = 16;  // the largest n
};

struct VectorUnitConfig {
    uint32_t lanes = 16;                    // elements per cycle
    uint32_t pipeline_latency_cycles = 4;   // add/sub/mul/max/relu/convert/requant and reductions
    uint32_t transcendental_latency_cycles = 12;  // exp, gelu, recip, rsqrt
};

struct DmaConfig {
    uint32_t bandwidth_bytes_per_cycle = 32;  // the engine's own datapath: one burst slot per bytes / bandwidth
    uint32_t latency_cycles = 8;              // the engine's pipeline: from a burst's slot to leaving the tile
    uint32_t burst_bytes = 256;
    uint32_t max_outstanding_bursts = 64;     // bursts in flight before the engine waits for the oldest to land
};

struct NpuConfig {
    uint32_t queue_depth = 16;  // instructions per queue; a full queue stalls the core
    MatrixUnitConfig matrix;
    VectorUnitConfig vector;
    DmaConfig dma;
    BankedMemoryConfig scratchpad;
    BankedMemoryConfig accumulator;
};

// A DVFS operating point of a tile.
struct OperatingPoint {
    uint32_t voltage_mv = 750;
    uint32_t frequency_mhz = 1000;
};

// Power, thermal and PMU. Disabled unless the config has a `power:` section (then all three apply).
struct PowerConfig {
    bool enabled = false;
    std::string process = "7nm";
    power::EnergyPerEvent energy;
    power::LeakageConfig leakage;
    std::string cooling = "air";
    power::ThermalConfig thermal;   // mesh size filled from the tile count
    std::string initial = "ambient";  // or "steady": start from the steady state of initial_power_w per tile
    double initial_power_w = 0;
    std::vector<OperatingPoint> operating_points;  // fastest first; the throttle steps down the list
    uint32_t tj_max_mC = 85000;  // the throttle point for sustained operation
    uint32_t hysteresis_mC = 5000;
    uint64_t sample_interval_ns = 1000;
    uint32_t sensor_step_mC = 250;  // sensor quantisation
};

struct ChipConfig {
    std::string name;
    std::string source_file;  // where it was loaded from, for messages
    uint32_t tile_count = 1;
    uint64_t clock_frequency_hz = 1'000'000'000;
    CoreConfig core;
    MemoryConfig local_sram;
    GlobalMemoryConfig global_memory;
    mem::HbmConfig hbm;
    noc::MeshConfig mesh;
    TimerConfig timer;
    ConsoleConfig console;
    uint32_t device_access_latency_cycles = 10;  // UART, CLINT, sim control, chip info
    NpuConfig npu;
    PowerConfig power;

    uint64_t clock_period_ps() const { return 1'000'000'000'000ull / clock_frequency_hz; }
};

// Loads a chip description; overrides are "key.path=value" strings applied on top (as `npuemu run --set`).
// Throws npuemu::Error naming file, line, column and key path for any bad value or unknown key.
ChipConfig load_chip_config(const std::string& file, const std::vector<std::string>& overrides = {});

}  // namespace npuemu::config
