// One tile: a control core, its local SRAM and the tile's router (own SRAM at the local alias, everything else out
// to the chip). The NPU queues and units of later issues join here.
#pragma once

#include <systemc>

#include <memory>

#include "model/common/reference_clock.h"
#include "model/common/stats.h"
#include "model/config/chip_config.h"
#include "model/core/core_module.h"
#include "model/core/interrupt_lines.h"
#include "model/mem/memory_port.h"
#include "model/mem/ram.h"
#include "model/npu/npu.h"
#include "model/soc/router.h"
#include "model/common/run_control.h"

namespace npuemu::soc {

class Tile : public sc_core::sc_module {
public:
    Tile(sc_core::sc_module_name name, uint32_t tile_id, const config::ChipConfig& chip,
         const ReferenceClock& timer_clock, RunControl& run_control, const sc_core::sc_event& boot,
         npu::TileBarrier& barrier, mem::TimedMemoryPort& memory_port);

    uint32_t id() const { return tile_id_; }
    core::InterruptLines& interrupt_lines() { return lines_; }
    TileClock& clock() { return clock_; }
    core::CoreModule& core() { return core_; }
    mem::Ram& local_sram() { return local_sram_; }
    mem::Ram& scratchpad() { return scratchpad_; }
    mem::Ram& accumulator() { return accumulator_; }
    npu::Npu& npu() { return npu_; }
    Router& router() { return router_; }

    // The tile's statistics group: its core's and NPU's groups are below it, and the chip's power monitor adds
    // the tile's power state to it.
    StatsGroup& stats() { return stats_; }
    void attach_tracer(trace::Tracer& tracer) {
        core_.attach_tracer(tracer);
        npu_.attach_tracer(tracer);
    }

private:
    uint32_t tile_id_;
    StatsGroup stats_{*this};  // before the core and the NPU, whose groups go below it
    TileClock clock_;  // before the core and the NPU, which hold references to it
    core::InterruptLines lines_;
    core::CoreModule core_;
    mem::Ram local_sram_;
    mem::Ram scratchpad_;
    mem::Ram accumulator_;
    npu::Npu npu_;
    Router router_;
};

}  // namespace npuemu::soc
