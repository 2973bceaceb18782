// The RC thermal network against analytic results.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "model/common/error.h"
#include "model/power/energy_model.h"
#include "model/power/thermal_network.h"

using namespace npuemu::power;

TEST_CASE("thermal: a step of power follows T_amb + P R (1 - exp(-t / RC)) within 1%") {
    // One tile whose die, spreader and sink are tied so tightly that the network is one RC: the sink dominates.
    ThermalConfig c;
    c.die_capacitance_j_per_k = 1e-6;
    c.spreader_capacitance_j_per_k = 1e-6;
    c.die_to_spreader_k_per_w = 1e-6;
    c.spreader_to_sink_k_per_w = 1e-6;
    c.sink_capacitance_j_per_k = 10.0;
    c.sink_to_ambient_k_per_w = 0.5;
    c.ambient_mC = 25000;
    ThermalNetwork network(c);
    const double power = 40.0, r = 0.5, rc = 10.0 * 0.5;
    const double dt = rc / 2000;
    double t = 0;
    for (int checkpoint = 1; checkpoint <= 4; ++checkpoint) {
        const double until = checkpoint * rc;
        while (t < until - 1e-12) {
            network.step(dt, {power});
            t += dt;
        }
        const double expected_rise = power * r * (1 - std::exp(-t / rc));
        const double rise = (network.tile_temperature_mC(0) - c.ambient_mC) / 1000.0;
        CHECK(rise == doctest::Approx(expected_rise).epsilon(0.01));
    }
}

TEST_CASE("thermal: the implicit integration is stable for huge steps and lands on the steady state") {
    ThermalConfig c;
    c.mesh_cols = 4;
    c.mesh_rows = 2;
    ThermalNetwork network(c);
    std::vector<double> power = {10, 0, 5, 0, 0, 20, 0, 1};
    for (int i = 0; i < 200; ++i) network.step(1000.0, power);  // steps far longer than every time constant
    const std::vector<double> steady = network.steady_state(power);
    for (size_t node = 0; node < network.node_count(); ++node) {
        CHECK(std::fabs(network.temperatures_mC()[node] - steady[node]) < 100.0);  // within 0.1 degC
    }
    // The hottest tile is the one with the most power, and heat flows out of it to its neighbours.
    CHECK(steady[5] > steady[0]);
    CHECK(steady[0] > steady[1]);
    // In steady state all power leaves through the sink: sum(P) = (T_sink - T_amb) / R_sink.
    network.set_steady_state(power);
    CHECK(network.heat_to_ambient_w() == doctest::Approx(36.0).epsilon(1e-9));
}

TEST_CASE("thermal: energy is conserved: heat in = heat out + heat stored") {
    ThermalConfig c;
    c.mesh_cols = 2;
    c.mesh_rows = 2;
    c.time_scale = 100;
    ThermalNetwork network(c);
    const std::vector<double> power = {3, 4, 5, 6};
    const double dt = 1e-3;
    double heat_in = 0, heat_out = 0;
    for (int i = 0; i < 5000; ++i) {
        network.step(dt, power);
        heat_in += 18.0 * dt;
        heat_out += network.heat_to_ambient_w() * dt;  // backward Euler: outflow at the end of each step
    }
    CHECK(heat_in == doctest::Approx(heat_out + network.stored_energy_j()).epsilon(1e-9));
}

TEST_CASE("thermal: non-positive resistances or capacitances are errors") {
    ThermalConfig c;
    c.lateral_resistance_k_per_w = -1;
    CHECK_THROWS_WITH_AS(ThermalNetwork{c}, doctest::Contains("lateral_resistance_k_per_w must be a positive number"),
                         npuemu::Error);
    ThermalConfig d;
    d.sink_capacitance_j_per_k = 0;
    CHECK_THROWS_AS(ThermalNetwork{d}, npuemu::Error);
    ThermalNetwork ok(ThermalConfig{});
    CHECK_THROWS_AS(ok.step(0.0, {1.0}), npuemu::Error);
    CHECK_THROWS_WITH_AS(ok.step(1e-6, {1.0, 2.0}), "thermal: 2 tile powers for a network of 1 tiles", npuemu::Error);
}

TEST_CASE("power: energy from activity scales with V^2; leakage grows with temperature") {
    Activity a;
    a.int8_macs = 1'000'000;
    a.dma_bytes = 1000;
    EnergyPerEvent e;
    const double nominal = dynamic_energy_j(a, e, 1.0);
    CHECK(nominal == doctest::Approx((1e6 * e.int8_mac_pj + 1000 * e.dma_byte_pj) * 1e-12));
    CHECK(dynamic_energy_j(a, e, 0.8) == doctest::Approx(nominal * 0.64));
    LeakageConfig l;
    CHECK(leakage_power_w(l, l.reference_mC, 1.0) == doctest::Approx(l.reference_w));
    CHECK(leakage_power_w(l, l.reference_mC + 20000, 1.0) == doctest::Approx(l.reference_w * 1.3));
    CHECK(leakage_power_w(l, -100000, 1.0) == 0.0);
}
