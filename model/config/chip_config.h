// The chip description after loading: plain structs with units in the field names. Nothing past the loader reads
// YAML or strings; blocks take the struct they need.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/config_keys.h"
#include "model/config/config_node.h"
#include "model/core/core_config.h"
#include "model/mem/hbm_config.h"
#include "model/noc/mesh_config.h"
#include "model/npu/npu_config.h"
#include "model/power/power_config.h"

namespace npuemu::config {

struct MemoryConfig {
    uint64_t size_bytes = 256 * 1024;
    uint32_t access_latency_cycles = 0;  // extra cycles per control-core load/store, beyond the CPI table
};

// Global memory as firmware sees it: a window of size_bytes at NPUEMU_GLOBAL_MEM_BASE, backed by the HBM stacks.
// DMA traffic, and the control cores' loads and stores above the firmware image, cross the mesh to the HBM model.
// The firmware image itself (its first NPUEMU_FIRMWARE_IMAGE_BYTES: code, read-only data, data, bss, heap) is what
// the control cores' caches hold: their accesses there cost image_access_latency_cycles (no cache model).
struct GlobalMemoryConfig {
    uint64_t size_bytes = 64ull * 1024 * 1024;
    uint32_t image_access_latency_cycles = 2;
};

struct TimerConfig {
    uint64_t frequency_hz = 10'000'000;  // mtime tick rate (a fixed reference clock, independent of DVFS)
};

// Console lines prefixed with their hart: when the chip has several (auto), always, or never.
enum class HartPrefix { Auto, Always, Never };

struct ConsoleConfig {
    HartPrefix hart_prefix = HartPrefix::Auto;
};

struct ChipConfig {
    std::string name = "unnamed";
    std::string source_file;  // where it was loaded from, for messages
    uint32_t tile_count = 1;
    uint64_t clock_frequency_hz = 1'000'000'000;
    core::CoreConfig core;
    MemoryConfig local_sram;
    GlobalMemoryConfig global_memory;
    mem::HbmConfig hbm;
    noc::MeshConfig mesh;
    TimerConfig timer;
    ConsoleConfig console;
    uint32_t device_access_latency_cycles = 10;  // UART, CLINT, sim control, chip info
    npu::NpuConfig npu;
    power::PowerConfig power;

    uint64_t clock_period_ps() const { return 1'000'000'000'000ull / clock_frequency_hz; }
};

// The chip-level sections' keys (the blocks' own are next to their configs).
const KeyTable<ChipConfig>& chip_section_keys();            // chip.tiles, chip.clock_mhz (chip.name is a label)
const KeyTable<MemoryConfig>& local_sram_keys();            // local_sram.*
const KeyTable<GlobalMemoryConfig>& global_memory_keys();   // global_memory.*
const KeyTable<TimerConfig>& timer_keys();                  // timer.*
const KeyTable<ChipConfig>& devices_keys();                 // devices.*
const KeyTable<ConsoleConfig>& console_keys();              // console.*

// Loads a chip description; overrides are "key.path=value" strings applied on top (as `npuemu run --set`).
// Throws npuemu::Error naming file, line, column and key path for any bad value or unknown key.
ChipConfig load_chip_config(const std::string& file, const std::vector<std::string>& overrides = {});
// The same from a YAML tree already loaded; file names it in messages (and is where HBM presets are looked for).
ChipConfig load_chip_config(YAML::Node root, const std::string& file, const std::vector<std::string>& overrides = {},
                            YamlFileCache* preset_cache = nullptr);

}  // namespace npuemu::config
