#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "model/config/config_lookup.h"
#include "model/config/chip_config.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::cli {


int info_command(const InfoArguments& args) {
    const std::string file = config::resolve_config(args.config);
    const config::ChipConfig chip = config::load_chip_config(file, args.overrides);
    const double clock_hz = static_cast<double>(chip.clock_frequency_hz);
    std::printf("chip '%s' (%s)\n", chip.name.c_str(), file.c_str());
    std::printf("  tiles:              %u control cores (RV32IM), %.0f MHz, cycle %.3f ns\n", chip.tile_count,
                clock_hz / 1e6, 1e9 / clock_hz);
    std::printf("  core quantum:       %llu cycles (%.3f us)\n",
                static_cast<unsigned long long>(chip.core.quantum_cycles), chip.core.quantum_cycles / clock_hz * 1e6);
    std::printf("  local SRAM:         %llu KiB per tile, %llu KiB in all\n",
                static_cast<unsigned long long>(chip.local_sram.size_bytes / 1024),
                static_cast<unsigned long long>(chip.local_sram.size_bytes / 1024 * chip.tile_count));
    std::printf("  global memory:      %llu MiB window onto the HBM\n",
                static_cast<unsigned long long>(chip.global_memory.size_bytes >> 20));
    std::printf("  timer (mtime):      %.3f MHz\n", chip.timer.frequency_hz / 1e6);
    std::printf("  peak core issue:    %.2f GIPS (all harts at 1 IPC)\n", chip.tile_count * clock_hz / 1e9);
    const auto& npu = chip.npu;
    const double macs_per_cycle = double(npu.matrix.rows) * npu.matrix.cols * chip.tile_count;
    const double peak_ops = 2.0 * macs_per_cycle * clock_hz;
    const double dma_bytes_per_s = double(npu.dma.bandwidth_bytes_per_cycle) * chip.tile_count * clock_hz;
    std::printf("NPU per tile:\n");
    std::printf("  systolic array:     %u x %u weight-stationary (%u MACs/cycle)\n", npu.matrix.rows, npu.matrix.cols,
                npu.matrix.rows * npu.matrix.cols);
    std::printf("  vector unit:        %u lanes\n", npu.vector.lanes);
    std::printf("  scratchpad:         %llu KiB in %u banks x %u B/cycle\n",
                static_cast<unsigned long long>(npu.scratchpad.size_bytes / 1024), npu.scratchpad.banks,
                npu.scratchpad.port_width_bytes);
    std::printf("  accumulator:        %llu KiB in %u banks x %u B/cycle\n",
                static_cast<unsigned long long>(npu.accumulator.size_bytes / 1024), npu.accumulator.banks,
                npu.accumulator.port_width_bytes);
    std::printf("  DMA:                %u B/cycle, %u cycles latency, %u-byte bursts\n", npu.dma.bandwidth_bytes_per_cycle,
                npu.dma.latency_cycles, npu.dma.burst_bytes);
    const auto& hbm = chip.hbm;
    const auto& g = hbm.geometry;
    std::printf("HBM (preset %s):\n", hbm.preset.c_str());
    std::printf("  stacks:             %u x %u channels x %u pseudo channels (%u in all), %u-bit each\n", g.stacks,
                g.channels_per_stack, g.pseudo_channels_per_channel, g.pseudo_channels(), g.bus_width_bits);
    std::printf("  data rate:          %u MT/s per pin, clock %u MHz, BL%u (%u B per column command)\n",
                hbm.data_rate_mtps, hbm.clock_mhz, g.burst_length, g.access_bytes());
    std::printf("  banks:              %u bank groups x %u banks, %u rows of %u B per pseudo channel\n",
                g.bank_groups, g.banks_per_group, g.rows, g.row_bytes);
    std::printf("  capacity:           %.1f GiB\n", static_cast<double>(g.capacity_bytes()) / (1ull << 30));
    std::printf("  peak bandwidth:     %.1f GB/s\n", hbm.peak_bytes_per_second() / 1e9);
    std::printf("  controller:         %s page, %s refresh, %u-entry queues, tRCD %u tCL %u tRP %u cycles\n",
                hbm.controller.page_policy == mem::PagePolicy::Open ? "open" : "closed",
                hbm.controller.refresh == mem::RefreshMode::PerBank ? "per-bank" : "all-bank",
                hbm.controller.queue_depth, hbm.timing.tRCD_cycles, hbm.timing.tCL_cycles, hbm.timing.tRP_cycles);
    const auto& mesh = chip.mesh;
    const double link_bytes_per_s = double(mesh.link_bandwidth_bytes_per_cycle) * clock_hz;
    std::printf("mesh:\n");
    std::printf("  routers:            %u x %u, %s routing, %u cycles per router, %u-byte headers\n", mesh.cols,
                mesh.rows, mesh.order == noc::DimensionOrder::XY ? "XY" : "YX", mesh.router_latency_cycles,
                mesh.header_bytes);
    std::printf("  links:              %u B/cycle = %.1f GB/s each way; bisection %.1f GB/s each way\n",
                mesh.link_bandwidth_bytes_per_cycle, link_bytes_per_s / 1e9,
                link_bytes_per_s * std::min(mesh.cols, mesh.rows) / 1e9);
    std::printf("chip:\n");
    std::printf("  peak compute:       %.1f TOPS INT8, %.1f TFLOPS BF16 (2 ops per MAC)\n", peak_ops / 1e12,
                peak_ops / 1e12);
    const double memory_bytes_per_s = std::min(dma_bytes_per_s, hbm.peak_bytes_per_second());
    std::printf("  memory bandwidth:   %.1f GB/s (all tiles' DMA %.1f, HBM peak %.1f: the smaller)\n",
                memory_bytes_per_s / 1e9, dma_bytes_per_s / 1e9, hbm.peak_bytes_per_second() / 1e9);
    std::printf("  roofline ridge:     %.1f ops/byte (below: memory-bound; above: compute-bound)\n",
                peak_ops / memory_bytes_per_s);
    std::printf("memory map:\n");
    std::printf("  0x%08x  CLINT\n  0x%08x  tile-local SRAM (own tile)\n  0x%08x  UART\n  0x%08x  sim control\n"
                "  0x%08x  chip info\n  0x%08x  tile SRAMs (tile t at +t*0x%x)\n  0x%08x  global memory\n",
                NPUEMU_CLINT_BASE, NPUEMU_TILE_LOCAL_BASE, NPUEMU_UART_BASE, NPUEMU_SIMCTRL_BASE,
                NPUEMU_CHIPINFO_BASE, NPUEMU_TILE_SRAM_GLOBAL_BASE, NPUEMU_TILE_LOCAL_WINDOW_BYTES,
                NPUEMU_GLOBAL_MEM_BASE);
    return 0;
}

}  // namespace npuemu::cli
