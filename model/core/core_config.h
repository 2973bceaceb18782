// The control core's configuration (the `core:` section of a chip config) and its keys.
#pragma once

#include <cstdint>

#include "model/common/config_keys.h"
#include "model/core/cpi_table.h"

namespace npuemu::core {

struct CoreConfig {
    CpiTable cpi;
    uint64_t quantum_cycles = 2000;  // temporal-decoupling quantum of the loosely-timed cores
};

const KeyTable<CoreConfig>& core_config_keys();  // core.*
const KeyTable<CpiTable>& cpi_table_keys();      // core.cpi.*

}  // namespace npuemu::core
