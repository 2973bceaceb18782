#include "model/soc/chip.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "model/common/error.h"
#include "model/common/format.h"
#include "model/common/hierarchy_names.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

namespace {

std::vector<core::InterruptLines*> interrupt_lines_of(std::vector<std::unique_ptr<Tile>>& tiles) {
    std::vector<core::InterruptLines*> lines;
    for (auto& tile : tiles) lines.push_back(&tile->interrupt_lines());
    return lines;
}


}  // namespace

Chip::Chip(sc_core::sc_module_name name, const config::ChipConfig& config, std::ostream& console,
           std::optional<HtifAddresses> htif, const ChipPlacement& placement)
    : sc_module(name),
      config_(config),
      placement_(placement),
      run_control_(config.tile_count),
      timer_clock_(config.timer.frequency_hz),
      barrier_(config.tile_count),
      network_(stats_, config.mesh),
      hbm_("hbm", config.hbm),
      memory_("memory", config, network_, hbm_, static_cast<uint32_t>(placement.link_peers.size())),
      router_("router"),
      // Its DMI latency is what the cores pay in the firmware image; the timed fronts ignore it.
      global_memory_("global_memory", config.global_memory.size_bytes,
                     sc_core::sc_time::from_value(config.clock_period_ps() *
                                                  config.global_memory.image_access_latency_cycles)),
      global_front_("global_front", memory_, NPUEMU_GLOBAL_MEM_BASE, config.tile_count),
      uart_("uart", console,
            config.console.hart_prefix == config::HartPrefix::Always ||
                (config.console.hart_prefix == config::HartPrefix::Auto && config.tile_count > 1),
            placement.in_system() ? "chip " + std::to_string(placement.chip_id) : std::string(),
            sc_core::sc_time::from_value(config.clock_period_ps() * config.device_access_latency_cycles)),
      sim_control_("sim_control", run_control_,
                   sc_core::sc_time::from_value(config.clock_period_ps() * config.device_access_latency_cycles)),
      chip_info_("chip_info", config_, placement_,
                 sc_core::sc_time::from_value(config.clock_period_ps() * config.device_access_latency_cycles)),
      debug_socket_("debug_socket") {
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS)) {
        throw Error("internal: the SystemC time resolution must be 1 ps");
    }
    const sc_core::sc_time device_latency =
        sc_core::sc_time::from_value(config.clock_period_ps() * config.device_access_latency_cycles);
    for (uint32_t t = 0; t < config.tile_count; ++t) {
        tiles_.push_back(std::make_unique<Tile>(("tile" + std::to_string(t)).c_str(), t, config_, timer_clock_,
                                                run_control_, boot_event_, barrier_, memory_.port(t)));
    }
    clint_ = std::make_unique<Clint>("clint", timer_clock_, interrupt_lines_of(tiles_), device_latency);
    memory_.set_doorbell_sink([this](uint32_t tile, uint64_t arrival_ps, unsigned flag) {
        tiles_[tile]->npu().doorbells().ring(arrival_ps, flag);
    });

    // Every tile's outside port goes to the chip router; the lowest priority makes it the tile's default route.
    // (Addresses above 2^32 are other chips' in a system: through the chip router too.)
    for (auto& tile : tiles_) {
        tile->router().attach(router_.target_socket, 0, kAddressSpaceBytes, "chip", Router::Holds::Registers, -1);
    }
    // Every tile's memories, seen from the chip, sit behind the mesh: a core's load from another tile crosses it.
    for (auto& tile : tiles_) {
        const uint64_t window = NPUEMU_TILE_SRAM_GLOBAL_BASE + uint64_t(tile->id()) * NPUEMU_TILE_LOCAL_WINDOW_BYTES;
        const std::string name = tile->name();
        auto attach_timed = [&](mem::Ram& memory, uint64_t base, uint64_t size, const std::string& id,
                                const std::string& label) {
            const std::string module = "tile" + std::to_string(tile->id()) + "_" + id + "_front";
            tile_fronts_.push_back(std::make_unique<TimedMemoryFront>(module.c_str(), memory_, base, config.tile_count));
            tile_fronts_.back()->initiator_socket.bind(memory.socket);
            router_.attach(tile_fronts_.back()->target_socket, base, size, name + " " + label, Router::Holds::Memory);
        };
        attach_timed(tile->local_sram(), window + NPUEMU_TILE_CORE_SRAM_OFFSET, config.local_sram.size_bytes,
                     "core_sram", "core SRAM");
        attach_timed(tile->scratchpad(), window + NPUEMU_TILE_SCRATCHPAD_OFFSET, config.npu.scratchpad.size_bytes,
                     "scratchpad", "scratchpad");
        attach_timed(tile->accumulator(), window + NPUEMU_TILE_ACCUMULATOR_OFFSET, config.npu.accumulator.size_bytes,
                     "accumulator", "accumulator");
    }
    global_front_.initiator_socket.bind(global_memory_.socket);
    router_.attach(global_front_.target_socket, NPUEMU_GLOBAL_MEM_BASE, config.global_memory.size_bytes,
                   "global memory (HBM)", Router::Holds::Memory);
    router_.attach(clint_->socket, NPUEMU_CLINT_BASE, NPUEMU_CLINT_SIZE, "CLINT", Router::Holds::Registers);
    router_.attach(uart_.socket, NPUEMU_UART_BASE, NPUEMU_UART_SIZE, "UART", Router::Holds::Registers);
    router_.attach(sim_control_.socket, NPUEMU_SIMCTRL_BASE, NPUEMU_SIMCTRL_SIZE, "sim control",
                   Router::Holds::Registers);
    router_.attach(chip_info_.socket, NPUEMU_CHIPINFO_BASE, NPUEMU_CHIPINFO_SIZE, "chip info",
                   Router::Holds::Registers);
    if (htif) {
        uint64_t size = 8;
        uint64_t fromhost_offset = 0;
        if (htif->fromhost && *htif->fromhost > htif->tohost && *htif->fromhost - htif->tohost < 4096) {
            fromhost_offset = *htif->fromhost - htif->tohost;
            size = fromhost_offset + 8;
        }
        htif_ = std::make_unique<Htif>("htif", run_control_, console, fromhost_offset);
        // It overlays memory, so an image's tohost section may be loaded over it.
        router_.attach(htif_->socket, htif->tohost, size, "HTIF tohost/fromhost", Router::Holds::Memory, 1);
    }
    debug_socket_.bind(router_.target_socket);
    register_npu_totals();
    if (config.power.enabled) {
        std::vector<power::PowerMonitor::TileProbe> probes;
        for (auto& tile : tiles_) {
            Tile* t = tile.get();
            probes.push_back({&t->clock(),
                              [t] {
                                  power::Activity a = t->npu().activity();
                                  a.core_instructions = t->core().hart().instructions();
                                  return a;
                              },
                              [this, t] { return memory_.tile_energy_pj(t->id()); },
                              [t](bool level) {
                                  core::InterruptLines& lines = t->interrupt_lines();
                                  if (lines.external == level) return;
                                  lines.external = level;
                                  lines.notify();
                              },
                              &t->stats(), trace_scope(*t)});
        }
        power_ = std::make_unique<power::PowerMonitor>("power", config.power, std::move(probes));
        for (auto& tile : tiles_) {
            pmu_registers_.push_back(std::make_unique<power::PmuRegisters>(
                ("pmu" + std::to_string(tile->id())).c_str(), *power_, tile->id(), device_latency));
            tile->router().attach(pmu_registers_.back()->socket, npu::isa::pmu::kBase, 0x1000, "PMU",
                                  Router::Holds::Registers);
        }
    }
}

bool Chip::debug_transfer(tlm::tlm_command command, uint64_t addr, uint8_t* data, uint64_t length) {
    tlm::tlm_generic_payload trans;
    while (length > 0) {
        const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(length, 1u << 30));
        trans.set_command(command);
        trans.set_address(addr);
        trans.set_data_ptr(data);
        trans.set_data_length(chunk);
        const unsigned done = debug_socket_->transport_dbg(trans);
        if (done == 0) return false;
        addr += done;
        data += done;
        length -= done;
    }
    return true;
}

bool Chip::write_memory(uint64_t addr, const uint8_t* data, uint64_t length) {
    return debug_transfer(tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(data), length);
}

bool Chip::read_memory(uint64_t addr, uint8_t* data, uint64_t length) {
    return debug_transfer(tlm::TLM_READ_COMMAND, addr, data, length);
}

std::string Chip::describe_memory_map() const {
    std::string text;
    for (const auto& range : router_.ranges()) {
        text += "  " + hex(range.base) + "-" + hex(range.base + range.size - 1) + "  " + range.label + "\n";
    }
    return text;
}

void Chip::check_image_fits(const loader::ElfImage& image) const {
    for (size_t i = 0; i < image.segments.size(); ++i) {
        const auto& segment = image.segments[i];
        if (!router_.is_memory(segment.load_address, segment.memory_bytes)) {
            throw Error(image.path + ": loadable segment " + std::to_string(i) + " (" + hex(segment.load_address) +
                        "-" + hex(uint64_t(segment.load_address) + segment.memory_bytes - 1) +
                        ") does not lie in the chip's memory. Memory map of chip '" + config_.name + "':\n" +
                        describe_memory_map());
        }
    }
}

void Chip::load(const loader::ElfImage& image) {
    check_image_fits(image);
    for (const auto& segment : image.segments) {
        bool written = write_memory(segment.load_address, segment.data.data(), segment.data.size());
        // The zero-filled rest (.bss) in bounded chunks, skipping chunks already zero: a segment of 1 GiB of
        // p_memsz costs no host copy of itself.
        constexpr uint64_t kChunk = 64 * 1024;
        std::vector<uint8_t> chunk, zeros;
        for (uint64_t offset = segment.data.size(); written && offset < segment.memory_bytes; offset += kChunk) {
            const uint64_t length = std::min<uint64_t>(kChunk, segment.memory_bytes - offset);
            chunk.resize(length);
            zeros.assign(length, 0);
            written = read_memory(segment.load_address + offset, chunk.data(), length);
            if (written && chunk != zeros) written = write_memory(segment.load_address + offset, zeros.data(), length);
        }
        if (!written) throw Error(image.path + ": internal: the memory refused an image that fits the memory map");
    }
    for (auto& tile : tiles_) tile->core().set_start_pc(image.entry);
}

std::string Chip::describe_waits() {
    std::string text;
    for (auto& tile : tiles_) {
        const std::string waits = tile->npu().describe_waits();
        if (!waits.empty()) text += (text.empty() ? "" : "; ") + waits;
    }
    return text;
}

// Chip-level NPU figures: achieved against peak, over all tiles.
void Chip::register_npu_totals() {
    const double peak_macs_per_cycle = double(config_.npu.matrix.rows) * config_.npu.matrix.cols * config_.tile_count;
    const double period_ps = static_cast<double>(config_.clock_period_ps());
    auto total_macs = [this] {
        double sum = 0;
        for (const auto& tile : tiles_) sum += static_cast<double>(tile->npu().macs());
        return sum;
    };
    stats_.derived("npu.macs", total_macs, StatUnit::Count, "multiply-accumulates on all tiles");
    stats_.derived("npu.peak_tops", [peak_macs_per_cycle, period_ps] { return 2 * peak_macs_per_cycle / period_ps; },
                   StatUnit::Tops, "peak tera-operations per second (2 per MAC) of all arrays");
    stats_.derived("npu.achieved_tops", [total_macs] {
        const double ps = static_cast<double>(sc_core::sc_time_stamp().value());
        return ps > 0 ? 2 * total_macs() / ps : 0.0;
    }, StatUnit::Tops, "operations per second achieved over the whole run (2 per MAC)");
    stats_.derived("npu.mac_utilization", [total_macs, peak_macs_per_cycle, period_ps] {
        const double elapsed = static_cast<double>(sc_core::sc_time_stamp().value()) / period_ps;
        return elapsed > 0 ? total_macs() / (elapsed * peak_macs_per_cycle) : 0.0;
    }, StatUnit::Ratio, "MACs / (peak MACs per cycle x elapsed cycles), over the whole run");
}

}  // namespace npuemu::soc
