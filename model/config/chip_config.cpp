#include "model/config/chip_config.h"

#include "model/common/error.h"
#include "model/config/config_node.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::config {

namespace {

void read_cpi(ConfigNode node, core::CpiTable& cpi) {
    auto cycles = [&node](const char* key, uint32_t fallback) {
        return static_cast<uint32_t>(node.get_uint(key, fallback, 1, 1000));
    };
    cpi.alu_cycles = cycles("alu", cpi.alu_cycles);
    cpi.mul_cycles = cycles("mul", cpi.mul_cycles);
    cpi.div_cycles = cycles("div", cpi.div_cycles);
    cpi.load_cycles = cycles("load", cpi.load_cycles);
    cpi.store_cycles = cycles("store", cpi.store_cycles);
    cpi.branch_taken_cycles = cycles("branch_taken", cpi.branch_taken_cycles);
    cpi.branch_not_taken_cycles = cycles("branch_not_taken", cpi.branch_not_taken_cycles);
    cpi.jump_cycles = cycles("jump", cpi.jump_cycles);
    cpi.csr_cycles = cycles("csr", cpi.csr_cycles);
    cpi.system_cycles = cycles("system", cpi.system_cycles);
    cpi.fence_cycles = cycles("fence", cpi.fence_cycles);
    cpi.npu_issue_cycles = cycles("npu_issue", cpi.npu_issue_cycles);
    node.finish();
}

MemoryConfig read_memory(ConfigNode node, uint64_t default_kib, uint64_t max_bytes, uint32_t default_latency) {
    MemoryConfig memory;
    const uint64_t size_kib = node.get_uint("size_kib", default_kib, 4, max_bytes / 1024);
    memory.size_bytes = size_kib * 1024;
    memory.access_latency_cycles =
        static_cast<uint32_t>(node.get_uint("access_latency_cycles", default_latency, 0, 10000));
    node.finish();
    return memory;
}

bool is_power_of_two(uint64_t value) { return value && !(value & (value - 1)); }

BankedMemoryConfig read_banked_memory(ConfigNode node, uint64_t default_kib, uint64_t max_bytes) {
    BankedMemoryConfig memory;
    memory.size_bytes = node.get_uint("size_kib", default_kib, 4, max_bytes / 1024) * 1024;
    memory.banks = static_cast<uint32_t>(node.get_uint("banks", 4, 1, 64));
    memory.port_width_bytes = static_cast<uint32_t>(node.get_uint("port_width_bytes", 64, 4, 4096));
    if (memory.size_bytes % memory.banks) node.fail("banks", "the size must divide evenly into the banks");
    if (!is_power_of_two(memory.port_width_bytes)) node.fail("port_width_bytes", "must be a power of two");
    node.finish();
    return memory;
}

NpuConfig read_npu(ConfigNode node) {
    NpuConfig npu;
    npu.queue_depth = static_cast<uint32_t>(node.get_uint("queue_depth", npu.queue_depth, 1, 4096));
    ConfigNode matrix = node.child("matrix");
    npu.matrix.rows = static_cast<uint32_t>(matrix.get_uint("rows", npu.matrix.rows, 1, 4095));
    npu.matrix.cols = static_cast<uint32_t>(matrix.get_uint("cols", npu.matrix.cols, 1, 4095));
    matrix.finish();
    ConfigNode vector = node.child("vector");
    npu.vector.lanes = static_cast<uint32_t>(vector.get_uint("lanes", npu.vector.lanes, 1, 4096));
    npu.vector.pipeline_latency_cycles =
        static_cast<uint32_t>(vector.get_uint("pipeline_latency_cycles", npu.vector.pipeline_latency_cycles, 0, 1000));
    npu.vector.transcendental_latency_cycles = static_cast<uint32_t>(
        vector.get_uint("transcendental_latency_cycles", npu.vector.transcendental_latency_cycles, 0, 1000));
    vector.finish();
    ConfigNode dma = node.child("dma");
    npu.dma.bandwidth_bytes_per_cycle =
        static_cast<uint32_t>(dma.get_uint("bandwidth_bytes_per_cycle", npu.dma.bandwidth_bytes_per_cycle, 1, 65536));
    npu.dma.latency_cycles = static_cast<uint32_t>(dma.get_uint("latency_cycles", npu.dma.latency_cycles, 0, 100000));
    npu.dma.burst_bytes = static_cast<uint32_t>(dma.get_uint("burst_bytes", npu.dma.burst_bytes, 4, 65536));
    dma.finish();
    npu.scratchpad = read_banked_memory(node.child("scratchpad"), 256, NPUEMU_TILE_SCRATCHPAD_MAX_BYTES);
    npu.accumulator = read_banked_memory(node.child("accumulator"), 64, NPUEMU_TILE_ACCUMULATOR_MAX_BYTES);
    node.finish();
    return npu;
}

}  // namespace

ChipConfig load_chip_config(const std::string& file, const std::vector<std::string>& overrides) {
    YAML::Node root = load_yaml_file(file);
    auto origins = std::make_shared<OverrideOrigins>();
    for (const auto& assignment : overrides) apply_override(root, assignment, *origins);

    ChipConfig chip;
    chip.source_file = file;
    ConfigNode top(root, file, "", origins);

    ConfigNode chip_node = top.child("chip");
    chip.name = chip_node.get_string("name", "unnamed");
    chip.tile_count = static_cast<uint32_t>(chip_node.get_uint("tiles", 1, 1, NPUEMU_MAX_TILES));
    chip.clock_frequency_hz = chip_node.get_uint("clock_mhz", 1000, 1, 10000) * 1'000'000ull;
    chip_node.finish();

    ConfigNode core_node = top.child("core");
    chip.core.quantum_cycles = core_node.get_uint("quantum_cycles", chip.core.quantum_cycles, 1, 10'000'000);
    read_cpi(core_node.child("cpi"), chip.core.cpi);
    core_node.finish();

    chip.local_sram = read_memory(top.child("local_sram"), 256, NPUEMU_TILE_CORE_SRAM_MAX_BYTES, 0);
    chip.npu = read_npu(top.child("npu"));
    chip.global_memory = read_memory(top.child("global_memory"), 64 * 1024, NPUEMU_GLOBAL_MEM_MAX_BYTES, 10);
    if (chip.global_memory.size_bytes < NPUEMU_FIRMWARE_IMAGE_BYTES) {
        top.child("global_memory").fail("size_kib", "must be at least " +
                                                        std::to_string(NPUEMU_FIRMWARE_IMAGE_BYTES / 1024) +
                                                        " KiB: the SDK links firmware images into that much");
    }

    ConfigNode timer_node = top.child("timer");
    chip.timer.frequency_hz = timer_node.get_uint("frequency_hz", chip.timer.frequency_hz, 1000, 1'000'000'000);
    if (chip.timer.frequency_hz > chip.clock_frequency_hz) {
        timer_node.fail("frequency_hz", "the timer cannot tick faster than the core clock (" +
                                            std::to_string(chip.clock_frequency_hz) + " Hz)");
    }
    timer_node.finish();

    ConfigNode devices_node = top.child("devices");
    chip.device_access_latency_cycles =
        static_cast<uint32_t>(devices_node.get_uint("access_latency_cycles", chip.device_access_latency_cycles, 0, 10000));
    devices_node.finish();

    ConfigNode console_node = top.child("console");
    chip.console.hart_prefix = console_node.get_choice("hart_prefix", "auto", {"auto", "always", "never"});
    console_node.finish();

    top.finish();
    return chip;
}

}  // namespace npuemu::config
