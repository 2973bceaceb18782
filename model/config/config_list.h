// Every key of a chip config, its type, default, range, unit and meaning: what `npuemu config --list` prints and
// docs/config.md holds. Written from the blocks' key tables, in the order the loader reads them, with the defaults a
// chip gets when its config says nothing (a config with an empty power: section, so the power keys show theirs).
#pragma once

#include <string>
#include <vector>

#include "model/common/config_keys.h"

namespace npuemu::config {

std::vector<ConfigKeyRow> list_chip_config_keys();
// The same rows with a loaded chip's values in default_value (its operating points listed): every key of the chip as
// it was resolved, defaults included (npuemu profile's cache key).
struct ChipConfig;
std::vector<ConfigKeyRow> list_chip_config_values(const ChipConfig& chip);

// The rows as a text table (for a terminal) or as Markdown (docs/config.md).
std::string format_config_keys_text(const std::vector<ConfigKeyRow>& rows);
std::string format_config_keys_markdown(const std::vector<ConfigKeyRow>& rows);

}  // namespace npuemu::config
