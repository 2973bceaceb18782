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

const std::vector<const char*>& cooling_names() {
    static const std::vector<const char*> names = {"air", "liquid", "air_hot_inlet", "air_degraded_fan",
                                                   "liquid_degraded_pump"};
    return names;
}

// Heat sink (or cold plate) to ambient resistance, its capacitance, and the inlet temperature it is designed for (per
// chip). The package above it (die to spreader 0.8 K/W per tile, spreader to sink 0.05 K/W: ~0.075 K/W for 32 tiles)
// is not the preset's. Sizing rule: data-center cooling holds a chip's full load at the design inlet below Tj,max,
// with margin. Air: the default chip's full load (a 2048^3 BF16 GEMM, ~200 W with leakage, docs/power.md) sits
// ~0.195 K/W x 200 W = 39 K above its 35 degC inlet: ~74 degC, 11 K below Tj,max. For scale: an air-cooled 400 W
// A100 SXM4 in a DGX A100 (rated for 30 degC inlet, DGX A100 User Guide) does not throttle at full load, so its
// junction-to-inlet path is below ~(85 - 30) / 400 = 0.14 K/W: a heat sink for twice the power. The scenarios below
// are where fleets do throttle; their magnitudes are stated assumptions, each a key to change.
void apply_cooling(Cooling cooling, ThermalConfig& t) {
    switch (cooling) {
        case Cooling::Air:
        case Cooling::AirHotInlet:
        case Cooling::AirDegradedFan:
            // A server heat sink for a ~200 W accelerator (TPU v4i: 175 W, air-cooled; Jouppi et al., ISCA 2021) in
            // front-to-back airflow: 0.12 K/W sink to air; ~1 kg of copper and aluminium (Cu 0.385, Al 0.9 J/(g K)):
            // ~450 J/K. Inlet 35 degC: the top of ASHRAE class A2's allowable range (ASHRAE TC 9.9, Thermal Guidelines
            // for Data Processing Environments), what volume servers are rated for.
            t.sink_to_ambient_k_per_w = 0.12;
            t.sink_capacitance_j_per_k = 450.0;
            t.ambient_mC = 35000;
            // Hot inlet: 45 degC, the top of class A4's allowable range; what a rack sees with hot-aisle recirculation.
            if (cooling == Cooling::AirHotInlet) t.ambient_mC = 45000;
            // A failed fan in the server's fan wall: ~40% less air through the sink. Forced convection goes as
            // airflow^0.8, so the sink's resistance rises ~1.5x; the air reaching it is warmer from the parts upstream
            // (+5 K).
            if (cooling == Cooling::AirDegradedFan) {
                t.sink_to_ambient_k_per_w = 0.18;
                t.ambient_mC = 40000;
            }
            return;
        case Cooling::Liquid:
        case Cooling::LiquidDegradedPump:
            // A direct-to-chip cold plate: 0.03 K/W plate to coolant at design flow; ~0.3 kg of copper plus its water:
            // ~120 J/K. Coolant in at 40 degC: warm-water cooling, ASHRAE liquid class W40 (no chiller).
            t.sink_to_ambient_k_per_w = 0.03;
            t.sink_capacitance_j_per_k = 120.0;
            t.ambient_mC = 40000;
            // A degraded pump: the loop at about a quarter of its flow. The rack's coolant rise (~8 K at design flow)
            // grows ~4x, so the water reaches this chip at ~65 degC; the plate's convective resistance rises to 0.05.
            if (cooling == Cooling::LiquidDegradedPump) {
                t.sink_to_ambient_k_per_w = 0.05;
                t.ambient_mC = 65000;
            }
            return;
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
            "cooling", cooling_names(),
            "cooling preset: sink_to_ambient_k_per_w, sink_capacitance_j_per_k and ambient_mC (the design inlet); "
            "the last three are the scenarios fleets throttle in (docs/power.md)"),
        choice_key<PowerConfig, InitialTemperature, &PowerConfig::initial>(
            "initial", {"ambient", "steady"}, "start at ambient, or at the steady state of initial_power_w per tile"),
        double_key("initial_power_w", &PowerConfig::initial_power_w, 0, 1e4, "W", "per tile, for initial: steady"),
    };
    return keys;
}

const KeyTable<ThermalConfig>& thermal_network_keys() {
    static const KeyTable<ThermalConfig> keys = {
        positive_key("die_capacitance_j_per_k", &ThermalConfig::die_capacitance_j_per_k, 1e12, "J/K", "per tile"),
        positive_key("lateral_resistance_k_per_w", &ThermalConfig::lateral_resistance_k_per_w, 1e12, "K/W",
                     "between neighbouring tiles"),
        positive_key("die_to_spreader_k_per_w", &ThermalConfig::die_to_spreader_k_per_w, 1e12, "K/W", "per tile"),
        positive_key("spreader_capacitance_j_per_k", &ThermalConfig::spreader_capacitance_j_per_k, 1e12, "J/K",
                     "the heat spreader"),
        positive_key("spreader_to_sink_k_per_w", &ThermalConfig::spreader_to_sink_k_per_w, 1e12, "K/W",
                     "spreader to heat sink"),
        positive_key("sink_capacitance_j_per_k", &ThermalConfig::sink_capacitance_j_per_k, 1e12, "J/K",
                     "the default comes from thermal.cooling"),
        positive_key("sink_to_ambient_k_per_w", &ThermalConfig::sink_to_ambient_k_per_w, 1e12, "K/W",
                     "the default comes from thermal.cooling"),
        double_key("ambient_mC", &ThermalConfig::ambient_mC, -50000, 150000, "mC",
                   "inlet air or coolant temperature; the default comes from thermal.cooling"),
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
