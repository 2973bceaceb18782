#include "model/config/chip_config.h"

#include "model/common/error.h"
#include "model/common/bits.h"
#include "model/config/config_node.h"
#include "model/config/key_reader.h"
#include "model/config/memory_config.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::config {

namespace {

void read_banked_memory(ConfigNode node, uint64_t max_bytes, npu::BankedMemoryConfig& memory) {
    read_keys(node, npu::banked_memory_keys(max_bytes), memory);
    if (memory.size_bytes % memory.banks) node.fail("banks", "the size must divide evenly into the banks");
    if (!is_power_of_two(memory.port_width_bytes)) node.fail("port_width_bytes", "must be a power of two");
    node.finish();
}

npu::NpuConfig read_npu(ConfigNode node) {
    npu::NpuConfig npu;
    read_keys(node, npu::npu_config_keys(), npu);
    ConfigNode matrix = node.child("matrix");
    read_keys(matrix, npu::matrix_unit_keys(), npu.matrix);
    matrix.finish();
    ConfigNode vector = node.child("vector");
    read_keys(vector, npu::vector_unit_keys(), npu.vector);
    vector.finish();
    ConfigNode dma = node.child("dma");
    read_keys(dma, npu::dma_keys(), npu.dma);
    dma.finish();
    read_banked_memory(node.child("scratchpad"), NPUEMU_TILE_SCRATCHPAD_MAX_BYTES, npu.scratchpad);
    read_banked_memory(node.child("accumulator"), NPUEMU_TILE_ACCUMULATOR_MAX_BYTES, npu.accumulator);
    node.finish();
    return npu;
}

std::vector<power::OperatingPoint> read_operating_points(ConfigNode& pmu, uint64_t clock_hz) {
    // Default operating points: the chip clock at 0.75 V, then 80%, 60% and 40% of it at lower voltages.
    const uint32_t mhz = static_cast<uint32_t>(clock_hz / 1'000'000);
    std::vector<power::OperatingPoint> points = {{750, mhz}, {700, mhz * 8 / 10}, {650, mhz * 6 / 10},
                                                 {600, mhz * 4 / 10}};
    if (!pmu.has("operating_points")) return points;
    points.clear();
    for (ConfigNode point : pmu.list("operating_points")) {
        power::OperatingPoint op;
        op.voltage_mv = static_cast<uint32_t>(point.get_uint("voltage_mv", 750, 300, 2000));
        op.frequency_mhz = static_cast<uint32_t>(point.get_uint("frequency_mhz", mhz, 1, 10000));
        // Fastest first: each point slower, at no higher voltage, than the one before.
        if (!points.empty()) {
            const power::OperatingPoint& previous = points.back();
            if (op.frequency_mhz >= previous.frequency_mhz || op.voltage_mv > previous.voltage_mv) {
                point.fail("frequency_mhz", "the DVFS table must be monotonic, fastest first: each point needs a "
                                            "lower frequency and no higher voltage than the one before");
            }
        }
        point.finish();
        points.push_back(op);
    }
    if (points.empty()) pmu.fail("operating_points", "needs at least one operating point");
    if (uint64_t(points.front().frequency_mhz) * 1'000'000 != clock_hz) {
        pmu.fail("operating_points", "the first (fastest) point must run at chip.clock_mhz (" + std::to_string(mhz) +
                                         ")");
    }
    return points;
}

// A junction temperature no silicon reaches and keeps working: initial conditions above it are input errors.
constexpr long kMaxPhysicalDie_mC = 250'000;

power::PowerConfig read_power(ConfigNode& top, const noc::MeshConfig& grid, uint64_t clock_hz) {
    power::PowerConfig p;
    if (!top.has("power")) {
        for (const char* key : {"thermal", "pmu"}) {
            if (top.has(key)) top.fail(key, "needs a power: section (power, thermal and the PMU work together)");
        }
        return p;
    }
    ConfigNode power = top.child("power");
    p.enabled = true;
    read_keys(power, power::power_section_keys(), p);
    power::apply_process(p.process, p.energy, p.leakage);
    ConfigNode energy = power.child("energy_pj");
    read_keys(energy, power::energy_keys(), p.energy);
    energy.finish();
    ConfigNode leakage = power.child("leakage");
    read_keys(leakage, power::leakage_keys(), p.leakage);
    leakage.finish();
    power.finish();

    ConfigNode thermal = top.child("thermal");
    read_keys(thermal, power::thermal_section_keys(), p);
    power::apply_cooling(p.cooling, p.thermal);
    // The die nodes sit where the tiles sit on the mesh.
    p.thermal.mesh_cols = grid.cols;
    p.thermal.mesh_rows = grid.rows;
    read_keys(thermal, power::thermal_network_keys(), p.thermal);
    if (p.initial == power::InitialTemperature::Steady) {
        // With the same power in every tile no heat flows sideways: the die's steady temperature is exact here.
        const auto& t = p.thermal;
        const double tiles = static_cast<double>(grid.cols) * grid.rows;
        const double die_mC = t.ambient_mC + 1000.0 * p.initial_power_w *
                                                 (tiles * (t.spreader_to_sink_k_per_w + t.sink_to_ambient_k_per_w) +
                                                  t.die_to_spreader_k_per_w);
        if (die_mC > kMaxPhysicalDie_mC) {
            thermal.fail("initial_power_w", std::to_string(p.initial_power_w) + " W per tile starts the dies at " +
                                                std::to_string(static_cast<long long>(die_mC / 1000)) +
                                                " degC in steady state, beyond what any die survives (" +
                                                std::to_string(kMaxPhysicalDie_mC / 1000) + " degC): not a physical "
                                                "starting point");
        }
    }
    thermal.finish();

    ConfigNode pmu = top.child("pmu");
    read_keys(pmu, power::pmu_keys(), p);
    if (p.hysteresis_mC >= p.tj_max_mC) {
        pmu.fail("hysteresis_mC", std::to_string(p.hysteresis_mC) + " mC is not below tj_max_mC (" +
                                      std::to_string(p.tj_max_mC) + " mC): the throttle could never release");
    }
    if (p.sample_interval_ns == 0) pmu.fail("sample_interval_ns", "must be at least 1 ns");
    p.operating_points = read_operating_points(pmu, clock_hz);
    if (p.start_point >= p.operating_points.size()) {
        pmu.fail("start_point", "there are only " + std::to_string(p.operating_points.size()) +
                                    " operating points (0 .. " + std::to_string(p.operating_points.size() - 1) + ")");
    }
    pmu.finish();
    return p;
}

// Reads a whole section through one table and refuses keys it does not have.
template <class Config>
void read_section(ConfigNode node, const KeyTable<Config>& table, Config& config) {
    read_keys(node, table, config);
    node.finish();
}

}  // namespace

ChipConfig load_chip_config(const std::string& file, const std::vector<std::string>& overrides) {
    return load_chip_config(load_yaml_file(file), file, overrides);
}

ChipConfig load_chip_config(YAML::Node root, const std::string& file, const std::vector<std::string>& overrides,
                            YamlFileCache* preset_cache) {
    auto origins = std::make_shared<OverrideOrigins>();
    for (const auto& assignment : overrides) apply_override(root, assignment, *origins);

    ChipConfig chip;
    chip.source_file = file;
    ConfigNode top(root, file, "", origins);

    ConfigNode chip_node = top.child("chip");
    chip.name = chip_node.get_string("name", chip.name);
    read_keys(chip_node, chip_section_keys(), chip);
    chip_node.finish();

    ConfigNode core_node = top.child("core");
    read_keys(core_node, core::core_config_keys(), chip.core);
    read_section(core_node.child("cpi"), core::cpi_table_keys(), chip.core.cpi);
    core_node.finish();

    read_section(top.child("local_sram"), local_sram_keys(), chip.local_sram);
    chip.npu = read_npu(top.child("npu"));
    ConfigNode global_node = top.child("global_memory");
    read_keys(global_node, global_memory_keys(), chip.global_memory);
    if (chip.global_memory.size_bytes < NPUEMU_FIRMWARE_IMAGE_BYTES) {
        global_node.fail("size_kib", "must be at least " + std::to_string(NPUEMU_FIRMWARE_IMAGE_BYTES / 1024) +
                                         " KiB: the SDK links firmware images into that much");
    }
    if (global_node.has("access_latency_cycles")) {
        global_node.fail("access_latency_cycles",
                         "is no longer a setting: global memory is HBM behind the mesh and its latency comes from "
                         "their models (hbm:, mesh:); image_access_latency_cycles sets the cost of core accesses to "
                         "the firmware image, which the cores' caches hold");
    }
    global_node.finish();
    chip.mesh = read_mesh(top.child("mesh"), chip.tile_count, chip.clock_frequency_hz);
    chip.hbm = read_hbm(top.child("hbm"), file, preset_cache);
    if (chip.global_memory.size_bytes > chip.hbm.geometry.capacity_bytes()) {
        global_node.fail("size_kib", std::to_string(chip.global_memory.size_bytes >> 10) + " KiB is more than the " +
                                         std::to_string(chip.hbm.geometry.stacks) + " HBM stack(s) hold (" +
                                         std::to_string(chip.hbm.geometry.capacity_bytes() >> 10) + " KiB)");
    }

    ConfigNode timer_node = top.child("timer");
    read_keys(timer_node, timer_keys(), chip.timer);
    if (chip.timer.frequency_hz > chip.clock_frequency_hz) {
        timer_node.fail("frequency_hz", "the timer cannot tick faster than the core clock (" +
                                            std::to_string(chip.clock_frequency_hz) + " Hz)");
    }
    timer_node.finish();

    read_section(top.child("devices"), devices_keys(), chip);
    read_section(top.child("console"), console_keys(), chip.console);

    chip.power = read_power(top, chip.mesh, chip.clock_frequency_hz);
    top.finish();
    return chip;
}

}  // namespace npuemu::config
