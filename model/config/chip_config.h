// The chip description after loading: plain structs with units in the field names. Nothing past the loader reads
// YAML or strings; blocks take the struct they need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/core/cpi_table.h"

namespace npuemu::config {

struct CoreConfig {
    core::CpiTable cpi;
    uint64_t quantum_cycles = 2000;  // temporal-decoupling quantum of the loosely-timed cores
};

struct MemoryConfig {
    uint64_t size_bytes = 0;
    uint32_t access_latency_cycles = 0;  // extra cycles per control-core load/store, beyond the CPI table
};

struct TimerConfig {
    uint64_t frequency_hz = 10'000'000;  // mtime tick rate (a fixed reference clock, independent of DVFS)
};

struct ConsoleConfig {
    std::string hart_prefix = "auto";  // auto: prefix lines with the hart when the chip has several; always; never
};

struct ChipConfig {
    std::string name;
    std::string source_file;  // where it was loaded from, for messages
    uint32_t tile_count = 1;
    uint64_t clock_frequency_hz = 1'000'000'000;
    CoreConfig core;
    MemoryConfig local_sram;
    MemoryConfig global_memory;
    TimerConfig timer;
    ConsoleConfig console;
    uint32_t device_access_latency_cycles = 10;  // UART, CLINT, sim control, chip info

    uint64_t clock_period_ps() const { return 1'000'000'000'000ull / clock_frequency_hz; }
};

// Loads a chip description; overrides are "key.path=value" strings applied on top (as `npuemu run --set`).
// Throws npuemu::Error naming file, line, column and key path for any bad value or unknown key.
ChipConfig load_chip_config(const std::string& file, const std::vector<std::string>& overrides = {});

}  // namespace npuemu::config
