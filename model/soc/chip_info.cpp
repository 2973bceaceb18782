#include "model/soc/chip_info.h"

#include "npu_isa_table.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

static_assert(npu::isa::chipinfo::kBase == NPUEMU_CHIPINFO_BASE, "isa/npu_isa.yaml and the memory map disagree");

ChipInfo::ChipInfo(sc_core::sc_module_name name, const config::ChipConfig& chip, const ChipPlacement& placement,
                   sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency),
      chip_(chip),
      address_map_(chip.hbm),
      probe_row_(chip.tile_count, 0),
      bank_("chipinfo", npu::isa::chipinfo::kRegisters) {
    using Reg = npu::isa::chipinfo::Reg;
    auto constant = [this](Reg reg, uint64_t value) {
        bank_.on_read(reg, [value](unsigned, int64_t) { return value; });
    };
    constant(Reg::TILE_COUNT, chip.tile_count);
    constant(Reg::LOCAL_SRAM_BYTES, chip.local_sram.size_bytes);
    constant(Reg::GLOBAL_MEM_BYTES, std::min<uint64_t>(chip.global_memory.size_bytes, 0xFFFFFFFFull));
    constant(Reg::CLOCK_KHZ, chip.clock_frequency_hz / 1000);
    constant(Reg::TIMER_HZ, chip.timer.frequency_hz);
    constant(Reg::HBM_PEAK_MBPS, static_cast<uint64_t>(chip.hbm.peak_bytes_per_second() / 1e6));
    constant(Reg::HBM_PSEUDO_CHANNELS, chip.hbm.geometry.pseudo_channels());
    constant(Reg::HBM_ACCESS_BYTES, chip.hbm.geometry.access_bytes());
    constant(Reg::MESH_COLS, chip.mesh.cols);
    constant(Reg::MESH_ROWS, chip.mesh.rows);
    constant(Reg::CHIP_ID, placement.chip_id);
    constant(Reg::CHIP_COUNT, placement.chip_count);
    constant(Reg::NODE_ID, placement.node_id);
    constant(Reg::NODE_COUNT, placement.node_count);
    constant(Reg::LINK_PORTS, placement.link_peers.size());
    bank_.on_read(Reg::LINK_PEER, [peers = placement.link_peers](unsigned port, int64_t) -> uint64_t {
        return port < peers.size() ? peers[port] : ChipPlacement::kPortUnconnected;
    });
    bank_.on_read(Reg::HBM_PROBE_ROW, [this](unsigned, int64_t hart) -> uint64_t { return probe_row(hart); });
    bank_.on_write(Reg::HBM_PROBE_ROW, [this](unsigned, uint64_t value, int64_t hart) {
        if (hart < 0 || static_cast<size_t>(hart) >= probe_row_.size()) return false;  // per hart: a hart must write
        probe_row_[static_cast<size_t>(hart)] = static_cast<uint32_t>(value);
        return true;
    });
    bank_.on_read(Reg::HBM_PROBE_ADDRESS, [this](unsigned, int64_t hart) { return probe_address(hart); });
    bank_.check_complete();
}

uint32_t ChipInfo::probe_row(int64_t hart) const {
    return hart >= 0 && static_cast<size_t>(hart) < probe_row_.size() ? probe_row_[static_cast<size_t>(hart)] : 0;
}

uint64_t ChipInfo::probe_address(int64_t hart) const {
    const uint32_t row = probe_row(hart);
    if (row >= chip_.hbm.geometry.rows) return 0;
    mem::HbmLocation location;
    location.row = row;
    const uint64_t offset = address_map_.encode(location);
    return offset < chip_.global_memory.size_bytes ? NPUEMU_GLOBAL_MEM_BASE + offset : 0;
}

}  // namespace npuemu::soc
