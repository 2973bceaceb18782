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
        case NPUEMU_CHIPINFO_HBM_PEAK_MBPS_OFFSET:
            value = static_cast<uint64_t>(chip_.hbm.peak_bytes_per_second() / 1e6);
            return true;
        case NPUEMU_CHIPINFO_HBM_PSEUDO_CHANNELS_OFFSET: value = chip_.hbm.geometry.pseudo_channels(); return true;
        case NPUEMU_CHIPINFO_HBM_ACCESS_BYTES_OFFSET: value = chip_.hbm.geometry.access_bytes(); return true;
        case NPUEMU_CHIPINFO_HBM_ROW_STRIDE_OFFSET: {
            // The lowest row bit that no XOR hashing reads: stepping it keeps bank and channel.
            const auto& mapping = chip_.hbm.mapping;
            size_t hashed = 0;
            for (size_t f = 0; f < mapping.bits.size(); ++f) {
                if (mapping.xor_with_row[f]) hashed += mapping.bits[f].size();
            }
            const auto& rows = mapping.of(mem::HbmField::Row);
            value = 0;
            if (hashed < rows.size()) {
                const uint64_t stride = uint64_t(1) << rows[hashed];
                if (stride < chip_.global_memory.size_bytes) value = stride;
            }
            return true;
        }
        case NPUEMU_CHIPINFO_MESH_COLS_OFFSET: value = chip_.mesh.cols; return true;
        case NPUEMU_CHIPINFO_MESH_ROWS_OFFSET: value = chip_.mesh.rows; return true;
        default: return false;
    }
}

}  // namespace npuemu::soc
