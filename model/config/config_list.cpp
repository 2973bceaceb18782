#include "model/config/config_list.h"

#include <algorithm>
#include <sstream>

#include "model/config/chip_config.h"
#include "model/config/key_reader.h"
#include "model/mem/hbm_config_keys.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::config {

namespace {

ConfigKeyRow special(std::string path, std::string type, std::string default_value, std::string doc) {
    ConfigKeyRow row;
    row.path = std::move(path);
    row.type = std::move(type);
    row.default_value = std::move(default_value);
    row.doc = std::move(doc);
    return row;
}

}  // namespace

namespace {

// The rows with d's values; power_row: the values of the power: section's own keys.
std::vector<ConfigKeyRow> chip_config_rows(const ChipConfig& d, const power::PowerConfig& power_row) {
    std::vector<ConfigKeyRow> rows;
    rows.push_back(special("chip.name", "text", d.name, "the chip's name, for reports"));
    list_keys("chip", chip_section_keys(), rows, d);
    list_keys("core", core::core_config_keys(), rows, d.core);
    list_keys("core.cpi", core::cpi_table_keys(), rows, d.core.cpi);
    list_keys("local_sram", local_sram_keys(), rows, d.local_sram);
    list_keys("npu", npu::npu_config_keys(), rows, d.npu);
    list_keys("npu.matrix", npu::matrix_unit_keys(), rows, d.npu.matrix);
    list_keys("npu.vector", npu::vector_unit_keys(), rows, d.npu.vector);
    list_keys("npu.dma", npu::dma_keys(), rows, d.npu.dma);
    list_keys("npu.scratchpad", npu::banked_memory_keys(NPUEMU_TILE_SCRATCHPAD_MAX_BYTES), rows, d.npu.scratchpad);
    list_keys("npu.accumulator", npu::banked_memory_keys(NPUEMU_TILE_ACCUMULATOR_MAX_BYTES), rows, d.npu.accumulator);
    list_keys("global_memory", global_memory_keys(), rows, d.global_memory);
    rows.push_back(special("mesh.cols", "integer", std::to_string(d.mesh.cols),
                           "routers per row; cols x rows = chip.tiles (default: the squarest grid)"));
    rows.push_back(special("mesh.rows", "integer", std::to_string(d.mesh.rows), "routers per column"));
    list_keys("mesh", noc::mesh_keys(), rows, d.mesh);
    list_keys("mesh", noc::mesh_response_keys(), rows, d.mesh);
    rows.push_back(special("hbm.preset", "name or file", d.hbm.preset,
                           "an HBM preset (configs/memory/NAME.yaml) or a preset file; keys below override it"));
    list_keys("hbm", mem::hbm_clock_keys(), rows, d.hbm);
    list_keys("hbm", mem::hbm_stack_keys(), rows, d.hbm.geometry);
    list_keys("hbm.geometry", mem::hbm_geometry_keys(), rows, d.hbm.geometry);
    list_keys("hbm.timing", mem::hbm_timing_keys(), rows, d.hbm.timing);
    list_keys("hbm.controller", mem::hbm_controller_keys(), rows, d.hbm.controller);
    list_keys("hbm.energy", mem::hbm_energy_keys(), rows, d.hbm.energy);
    rows.push_back(special("hbm.address_hash", "list of: channels, banks", "from the preset",
                           "XOR-hash the channel and/or bank bits with row bits"));
    rows.push_back(special("hbm.address_mapping", "map or list", "from the preset",
                           "which address bits select stack, channel, pseudo channel, bank group, bank, row, column "
                           "(docs/memory.md)"));
    list_keys("timer", timer_keys(), rows, d.timer);
    list_keys("devices", devices_keys(), rows, d);
    list_keys("console", console_keys(), rows, d.console);
    list_keys("power", power::power_section_keys(), rows, power_row);
    list_keys("power.energy_pj", power::energy_keys(), rows, d.power.energy);
    list_keys("power.leakage", power::leakage_keys(), rows, d.power.leakage);
    list_keys("thermal", power::thermal_section_keys(), rows, d.power);
    list_keys("thermal", power::thermal_network_keys(), rows, d.power.thermal);
    list_keys("pmu", power::pmu_keys(), rows, d.power);
    rows.push_back(special("pmu.operating_points", "list of {voltage_mv, frequency_mhz}",
                           "4 points", "DVFS operating points, fastest first, the first at chip.clock_mhz (default: "
                           "100/80/60/40% of it at 750/700/650/600 mV)"));
    return rows;
}

}  // namespace

std::vector<ConfigKeyRow> list_chip_config_keys() {
    const ChipConfig d = load_chip_config(YAML::Load("power: {}"), "<defaults>");
    return chip_config_rows(d, power::PowerConfig{});  // power is off without a power: section
}

std::vector<ConfigKeyRow> list_chip_config_values(const ChipConfig& chip) {
    std::vector<ConfigKeyRow> rows = chip_config_rows(chip, chip.power);
    // The keys with syntax of their own, as resolved (from the chip config or its HBM preset).
    for (auto& row : rows) {
        std::string value;
        if (row.path == "pmu.operating_points") {
            for (const auto& p : chip.power.operating_points) {
                value += std::to_string(p.voltage_mv) + "mV@" + std::to_string(p.frequency_mhz) + "MHz ";
            }
        } else if (row.path == "hbm.address_hash") {
            value = std::string(chip.hbm.mapping.hash_channels ? "channels " : "") +
                    (chip.hbm.mapping.hash_banks ? "banks" : "");
        } else if (row.path == "hbm.address_mapping") {
            for (const auto& field : chip.hbm.mapping.bits) {
                for (uint8_t bit : field) value += std::to_string(bit) + " ";
                value += "| ";
            }
        } else {
            continue;
        }
        row.default_value = value;
    }
    return rows;
}

std::string format_config_keys_text(const std::vector<ConfigKeyRow>& rows) {
    size_t path_width = 0, default_width = 0;
    for (const auto& row : rows) {
        path_width = std::max(path_width, row.path.size());
        default_width = std::max(default_width, row.default_value.size() + row.unit.size() + 1);
    }
    std::ostringstream out;
    for (const auto& row : rows) {
        const std::string value = row.default_value + (row.unit.empty() ? "" : " " + row.unit);
        out << row.path << std::string(path_width + 2 - row.path.size(), ' ') << value
            << std::string(default_width + 2 - value.size(), ' ') << row.doc;
        if (!row.range.empty() || row.type != "integer") {
            out << " [" << (row.range.empty() ? row.type : row.type + " " + row.range) << "]";
        }
        out << "\n";
    }
    return out.str();
}

std::string format_config_keys_markdown(const std::vector<ConfigKeyRow>& rows) {
    std::ostringstream out;
    out << "# Chip configuration keys\n\n"
        << "Generated by `npuemu config --list --markdown` from the blocks' key tables (do not edit; "
           "`tests` check it is current). Set any key in a chip config (`configs/*.yaml`) or with "
           "`--set KEY=VALUE`. Defaults are what a chip gets when its config says nothing (the power keys once "
           "a `power:` section is given).\n\n"
        << "| key | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto& row : rows) {
        out << "| `" << row.path << "` | " << row.type << " | " << row.default_value << " | " << row.range << " | "
            << row.unit << " | " << row.doc << " |\n";
    }
    return out.str();
}

}  // namespace npuemu::config
