#include "model/config/chip_config.h"

#include "model/common/error.h"
#include "model/config/config_node.h"
#include "model/config/memory_config.h"
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
    npu.dma.max_outstanding_bursts =
        static_cast<uint32_t>(dma.get_uint("max_outstanding_bursts", npu.dma.max_outstanding_bursts, 1, 65536));
    dma.finish();
    npu.scratchpad = read_banked_memory(node.child("scratchpad"), 256, NPUEMU_TILE_SCRATCHPAD_MAX_BYTES);
    npu.accumulator = read_banked_memory(node.child("accumulator"), 64, NPUEMU_TILE_ACCUMULATOR_MAX_BYTES);
    node.finish();
    return npu;
}

// Published 7nm-class figures (see docs/power.md) and a 4nm-class preset (~0.6x dynamic energy, ~0.8x leakage).
void apply_process(const std::string& process, power::EnergyPerEvent& e, power::LeakageConfig& l) {
    if (process == "4nm") {
        e.int8_mac_pj *= 0.6; e.bf16_mac_pj *= 0.6; e.vector_element_pj *= 0.6; e.sram_byte_pj *= 0.6;
        e.dma_byte_pj *= 0.7; e.core_instruction_pj *= 0.6;
        l.reference_w *= 0.8;
    }
}

// Cooling presets: heat sink to ambient resistance and sink capacitance (per chip).
void apply_cooling(const std::string& cooling, power::ThermalConfig& t) {
    if (cooling == "liquid") {
        t.sink_to_ambient_k_per_w = 0.08;   // a cold plate
        t.sink_capacitance_j_per_k = 60.0;
    } else {
        t.sink_to_ambient_k_per_w = 0.45;   // an air-cooled heat sink in a dense server
        t.sink_capacitance_j_per_k = 150.0;
    }
}

double positive(ConfigNode& node, const char* key, double fallback) {
    const double value = node.get_double(key, fallback, 0, 1e12);
    if (!(value > 0)) node.fail(key, "must be greater than 0");
    return value;
}

PowerConfig read_power(ConfigNode& top, const noc::MeshConfig& grid, uint64_t clock_hz) {
    PowerConfig p;
    if (!top.has("power")) {
        for (const char* key : {"thermal", "pmu"}) {
            if (top.has(key)) top.fail(key, "needs a power: section (power, thermal and the PMU work together)");
        }
        return p;
    }
    ConfigNode power = top.child("power");
    p.enabled = power.get_bool("enabled", true);
    p.process = power.get_choice("process", "7nm", {"7nm", "4nm"});
    apply_process(p.process, p.energy, p.leakage);
    ConfigNode energy = power.child("energy_pj");
    p.energy.int8_mac_pj = energy.get_double("int8_mac", p.energy.int8_mac_pj, 0, 1e6);
    p.energy.bf16_mac_pj = energy.get_double("bf16_mac", p.energy.bf16_mac_pj, 0, 1e6);
    p.energy.vector_element_pj = energy.get_double("vector_element", p.energy.vector_element_pj, 0, 1e6);
    p.energy.sram_byte_pj = energy.get_double("sram_byte", p.energy.sram_byte_pj, 0, 1e6);
    p.energy.dma_byte_pj = energy.get_double("dma_byte", p.energy.dma_byte_pj, 0, 1e6);
    p.energy.core_instruction_pj = energy.get_double("core_instruction", p.energy.core_instruction_pj, 0, 1e6);
    energy.finish();
    ConfigNode leakage = power.child("leakage");
    p.leakage.reference_w = leakage.get_double("reference_w", p.leakage.reference_w, 0, 1e6);
    p.leakage.reference_mC = leakage.get_double("reference_mC", p.leakage.reference_mC, -50000, 200000);
    p.leakage.per_kelvin = leakage.get_double("per_kelvin", p.leakage.per_kelvin, 0, 1);
    leakage.finish();
    power.finish();

    ConfigNode thermal = top.child("thermal");
    p.cooling = thermal.get_choice("cooling", "air", {"air", "liquid"});
    power::ThermalConfig& t = p.thermal;
    apply_cooling(p.cooling, t);
    // The die nodes sit where the tiles sit on the mesh.
    t.mesh_cols = grid.cols;
    t.mesh_rows = grid.rows;
    t.die_capacitance_j_per_k = positive(thermal, "die_capacitance_j_per_k", t.die_capacitance_j_per_k);
    t.lateral_resistance_k_per_w = positive(thermal, "lateral_resistance_k_per_w", t.lateral_resistance_k_per_w);
    t.die_to_spreader_k_per_w = positive(thermal, "die_to_spreader_k_per_w", t.die_to_spreader_k_per_w);
    t.spreader_capacitance_j_per_k = positive(thermal, "spreader_capacitance_j_per_k", t.spreader_capacitance_j_per_k);
    t.spreader_to_sink_k_per_w = positive(thermal, "spreader_to_sink_k_per_w", t.spreader_to_sink_k_per_w);
    t.sink_capacitance_j_per_k = positive(thermal, "sink_capacitance_j_per_k", t.sink_capacitance_j_per_k);
    t.sink_to_ambient_k_per_w = positive(thermal, "sink_to_ambient_k_per_w", t.sink_to_ambient_k_per_w);
    t.ambient_mC = thermal.get_double("ambient_mC", 35000, -50000, 150000);
    t.time_scale = positive(thermal, "time_scale", 1.0);
    p.initial = thermal.get_choice("initial", "ambient", {"ambient", "steady"});
    p.initial_power_w = thermal.get_double("initial_power_w", 0, 0, 1e4);
    thermal.finish();

    ConfigNode pmu = top.child("pmu");
    p.tj_max_mC = static_cast<uint32_t>(pmu.get_uint("tj_max_mC", p.tj_max_mC, 1000, 200000));
    p.hysteresis_mC = static_cast<uint32_t>(pmu.get_uint("hysteresis_mC", p.hysteresis_mC, 0, 50000));
    p.sample_interval_ns = pmu.get_uint("sample_interval_ns", p.sample_interval_ns, 0, 1'000'000'000);
    if (p.sample_interval_ns == 0) pmu.fail("sample_interval_ns", "must be at least 1 ns");
    p.sensor_step_mC = static_cast<uint32_t>(pmu.get_uint("sensor_step_mC", p.sensor_step_mC, 1, 10000));
    // Default operating points: the chip clock at 0.75 V, then 80%, 60% and 40% of it at lower voltages.
    const uint32_t mhz = static_cast<uint32_t>(clock_hz / 1'000'000);
    p.operating_points = {{750, mhz}, {700, mhz * 8 / 10}, {650, mhz * 6 / 10}, {600, mhz * 4 / 10}};
    if (pmu.has("operating_points")) {
        p.operating_points.clear();
        for (ConfigNode point : pmu.list("operating_points")) {
            OperatingPoint op;
            op.voltage_mv = static_cast<uint32_t>(point.get_uint("voltage_mv", 750, 300, 2000));
            op.frequency_mhz = static_cast<uint32_t>(point.get_uint("frequency_mhz", mhz, 1, 10000));
            // Fastest first: each point slower, at no higher voltage, than the one before.
            if (!p.operating_points.empty()) {
                const OperatingPoint& previous = p.operating_points.back();
                if (op.frequency_mhz >= previous.frequency_mhz || op.voltage_mv > previous.voltage_mv) {
                    point.fail("frequency_mhz", "the DVFS table must be monotonic, fastest first: each point needs a "
                                                "lower frequency and no higher voltage than the one before");
                }
            }
            point.finish();
            p.operating_points.push_back(op);
        }
        if (p.operating_points.empty()) pmu.fail("operating_points", "needs at least one operating point");
        if (uint64_t(p.operating_points.front().frequency_mhz) * 1'000'000 != clock_hz) {
            pmu.fail("operating_points", "the first (fastest) point must run at chip.clock_mhz (" +
                                             std::to_string(mhz) + ")");
        }
    }
    pmu.finish();
    return p;
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
    ConfigNode global_node = top.child("global_memory");
    chip.global_memory.size_bytes =
        global_node.get_uint("size_kib", 64 * 1024, 4, NPUEMU_GLOBAL_MEM_MAX_BYTES / 1024) * 1024;
    if (chip.global_memory.size_bytes < NPUEMU_FIRMWARE_IMAGE_BYTES) {
        global_node.fail("size_kib", "must be at least " + std::to_string(NPUEMU_FIRMWARE_IMAGE_BYTES / 1024) +
                                         " KiB: the SDK links firmware images into that much");
    }
    chip.global_memory.image_access_latency_cycles = static_cast<uint32_t>(global_node.get_uint(
        "image_access_latency_cycles", chip.global_memory.image_access_latency_cycles, 0, 10000));
    if (global_node.has("access_latency_cycles")) {
        global_node.fail("access_latency_cycles",
                         "is no longer a setting: global memory is HBM behind the mesh and its latency comes from "
                         "their models (hbm:, mesh:); image_access_latency_cycles sets the cost of core accesses to "
                         "the firmware image, which the cores' caches hold");
    }
    global_node.finish();
    chip.mesh = read_mesh(top.child("mesh"), chip.tile_count, chip.clock_frequency_hz);
    chip.hbm = read_hbm(top.child("hbm"), file);
    if (chip.global_memory.size_bytes > chip.hbm.geometry.capacity_bytes()) {
        global_node.fail("size_kib", std::to_string(chip.global_memory.size_bytes >> 10) + " KiB is more than the " +
                                         std::to_string(chip.hbm.geometry.stacks) + " HBM stack(s) hold (" +
                                         std::to_string(chip.hbm.geometry.capacity_bytes() >> 10) + " KiB)");
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

    chip.power = read_power(top, chip.mesh, chip.clock_frequency_hz);
    top.finish();
    return chip;
}

}  // namespace npuemu::config
