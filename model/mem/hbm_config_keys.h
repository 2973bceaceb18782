// The HBM's configuration keys (the `hbm:` section of a chip config, and the preset files in configs/memory/).
// The address mapping, its hashing and the preset name have their own syntax and are read by the loader.
#pragma once

#include "model/common/config_keys.h"
#include "model/mem/hbm_config.h"

namespace npuemu::mem {

const KeyTable<HbmConfig>& hbm_clock_keys();                // hbm.clock_mhz, hbm.data_rate_mtps
const KeyTable<HbmGeometry>& hbm_stack_keys();              // hbm.stacks
const KeyTable<HbmGeometry>& hbm_geometry_keys();           // hbm.geometry.*
const KeyTable<HbmTiming>& hbm_timing_keys();               // hbm.timing.*
const KeyTable<HbmControllerConfig>& hbm_controller_keys(); // hbm.controller.*
const KeyTable<HbmEnergy>& hbm_energy_keys();               // hbm.energy.*

}  // namespace npuemu::mem
