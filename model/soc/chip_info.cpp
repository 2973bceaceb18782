#include "model/soc/chip_info.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

ChipInfo::ChipInfo(sc_core::sc_module_name name, const config::ChipConfig& chip, sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), chip_(chip), address_map_(chip.hbm), probe_row_(chip.tile_count, 0) {}

bool ChipInfo::write_register(uint64_t offset, unsigned size, uint64_t value, int64_t hart) {
    if (size != 4 || offset != NPUEMU_CHIPINFO_HBM_PROBE_ROW_OFFSET || hart < 0 ||
        static_cast<size_t>(hart) >= probe_row_.size()) {
        return false;
    }
    probe_row_[static_cast<size_t>(hart)] = static_cast<uint32_t>(value);
    return true;
}

bool ChipInfo::read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t hart) {
    if (size != 4) return false;
    switch (offset) {
        case NPUEMU_CHIPINFO_TILE_COUNT_OFFSET: value = chip_.tile_count; return true;
        case NPUEMU_CHIPINFO_LOCAL_SRAM_BYTES_OFFSET: value = chip_.local_sram.size_bytes; return true;
        case NPUEMU_CHIPINFO_GLOBAL_MEM_BYTES_OFFSET:
            value = std::min<uint64_t>(chip_.global_memory.size_bytes, 0xFFFFFFFFull);
            return true;
        case NPUEMU_CHIPINFO_CLOCK_KHZ_OFFSET: value = chip_.clock_frequency_hz / 1000; return true;
        case NPUEMU_CHIPINFO_TIMER_HZ_OFFSET: value = chip_.timer.frequency_hz; return true;
        case NPUEMU_CHIPINFO_HBM_PEAK_MBPS_OFFSET:
            value = static_cast<uint64_t>(chip_.hbm.peak_bytes_per_second() / 1e6);
            return true;
        case NPUEMU_CHIPINFO_HBM_PSEUDO_CHANNELS_OFFSET: value = chip_.hbm.geometry.pseudo_channels(); return true;
        case NPUEMU_CHIPINFO_HBM_ACCESS_BYTES_OFFSET: value = chip_.hbm.geometry.access_bytes(); return true;
        case NPUEMU_CHIPINFO_HBM_PROBE_ROW_OFFSET:
            value = hart >= 0 && static_cast<size_t>(hart) < probe_row_.size() ? probe_row_[hart] : 0;
            return true;
        case NPUEMU_CHIPINFO_HBM_PROBE_ADDRESS_OFFSET: {
            value = 0;
            const uint32_t row = hart >= 0 && static_cast<size_t>(hart) < probe_row_.size() ? probe_row_[hart] : 0;
            if (row >= chip_.hbm.geometry.rows) return true;
            mem::HbmLocation location;
            location.row = row;
            const uint64_t offset = address_map_.encode(location);
            if (offset < chip_.global_memory.size_bytes) value = NPUEMU_GLOBAL_MEM_BASE + offset;
            return true;
        }
        case NPUEMU_CHIPINFO_MESH_COLS_OFFSET: value = chip_.mesh.cols; return true;
        case NPUEMU_CHIPINFO_MESH_ROWS_OFFSET: value = chip_.mesh.rows; return true;
        default: return false;
    }
}

}  // namespace npuemu::soc
