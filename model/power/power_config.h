// Power, thermal and PMU configuration (the `power:`, `thermal:` and `pmu:` sections of a chip config) and its keys.
// Disabled unless the config has a `power:` section (then all three apply).
#pragma once

#include <cstdint>
#include <vector>

#include "model/common/config_keys.h"
#include "model/power/energy_model.h"
#include "model/power/thermal_network.h"

namespace npuemu::power {

enum class Process { N7, N4 };           // "7nm", "4nm": energy per event and leakage presets
// The heat sink (or cold plate) to ambient, and the design inlet temperature; the last three are the scenarios where
// fleets see throttling (power_config.cpp says where each figure comes from).
enum class Cooling { Air, Liquid, AirHotInlet, AirDegradedFan, LiquidDegradedPump };
enum class InitialTemperature { Ambient, Steady };  // steady: the steady state of initial_power_w per tile

// A DVFS operating point of a tile.
struct OperatingPoint {
    uint32_t voltage_mv = 750;
    uint32_t frequency_mhz = 1000;
};

struct PowerConfig {
    bool enabled = false;
    Process process = Process::N7;
    EnergyPerEvent energy;
    LeakageConfig leakage;
    Cooling cooling = Cooling::Air;
    ThermalConfig thermal;  // mesh size filled from the tile count
    InitialTemperature initial = InitialTemperature::Ambient;
    double initial_power_w = 0;
    std::vector<OperatingPoint> operating_points;  // fastest first; the throttle steps down the list
    uint32_t tj_max_mC = 85000;  // the throttle point for sustained operation
    uint32_t hysteresis_mC = 5000;
    uint64_t sample_interval_ns = 1000;
    uint32_t sensor_step_mC = 250;  // sensor quantisation
    uint32_t start_point = 0;       // the operating point every tile starts at (as if firmware requested it)
};

// The process preset's energies and leakage, applied before the keys that override them.
void apply_process(Process process, EnergyPerEvent& energy, LeakageConfig& leakage);
// The presets' names as thermal.cooling takes them, in the enum's order.
const std::vector<const char*>& cooling_names();
// The cooling preset's heat sink and inlet temperature, applied before the keys that override them.
void apply_cooling(Cooling cooling, ThermalConfig& thermal);

const KeyTable<PowerConfig>& power_section_keys();     // power.enabled, power.process
const KeyTable<EnergyPerEvent>& energy_keys();         // power.energy_pj.*
const KeyTable<LeakageConfig>& leakage_keys();         // power.leakage.*
const KeyTable<PowerConfig>& thermal_section_keys();   // thermal.cooling, thermal.initial, thermal.initial_power_w
const KeyTable<ThermalConfig>& thermal_network_keys(); // thermal.* (resistances, capacitances, ambient, time scale)
const KeyTable<PowerConfig>& pmu_keys();               // pmu.* (operating_points is a list, read by the loader)

}  // namespace npuemu::power
