// The chip config loader: presets load, defaults fill gaps, and every kind of bad value is reported with file, line,
// column and key path (or the --set option that supplied it).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <fstream>
#include <string>

#include "model/common/error.h"
#include "tests/unit/temp_yaml.h"
#include "model/config/chip_config.h"

using npuemu::config::ChipConfig;
using npuemu::config::load_chip_config;

namespace {

std::string load_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    npuemu::test::TempYaml file(text);
    try {
        load_chip_config(file.path(), overrides);
    } catch (const npuemu::Error& e) {
        std::string message = e.what();
        // Make messages independent of the temporary file's name.
        const auto at = message.find(file.path());
        if (at != std::string::npos) message.replace(at, file.path().size(), "FILE");
        return message;
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("config: the shipped presets load") {
    const ChipConfig chip = load_chip_config(std::string(NPUEMU_SOURCE_DIR) + "/configs/default.yaml");
    CHECK(chip.name == "npu7-default");
    CHECK(chip.tile_count == 32);
    CHECK(chip.clock_frequency_hz == 1'000'000'000);
    CHECK(chip.clock_period_ps() == 1000);
    CHECK(chip.core.cpi.div_cycles == 34);
    const ChipConfig test = load_chip_config(std::string(NPUEMU_SOURCE_DIR) + "/configs/test.yaml");
    CHECK(test.tile_count == 4);
    CHECK(test.global_memory.size_bytes == 64ull << 20);
}

TEST_CASE("config: omitted keys take their documented defaults") {
    npuemu::test::TempYaml file("chip:\n  tiles: 2\n");
    const ChipConfig chip = load_chip_config(file.path());
    CHECK(chip.tile_count == 2);
    CHECK(chip.clock_frequency_hz == 1'000'000'000);
    CHECK(chip.core.quantum_cycles == 2000);
    CHECK(chip.core.cpi.alu_cycles == 1);
    CHECK(chip.local_sram.size_bytes == 256 * 1024);
    CHECK(chip.console.hart_prefix == npuemu::config::HartPrefix::Auto);
}

TEST_CASE("config: values are read with their units") {
    npuemu::test::TempYaml file("chip:\n  clock_mhz: 1500\nlocal_sram:\n  size_kib: 128\n  access_latency_cycles: 3\n"
                  "core:\n  cpi:\n    mul: 5\n");
    const ChipConfig chip = load_chip_config(file.path());
    CHECK(chip.clock_frequency_hz == 1'500'000'000);
    CHECK(chip.clock_period_ps() == 666);
    CHECK(chip.local_sram.size_bytes == 128 * 1024);
    CHECK(chip.local_sram.access_latency_cycles == 3);
    CHECK(chip.core.cpi.mul_cycles == 5);
}

TEST_CASE("config: every bad value names file, line, column and key path") {
    CHECK(load_error("chip:\n  tilez: 4\n") == "FILE:2:3: chip.tilez: unknown key (known keys here: clock_mhz, name, tiles)");
    CHECK(load_error("chip:\n  tiles: 0\n") == "FILE:2:10: chip.tiles: expected an integer from 1 to 64, got 0");
    CHECK(load_error("chip:\n  tiles: -3\n") == "FILE:2:10: chip.tiles: expected an integer from 1 to 64, got '-3'");
    CHECK(load_error("chip:\n  tiles: 2.5\n") == "FILE:2:10: chip.tiles: expected an integer from 1 to 64, got '2.5'");
    CHECK(load_error("chip:\n  tiles: {a: 1}\n") == "FILE:2:10: chip.tiles: expected an integer, got a map");
    CHECK(load_error("chip: 4\n") == "FILE:1:7: chip: expected a map of keys");
    CHECK(load_error("core:\n  cpi:\n    alux: 2\n") ==
          "FILE:3:5: core.cpi.alux: unknown key (known keys here: alu, branch_not_taken, branch_taken, csr, div, "
          "fence, jump, load, mul, npu_issue, store, system)");
    CHECK(load_error("console:\n  hart_prefix: sometimes\n") ==
          "FILE:2:16: console.hart_prefix: expected one of auto, always, never, got 'sometimes'");
    CHECK(load_error("bogus_section: {}\n").find("FILE:1:1: bogus_section: unknown key") == 0);
}

TEST_CASE("config: impossible combinations are errors") {
    CHECK(load_error("chip:\n  clock_mhz: 1\ntimer:\n  frequency_hz: 2000000\n") ==
          "FILE:4:17: timer.frequency_hz: the timer cannot tick faster than the core clock (1000000 Hz)");
    CHECK(load_error("global_memory:\n  size_kib: 1024\n").find("global_memory.size_kib: must be at least 16384 KiB") !=
          std::string::npos);
}

TEST_CASE("config: malformed or empty files") {
    CHECK(load_error("chip:\n  tiles: [4\n").find("FILE:3:1: malformed YAML") == 0);
    CHECK(load_error("") == "FILE: the file is empty");
    CHECK(load_error("- a\n- b\n") == "FILE: expected a map of keys at the top level");
    CHECK_THROWS_WITH_AS(load_chip_config("/nonexistent/chip.yaml"), "/nonexistent/chip.yaml: cannot open the file",
                         npuemu::Error);
}

TEST_CASE("config: --set overrides compose with the file") {
    npuemu::test::TempYaml file("chip:\n  tiles: 2\n");
    const ChipConfig chip = load_chip_config(file.path(), {"chip.tiles=8", "core.cpi.div=20", "local_sram.size_kib=32"});
    CHECK(chip.tile_count == 8);
    CHECK(chip.core.cpi.div_cycles == 20);
    CHECK(chip.local_sram.size_bytes == 32 * 1024);
}

TEST_CASE("config: bad --set options name the option") {
    CHECK(load_error("chip:\n  tiles: 2\n", {"chip.tiles=many"}) ==
          "--set chip.tiles=many: chip.tiles: expected an integer from 1 to 64, got 'many'");
    CHECK(load_error("chip:\n  tiles: 2\n", {"chip.tilez=4"}).find("--set chip.tilez=4: chip.tilez: unknown key") == 0);
    CHECK(load_error("chip:\n  tiles: 2\n", {"nosuch.key=4"}).find("--set nosuch.key=4: nosuch: unknown key") == 0);
    CHECK(load_error("chip:\n  tiles: 2\n", {"chip.tiles.deeper=1"}) ==
          "--set chip.tiles.deeper=1: 'tiles' is a value, not a map of keys");
    CHECK(load_error("chip:\n  tiles: 2\n", {"chip.tiles"}) ==
          "--set chip.tiles: expected KEY.PATH=VALUE, e.g. chip.tiles=4");
    CHECK(load_error("chip:\n  tiles: 2\n", {"chip..tiles=1"}) == "--set chip..tiles=1: empty key in 'chip..tiles'");
}

TEST_CASE("config: the memory system: HBM from its preset with overrides, the mesh laid out like the thermal grid") {
    const ChipConfig chip = load_chip_config(std::string(NPUEMU_SOURCE_DIR) + "/configs/default.yaml");
    CHECK(chip.hbm.preset == "hbm2e");
    CHECK(chip.hbm.geometry.stacks == 4);
    CHECK(chip.hbm.geometry.pseudo_channels() == 64);
    CHECK(chip.hbm.peak_bytes_per_second() == doctest::Approx(1638.4e9));
    CHECK(chip.hbm.mapping.hash_channels);
    CHECK(chip.mesh.cols == 8);
    CHECK(chip.mesh.rows == 4);
    CHECK(chip.mesh.networks == 2);
    CHECK(chip.power.thermal.mesh_cols == 8);
    // A preset's key overridden by --set; the preset's other keys stay.
    const ChipConfig changed = load_chip_config(std::string(NPUEMU_SOURCE_DIR) + "/configs/test.yaml",
                                                {"hbm.timing.tRCD_cycles=30", "hbm.preset=hbm3", "mesh.cols=4"});
    CHECK(changed.hbm.timing.tRCD_cycles == 30);
    CHECK(changed.hbm.timing.tRP_cycles == 23);
    CHECK(changed.hbm.geometry.channels_per_stack == 16);
    CHECK(changed.mesh.cols == 4);
    CHECK(changed.mesh.rows == 1);
    // The list form of the mapping follows the geometry: with one stack, stack takes no bits.
    const ChipConfig one = load_chip_config(std::string(NPUEMU_SOURCE_DIR) + "/configs/test.yaml");
    CHECK(one.hbm.mapping.of(npuemu::mem::HbmField::Stack).empty());
    CHECK(one.hbm.mapping.of(npuemu::mem::HbmField::Column) == std::vector<uint8_t>{5, 6, 7, 12, 13});
    // The explicit form, with ranges, and hashing turned off.
    npuemu::test::TempYaml explicit_map(
        "chip:\n  tiles: 4\nhbm:\n  preset: hbm2e\n  stacks: 1\n  address_hash: []\n  address_mapping:\n"
        "    column: [5-7, 12, 13]\n    channel: [8-10]\n    pseudo_channel: [11]\n    bank_group: [14, 15]\n"
        "    bank: [16, 17]\n    row: [18-33]\n");
    const ChipConfig e = load_chip_config(explicit_map.path());
    CHECK(!e.hbm.mapping.hash_channels);
    CHECK(!e.hbm.mapping.hash_banks);
    CHECK(e.hbm.mapping.of(npuemu::mem::HbmField::Row).size() == 16);
    CHECK(e.hbm.mapping.of(npuemu::mem::HbmField::Row).front() == 18);
}

TEST_CASE("config: memory-system errors name the key") {
    CHECK(load_error("hbm:\n  preset: hbm2e\n  address_hash: [rows]\n").find("hbm.address_hash") != std::string::npos);
    CHECK(load_error("hbm:\n  geometry:\n    bus_width_bits: 60\n").find("hbm.geometry.bus_width_bits: must be a whole number of bytes") !=
          std::string::npos);
    CHECK(load_error("mesh:\n  networks: 3\n").find("FILE:2:13: mesh.networks: expected an integer from 1 to 2") == 0);
    CHECK(load_error("mesh:\n  response_routing: xy\n").find("mesh.response_routing: needs networks: 2") !=
          std::string::npos);
    CHECK(load_error("hbm:\n  address_mapping: [column:9, channel]\n").find("column:9': column has only 5 bit(s) left") !=
          std::string::npos);
}
