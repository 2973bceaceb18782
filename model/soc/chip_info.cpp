#include "model/soc/chip_info.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

ChipInfo::ChipInfo(sc_core::sc_module_name name, const config::ChipConfig& chip, sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), chip_(chip) {}

bool ChipInfo::read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t) {
    if (size != 4) return false;
    switch (offset) {
        case NPUEMU_CHIPINFO_TILE_COUNT_OFFSET: value = chip_.tile_count; return true;
        case NPUEMU_CHIPINFO_LOCAL_SRAM_BYTES_OFFSET: value = chip_.local_sram.size_bytes; return true;
        case NPUEMU_CHIPINFO_GLOBAL_MEM_BYTES_OFFSET:
            value = std::min<uint64_t>(chip_.global_memory.size_bytes, 0xFFFFFFFFull);
            return true;
        case NPUEMU_CHIPINFO_CLOCK_KHZ_OFFSET: value = chip_.clock_frequency_hz / 1000; return true;
        case NPUEMU_CHIPINFO_TIMER_HZ_OFFSET: value = chip_.timer.frequency_hz; return true;
        default: return false;
    }
}

}  // namespace npuemu::soc
