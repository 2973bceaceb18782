#include "model/config/chip_config.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::config {

const KeyTable<ChipConfig>& chip_section_keys() {
    static const KeyTable<ChipConfig> keys = {
        uint_key("tiles", &ChipConfig::tile_count, 1, NPUEMU_MAX_TILES, "tiles",
                 "tiles, each a control core (one hart) with its NPU and SRAMs"),
        uint_key("clock_mhz", &ChipConfig::clock_frequency_hz, 1, 10000, "MHz",
                 "chip clock: the tiles' fastest operating point, the mesh's clock", 1'000'000),
    };
    return keys;
}

const KeyTable<MemoryConfig>& local_sram_keys() {
    static const KeyTable<MemoryConfig> keys = {
        uint_key("size_kib", &MemoryConfig::size_bytes, 4, NPUEMU_TILE_CORE_SRAM_MAX_BYTES / 1024, "KiB",
                 "each tile's core SRAM (stacks, TLS, data)", 1024),
        uint_key("access_latency_cycles", &MemoryConfig::access_latency_cycles, 0, 10000, "cycles",
                 "extra cycles per control-core load/store, beyond the CPI table"),
    };
    return keys;
}

const KeyTable<GlobalMemoryConfig>& global_memory_keys() {
    static const KeyTable<GlobalMemoryConfig> keys = {
        uint_key("size_kib", &GlobalMemoryConfig::size_bytes, 4, NPUEMU_GLOBAL_MEM_MAX_BYTES / 1024, "KiB",
                 "global memory (HBM) as firmware sees it; at least the firmware image region", 1024),
        uint_key("image_access_latency_cycles", &GlobalMemoryConfig::image_access_latency_cycles, 0, 10000,
                 "cycles", "core accesses to the firmware image (held by the cores' caches; no cache model)"),
    };
    return keys;
}

const KeyTable<TimerConfig>& timer_keys() {
    static const KeyTable<TimerConfig> keys = {
        uint_key("frequency_hz", &TimerConfig::frequency_hz, 1000, 1'000'000'000, "Hz",
                 "mtime tick rate (a fixed reference clock, independent of DVFS)"),
    };
    return keys;
}

const KeyTable<ChipConfig>& devices_keys() {
    static const KeyTable<ChipConfig> keys = {
        uint_key("access_latency_cycles", &ChipConfig::device_access_latency_cycles, 0, 10000, "cycles",
                 "UART, CLINT, sim control, chip info, NPU status and PMU register accesses"),
    };
    return keys;
}

const KeyTable<ConsoleConfig>& console_keys() {
    static const KeyTable<ConsoleConfig> keys = {
        choice_key<ConsoleConfig, HartPrefix, &ConsoleConfig::hart_prefix>(
            "hart_prefix", {"auto", "always", "never"},
            "prefix console lines with their hart: when the chip has several (auto), always, never"),
    };
    return keys;
}

}  // namespace npuemu::config
