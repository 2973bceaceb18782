#include "model/power/power_config.h"

namespace npuemu::power {

// Published 7nm-class figures (see docs/power.md) and a 4nm-class preset (~0.6x dynamic energy, ~0.8x leakage).
void apply_process(Process process, EnergyPerEvent& e, LeakageConfig& l) {
    if (process == Process::N4) {
        e.int8_mac_pj *= 0.6; e.bf16_mac_pj *= 0.6; e.vector_element_pj *= 0.6; e.sram_byte_pj *= 0.6;
        e.dma_byte_pj *= 0.7; e.core_instruction_pj *= 0.6;
        l.reference_w *= 0.8;
    }
}

// Heat sink to ambient resistance and sink capacitance (per chip).
void apply_cooling(Cooling cooling, ThermalConfig& t) {
    if (cooling == Cooling::Liquid) {
        t.sink_to_ambient_k_per_w = 0.08;   // a cold plate
        t.sink_capacitance_j_per_k = 60.0;
    } else {
        t.sink_to_ambient_k_per_w = 0.45;   // an air-cooled heat sink in a dense server
        t.sink_capacitance_j_per_k = 150.0;
    }
}

const KeyTable<PowerConfig>& power_section_keys() {
    static const KeyTable<PowerConfig> keys = {
        bool_key("enabled", &PowerConfig::enabled, "the power, thermal and PMU models run (true once power: is given)"),
        choice_key<PowerConfig, Process, &PowerConfig::process>(
            "process", {"7nm", "4nm"}, "energy per event and leakage preset (4nm: ~0.6x dynamic, ~0.8x leakage)"),
    };
    return keys;
}

const KeyTable<EnergyPerEvent>& energy_keys() {
    static const KeyTable<EnergyPerEvent> keys = {
        double_key("int8_mac", &EnergyPerEvent::int8_mac_pj, 0, 1e6, "pJ", "one INT8 multiply-accumulate"),
        double_key("bf16_mac", &EnergyPerEvent::bf16_mac_pj, 0, 1e6, "pJ", "one BF16 multiply-accumulate"),
        double_key("vector_element", &EnergyPerEvent::vector_element_pj, 0, 1e6, "pJ", "one FP32 vector op"),
        double_key("sram_byte", &EnergyPerEvent::sram_byte_pj, 0, 1e6, "pJ", "a scratchpad/accumulator byte"),
        double_key("dma_byte", &EnergyPerEvent::dma_byte_pj, 0, 1e6, "pJ", "a byte moved by the DMA"),
        double_key("core_instruction", &EnergyPerEvent::core_instruction_pj, 0, 1e6, "pJ",
                   "one control-core instruction"),
    };
    return keys;
}

const KeyTable<LeakageConfig>& leakage_keys() {
    static const KeyTable<LeakageConfig> keys = {
        double_key("reference_w", &LeakageConfig::reference_w, 0, 1e6, "W",
                   "per tile, at the reference temperature and nominal voltage"),
        double_key("reference_mC", &LeakageConfig::reference_mC, -50000, 200000, "mC", "the reference temperature"),
        double_key("per_kelvin", &LeakageConfig::per_kelvin, 0, 1, "1/K", "linear temperature coefficient"),
    };
    return keys;
}

const KeyTable<PowerConfig>& thermal_section_keys() {
    static const KeyTable<PowerConfig> keys = {
        choice_key<PowerConfig, Cooling, &PowerConfig::cooling>(
            "cooling", {"air", "liquid"}, "heat sink preset (sink_to_ambient_k_per_w, sink_capacitance_j_per_k)"),
        choice_key<PowerConfig, InitialTemperature, &PowerConfig::initial>(
            "initial", {"ambient", "steady"},
            "start at ambient, or at the steady state of initial_power_w per tile"),
        double_key("initial_power_w", &PowerConfig::initial_power_w, 0, 1e4, "W",
                   "per tile, for initial: steady"),
    };
    return keys;
}

const KeyTable<ThermalConfig>& thermal_network_keys() {
    static const KeyTable<ThermalConfig> keys = {
        positive_key("die_capacitance_j_per_k", &ThermalConfig::die_capacitance_j_per_k, 1e12, "J/K",
                   "per tile"),
        positive_key("lateral_resistance_k_per_w", &ThermalConfig::lateral_resistance_k_per_w, 1e12, "K/W",
                   "between neighbouring tiles"),
        positive_key("die_to_spreader_k_per_w", &ThermalConfig::die_to_spreader_k_per_w, 1e12, "K/W",
                   "per tile"),
        positive_key("spreader_capacitance_j_per_k", &ThermalConfig::spreader_capacitance_j_per_k, 1e12, "J/K",
                     "the heat spreader"),
        positive_key("spreader_to_sink_k_per_w", &ThermalConfig::spreader_to_sink_k_per_w, 1e12, "K/W",
                     "spreader to heat sink"),
        positive_key("sink_capacitance_j_per_k", &ThermalConfig::sink_capacitance_j_per_k, 1e12, "J/K",
                   "the default comes from thermal.cooling"),
        positive_key("sink_to_ambient_k_per_w", &ThermalConfig::sink_to_ambient_k_per_w, 1e12, "K/W",
                   "the default comes from thermal.cooling"),
        double_key("ambient_mC", &ThermalConfig::ambient_mC, -50000, 150000, "mC", "ambient (inlet) temperature"),
        positive_key("time_scale", &ThermalConfig::time_scale, 1e12, "",
                   "capacitances are divided by this, so a short run shows sustained behaviour (1 = physical)"),
    };
    return keys;
}

const KeyTable<PowerConfig>& pmu_keys() {
    static const KeyTable<PowerConfig> keys = {
        uint_key("tj_max_mC", &PowerConfig::tj_max_mC, 1000, 200000, "mC", "the hardware throttle's junction limit"),
        uint_key("hysteresis_mC", &PowerConfig::hysteresis_mC, 0, 50000, "mC",
                 "the throttle climbs back below tj_max_mC minus this"),
        uint_key("sample_interval_ns", &PowerConfig::sample_interval_ns, 0, 1'000'000'000, "ns",
                 "power/thermal sampling interval (at least 1)"),
        uint_key("sensor_step_mC", &PowerConfig::sensor_step_mC, 1, 10000, "mC", "thermal sensor quantisation"),
        uint_key("start_point", &PowerConfig::start_point, 0, 1023, "",
                 "the operating point (index into operating_points) every tile starts at, as if its firmware had "
                 "requested it: npuemu profile pins each point this way"),
    };
    return keys;
}

}  // namespace npuemu::power
