// Reading the memory system's sections of a chip config: `hbm:` (a preset from configs/memory/ with the chip's
// overrides on top) and `mesh:`. Part of the loader: errors name file, line, column and key path.
#pragma once

#include <cstdint>
#include <string>

#include "model/config/config_node.h"
#include "model/mem/hbm_config.h"
#include "model/noc/mesh_config.h"

namespace npuemu::config {

// The squarest full grid for a tile count: cols the smallest divisor that is at least its square root (32 tiles:
// 8 x 4; a prime count: one row). The mesh and the thermal network both lay tiles out this way by default.
void default_tile_grid(uint32_t tiles, uint32_t& cols, uint32_t& rows);

// node: the chip's `hbm:` map (maybe empty). The preset file is looked up as <preset>.yaml next to the chip config
// in memory/, then in npuemu's configs/memory/; `preset` may also be a path to a YAML file.
mem::HbmConfig read_hbm(ConfigNode node, const std::string& chip_file, YamlFileCache* preset_cache = nullptr);

noc::MeshConfig read_mesh(ConfigNode node, uint32_t tiles, uint64_t clock_frequency_hz);

}  // namespace npuemu::config
