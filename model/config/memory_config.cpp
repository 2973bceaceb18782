#include "model/config/memory_config.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sstream>
#include <system_error>

#include "model/common/bits.h"
#include "model/common/error.h"
#include "model/config/config_lookup.h"
#include "model/config/key_reader.h"
#include "model/mem/hbm_config_keys.h"

namespace npuemu::config {

namespace {

constexpr size_t kFieldCount = static_cast<size_t>(mem::HbmField::Count);

int field_index(const std::string& name) {
    for (size_t i = 0; i < kFieldCount; ++i) {
        if (name == mem::field_name(static_cast<mem::HbmField>(i))) return static_cast<int>(i);
    }
    return -1;
}

std::string field_list() {
    std::string text;
    for (size_t i = 0; i < kFieldCount; ++i) {
        text += std::string(text.empty() ? "" : ", ") + mem::field_name(static_cast<mem::HbmField>(i));
    }
    return text;
}

// The address mapping as written: either a map (field -> list of bit positions, "a-b" for a range) or a list of
// fields from the lowest address bit up ("column:3", "channel", ...), expanded once the geometry is known.
struct MappingSource {
    YAML::Node node;
    std::string file;
    std::string path;  // key path of the mapping, for messages
    std::shared_ptr<const OverrideOrigins> overrides;

    std::string where(const YAML::Mark& mark) const {
        return ConfigNode(YAML::Node(), file, path, overrides).where("", mark);
    }
};

uint8_t parse_bit(const std::string& text, const MappingSource& source, const YAML::Mark& mark) {
    char* end = nullptr;
    const unsigned long value = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value > 63) {
        throw Error(source.where(mark) + ": expected a bit position from 0 to 63 (or a range 'a-b'), got '" + text +
                    "'");
    }
    return static_cast<uint8_t>(value);
}

mem::HbmAddressMapping expand_mapping(const MappingSource& source, const mem::HbmGeometry& geometry) {
    mem::HbmAddressMapping mapping;
    const YAML::Node& node = source.node;
    if (node.IsMap()) {
        for (const auto& entry : node) {
            const std::string name = entry.first.Scalar();
            const int field = field_index(name);
            if (field < 0) {
                throw Error(source.where(entry.first.Mark()) + "." + name + ": unknown field (fields: " + field_list() +
                            ")");
            }
            const YAML::Node bits = entry.second;
            if (!bits.IsSequence()) throw Error(source.where(bits.Mark()) + "." + name + ": expected a list of bits");
            for (const YAML::Node& bit : bits) {
                if (!bit.IsScalar()) throw Error(source.where(bit.Mark()) + "." + name + ": expected a bit position");
                const std::string text = bit.Scalar();
                const auto dash = text.find('-');
                if (dash == std::string::npos) {
                    mapping.bits[field].push_back(parse_bit(text, source, bit.Mark()));
                } else {
                    const uint8_t low = parse_bit(text.substr(0, dash), source, bit.Mark());
                    const uint8_t high = parse_bit(text.substr(dash + 1), source, bit.Mark());
                    if (high < low)
                        throw Error(source.where(bit.Mark()) + "." + name + ": range '" + text + "' runs backwards");
                    for (unsigned b = low; b <= high; ++b) mapping.bits[field].push_back(static_cast<uint8_t>(b));
                }
            }
        }
        return mapping;
    }
    if (!node.IsSequence()) {
        throw Error(source.where(node.Mark()) +
                    ": expected a map (field: [bits]) or a list of fields from the lowest "
                    "address bit up (e.g. [column:3, channel, pseudo_channel, stack, ...])");
    }
    // Order form: bits are handed out from the first bit above the byte-in-access offset upward.
    uint32_t next_bit = log2_ceil(geometry.access_bytes());
    std::array<uint32_t, kFieldCount> remaining{};
    for (size_t f = 0; f < kFieldCount; ++f) {
        remaining[f] = log2_ceil(mem::field_count(geometry, static_cast<mem::HbmField>(f)));
    }
    for (const YAML::Node& item : node) {
        if (!item.IsScalar()) throw Error(source.where(item.Mark()) + ": expected 'field' or 'field:bits'");
        const std::string text = item.Scalar();
        const auto colon = text.find(':');
        const std::string name = text.substr(0, colon);
        const int field = field_index(name);
        if (field < 0) {
            throw Error(source.where(item.Mark()) + ": unknown field '" + name + "' (fields: " + field_list() + ")");
        }
        uint32_t width = remaining[field];
        if (colon != std::string::npos) {
            char* end = nullptr;
            const std::string count = text.substr(colon + 1);
            const unsigned long parsed = std::strtoul(count.c_str(), &end, 10);
            width = static_cast<uint32_t>(std::min<unsigned long>(parsed, 64));  // more than 64 is refused below
            if (count.empty() || *end != '\0' || count[0] == '-') {
                throw Error(source.where(item.Mark()) + ": '" + text + "': expected field:bits with a number of bits");
            }
            if (width > remaining[field]) {
                throw Error(source.where(item.Mark()) + ": '" + text + "': " + name + " has only " +
                            std::to_string(remaining[field]) + " bit(s) left (the geometry gives it " +
                            std::to_string(log2_ceil(mem::field_count(geometry, static_cast<mem::HbmField>(field)))) +
                            ")");
            }
        }
        for (uint32_t i = 0; i < width; ++i) {
            if (next_bit > 63) throw Error(source.where(item.Mark()) + ": the mapping runs past address bit 63");
            mapping.bits[field].push_back(static_cast<uint8_t>(next_bit++));
        }
        remaining[field] -= width;
    }
    for (size_t f = 0; f < kFieldCount; ++f) {
        if (remaining[f] > 0) {
            throw Error(source.where(node.Mark()) + ": " + mem::field_name(static_cast<mem::HbmField>(f)) +
                        " still needs " + std::to_string(remaining[f]) +
                        " bit(s) for the geometry: list it (or give it more)");
        }
    }
    return mapping;
}

// Reads every HBM key present in `node` on top of `hbm` (the preset's values are the defaults of the chip's).
void read_hbm_fields(ConfigNode& node, mem::HbmConfig& hbm, std::optional<MappingSource>& mapping) {
    read_keys(node, mem::hbm_clock_keys(), hbm);
    read_keys(node, mem::hbm_stack_keys(), hbm.geometry);
    ConfigNode geometry = node.child("geometry");
    read_keys(geometry, mem::hbm_geometry_keys(), hbm.geometry);
    if (hbm.geometry.bus_width_bits % 8) {
        geometry.fail("bus_width_bits", "must be a whole number of bytes (a multiple of 8)");
    }
    geometry.finish();
    ConfigNode timing = node.child("timing");
    read_keys(timing, mem::hbm_timing_keys(), hbm.timing);
    timing.finish();
    ConfigNode controller = node.child("controller");
    read_keys(controller, mem::hbm_controller_keys(), hbm.controller);
    controller.finish();
    ConfigNode energy = node.child("energy");
    read_keys(energy, mem::hbm_energy_keys(), hbm.energy);
    energy.finish();

    if (std::optional<YAML::Node> hashed = node.raw("address_hash")) {
        // Replaces the preset's list, like address_mapping.
        const std::string path = node.path().empty() ? "address_hash" : node.path() + ".address_hash";
        const MappingSource source{*hashed, node.file(), path, node.overrides()};
        if (!hashed->IsSequence())
            throw Error(source.where(hashed->Mark()) + ": expected a list: [channels, banks], [] for none");
        hbm.mapping.hash_channels = hbm.mapping.hash_banks = false;
        for (const YAML::Node& item : *hashed) {
            const std::string name = item.IsScalar() ? item.Scalar() : "";
            if (name == "channels")
                hbm.mapping.hash_channels = true;
            else if (name == "banks")
                hbm.mapping.hash_banks = true;
            else
                throw Error(source.where(item.Mark()) + ": expected channels or banks, got '" + name + "'");
        }
    }
    if (std::optional<YAML::Node> raw = node.raw("address_mapping")) {
        mapping =
            MappingSource{*raw, node.file(), node.path().empty() ? "address_mapping" : node.path() + ".address_mapping",
                          node.overrides()};
    }
}

std::string find_preset(const std::string& preset, const std::string& chip_file, const ConfigNode& node) {
    namespace fs = std::filesystem;
    const fs::path chip_dir = fs::path(chip_file).parent_path();
    const bool is_path = preset.find('/') != std::string::npos || fs::path(preset).extension() == ".yaml";
    std::vector<fs::path> candidates;
    if (is_path) {
        candidates.push_back(fs::path(preset).is_absolute() ? fs::path(preset) : chip_dir / preset);
    } else {
        candidates.push_back(chip_dir / "memory" / (preset + ".yaml"));
        const fs::path builtin_preset = fs::path(NPUEMU_CONFIG_DIR) / "memory" / (preset + ".yaml");
        // (A chip file in configs/ has the built-in directory as its own: look, and name it, once.)
        if (builtin_preset.lexically_normal() != candidates.front().lexically_normal()) {
            candidates.push_back(builtin_preset);
        }
    }
    // (The error_code forms: a name the file system refuses, e.g. too long, is this key's error with the reason,
    // not an exception from std::filesystem.)
    std::string refused;
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
        if (refused.empty()) refused = refusal_reason(ec);
    }
    std::string known;
    for (const auto& name : yaml_presets_in(std::string(NPUEMU_CONFIG_DIR) + "/memory")) known += " " + name;
    node.fail("preset", "no HBM preset '" + preset + "' (looked for " + candidates.front().string() +
                            (candidates.size() > 1 ? " and " + candidates.back().string() : "") + refused +
                            "; presets:" + known + ")");
}

// Where a key of the HBM config was set: the chip's hbm section if it sets it, else the preset.
[[noreturn]] void fail_at(const std::string& key, const std::string& message, const ConfigNode& chip_node,
                          const ConfigNode& preset_node) {
    std::vector<std::string> parts;
    std::stringstream stream(key);
    for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
    for (const ConfigNode* node : {&chip_node, &preset_node}) {
        // yaml-cpp's Node assignment rebinds shared data, so walk down by keeping every level in a list.
        std::vector<YAML::Node> levels{node->yaml()};
        std::string path = node->path();
        bool found = levels.back() && levels.back().IsMap();
        for (size_t i = 0; found && i + 1 < parts.size(); ++i) {
            const YAML::Node& current = levels.back();
            const YAML::Node next = current[parts[i]];
            found = next && next.IsMap();
            if (found) {
                levels.push_back(next);
                path = path.empty() ? parts[i] : path + "." + parts[i];
            }
        }
        const YAML::Node& parent = levels.back();
        if (found && parent[parts.back()]) {
            ConfigNode(levels.back(), node->file(), path, node->overrides()).fail(parts.back(), message);
        }
    }
    // Set by neither (a built-in default): name the chip's section.
    ConfigNode(chip_node.yaml(), chip_node.file(), chip_node.path(), chip_node.overrides()).fail(key, message);
}

}  // namespace

void default_tile_grid(uint32_t tiles, uint32_t& cols, uint32_t& rows) {
    cols = 1;
    while (cols * cols < tiles) ++cols;
    while (tiles % cols) ++cols;
    rows = tiles / cols;
}

mem::HbmConfig read_hbm(ConfigNode node, const std::string& chip_file, YamlFileCache* preset_cache) {
    mem::HbmConfig hbm;
    hbm.preset = node.get_string("preset", "hbm2e");
    const std::string preset_file = find_preset(hbm.preset, chip_file, node);
    hbm.preset_file = preset_file;
    const YAML::Node preset_root = load_yaml_file(preset_file, preset_cache);
    ConfigNode preset(preset_root, preset_file, "", nullptr);
    std::optional<MappingSource> mapping;
    read_hbm_fields(preset, hbm, mapping);
    preset.finish();
    read_hbm_fields(node, hbm, mapping);
    node.finish();
    if (!mapping) fail_at("address_mapping", "no address mapping: the preset or the chip must give one", node, preset);
    // The geometry first: the mapping is read against it, so its problems would otherwise surface as the mapping's.
    for (const mem::HbmConfigProblem& problem : mem::check_hbm_config(hbm)) {
        if (problem.key.rfind("address_mapping", 0) != 0) fail_at(problem.key, problem.message, node, preset);
    }
    const bool hash_channels = hbm.mapping.hash_channels, hash_banks = hbm.mapping.hash_banks;
    hbm.mapping = expand_mapping(*mapping, hbm.geometry);
    hbm.mapping.hash_channels = hash_channels;
    hbm.mapping.hash_banks = hash_banks;
    const std::vector<mem::HbmConfigProblem> problems = mem::check_hbm_config(hbm);
    if (!problems.empty()) fail_at(problems.front().key, problems.front().message, node, preset);
    return hbm;
}

noc::MeshConfig read_mesh(ConfigNode node, uint32_t tiles, uint64_t clock_frequency_hz) {
    noc::MeshConfig mesh;
    uint32_t cols = 0, rows = 0;
    default_tile_grid(tiles, cols, rows);
    if (node.has("cols") && !node.has("rows")) {
        cols = static_cast<uint32_t>(node.get_uint("cols", cols, 1, tiles));
        if (tiles % cols) node.fail("cols", "must divide chip.tiles (" + std::to_string(tiles) + ")");
        rows = tiles / cols;
    } else if (node.has("rows") && !node.has("cols")) {
        rows = static_cast<uint32_t>(node.get_uint("rows", rows, 1, tiles));
        if (tiles % rows) node.fail("rows", "must divide chip.tiles (" + std::to_string(tiles) + ")");
        cols = tiles / rows;
    } else {
        cols = static_cast<uint32_t>(node.get_uint("cols", cols, 1, tiles));
        rows = static_cast<uint32_t>(node.get_uint("rows", rows, 1, tiles));
        if (uint64_t(cols) * rows != tiles) {
            node.fail("cols", "cols x rows (" + std::to_string(cols) + " x " + std::to_string(rows) +
                                  ") must equal chip.tiles (" + std::to_string(tiles) + ")");
        }
    }
    mesh.cols = cols;
    mesh.rows = rows;
    read_keys(node, noc::mesh_keys(), mesh);
    mesh.response_order = mesh.order == noc::DimensionOrder::XY ? noc::DimensionOrder::YX : noc::DimensionOrder::XY;
    read_keys(node, noc::mesh_response_keys(), mesh);
    if (mesh.networks == 1 && node.has("response_routing")) {
        node.fail("response_routing", "needs networks: 2 (with one network, every packet follows `routing`)");
    }
    mesh.clock_period_ps = 1'000'000'000'000ull / clock_frequency_hz;
    node.finish();
    return mesh;
}

}  // namespace npuemu::config
