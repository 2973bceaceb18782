// Energy from activity: every unit counts its events; energy = events x energy per event, scaled by (V / V_nominal)^2
// for the dynamic part, plus leakage that grows with temperature (linearised around a reference:
// P_leak(T) = P_leak_ref * (1 + k * (T - T_ref)), clamped at 0). Defaults are 7nm-class figures (docs/power.md names
// the sources); a 4nm-class preset scales them.
#pragma once

#include <cstdint>

namespace npuemu::power {

struct EnergyPerEvent {
    double int8_mac_pj = 0.6;           // 7nm-class INT8 MAC with its operand registers and array wiring
    double bf16_mac_pj = 1.5;
    double vector_element_pj = 2.0;     // one FP32 vector op
    double sram_byte_pj = 1.0;          // scratchpad/accumulator access per byte
    // The DMA engine's own share of a byte it moves (its buffers, address generation, the chip's side of the memory
    // interface): the HBM stack's energy (hbm.energy.*) and the mesh's (mesh.energy_pj_per_bit_hop) are counted by
    // those blocks. Until they were, this was 12 pJ for all three (docs/power.md, "Memory and network energy").
    double dma_byte_pj = 2.0;
    double core_instruction_pj = 12.0;  // small in-order RV32 core
};

struct LeakageConfig {
    // Per tile at the reference temperature and nominal voltage: 19 W for the default chip's 32 tiles, ~10-12% of
    // its full load at 60-85 degC (docs/power.md: a stated assumption for a 7nm part at 0.75 V).
    double reference_w = 0.6;
    double reference_mC = 60000;
    double per_kelvin = 0.015;          // linear temperature coefficient (about +1.5 %/K)
};

struct Activity {
    uint64_t int8_macs = 0, bf16_macs = 0, vector_elements = 0, sram_bytes = 0, dma_bytes = 0, core_instructions = 0;
};

inline double dynamic_energy_j(const Activity& a, const EnergyPerEvent& e, double voltage_ratio) {
    const double pj = a.int8_macs * e.int8_mac_pj + a.bf16_macs * e.bf16_mac_pj + a.vector_elements * e.vector_element_pj +
                      a.sram_bytes * e.sram_byte_pj + a.dma_bytes * e.dma_byte_pj +
                      a.core_instructions * e.core_instruction_pj;
    return pj * 1e-12 * voltage_ratio * voltage_ratio;
}

// Energy counted by blocks outside the tile's own logic (mesh, HBM, links) and charged to the tile, between two
// readings of their cumulative pJ. Not scaled by the tile's voltage: those blocks have their own supplies and clocks.
inline double charged_energy_j(double from_pj, double to_pj) { return (to_pj - from_pj) * 1e-12; }

inline double leakage_power_w(const LeakageConfig& l, double temperature_mC, double voltage_ratio) {
    const double factor = 1.0 + l.per_kelvin * (temperature_mC - l.reference_mC) / 1000.0;
    return factor > 0 ? l.reference_w * factor * voltage_ratio : 0.0;
}

}  // namespace npuemu::power
