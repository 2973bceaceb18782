#include "model/system/system_config.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "model/common/error.h"
#include "model/config/config_lookup.h"
#include "model/config/config_node.h"
#include "model/config/key_reader.h"

namespace npuemu::system {

namespace {

// A chip config named in a system file: a preset name, or a path relative to the system file.
std::string chip_config_path(const std::string& name, const std::string& system_file) {
    const bool is_path = name.find('/') != std::string::npos || name.find('.') != std::string::npos;
    if (!is_path) return config::resolve_config(name);
    const std::filesystem::path path(name);
    if (path.is_absolute()) return config::resolve_config(name);
    return config::resolve_config((std::filesystem::path(system_file).parent_path() / path).string());
}

// `set: {key.path: value, ...}` as --set strings, in the order written.
std::vector<std::string> overrides_of(config::ConfigNode& node, const char* key) {
    std::vector<std::string> overrides;
    std::optional<YAML::Node> set = node.raw(key);
    if (!set) return overrides;
    if (!set->IsMap()) node.fail(key, "expected a map of chip config keys to values, e.g. {npu.matrix.rows: 64}");
    for (const auto& entry : *set) {
        if (!entry.second.IsScalar()) {
            throw Error(node.where(key, entry.second.Mark()) + "." + entry.first.Scalar() +
                        ": expected a single value (override a list by its own file)");
        }
        overrides.push_back(entry.first.Scalar() + "=" + entry.second.Scalar());
    }
    return overrides;
}

config::ChipConfig load_chip(config::ConfigNode& node, const std::string& key, const std::string& config_name,
                             const std::vector<std::string>& overrides, const std::string& system_file) {
    try {
        return config::load_chip_config(chip_config_path(config_name, system_file), overrides);
    } catch (const Error& error) {
        throw Error(node.where(key) + ": chip config '" + config_name + "': " + error.what());
    }
}

void read_chips(config::ConfigNode chips, SystemConfig& system) {
    const std::string base = chips.get_string("config", "default");
    const uint64_t count = chips.get_uint("count", 1, 1, 256);
    const std::vector<std::string> common = overrides_of(chips, "set");
    std::map<uint64_t, std::pair<std::string, std::vector<std::string>>> each;  // chip -> config, overrides
    for (config::ConfigNode one : chips.list("each")) {
        const uint64_t chip = one.get_uint("chip", 0, 0, count - 1);
        if (each.count(chip)) one.fail("chip", "chip " + std::to_string(chip) + " is described twice");
        std::vector<std::string> overrides = common;
        for (const auto& o : overrides_of(one, "set")) overrides.push_back(o);
        each[chip] = {one.get_string("config", base), overrides};
        one.finish();
    }
    // Chips with the same description share one load.
    std::map<std::pair<std::string, std::vector<std::string>>, config::ChipConfig> loaded;
    for (uint64_t c = 0; c < count; ++c) {
        auto found = each.find(c);
        const std::pair<std::string, std::vector<std::string>> description =
            found != each.end() ? found->second : std::make_pair(base, common);
        auto it = loaded.find(description);
        if (it == loaded.end()) {
            const std::string key = found != each.end() ? "each" : "config";
            it = loaded.emplace(description, load_chip(chips, key, description.first, description.second,
                                                       chips.file()))
                     .first;
        }
        system.chips.push_back(it->second);
    }
    chips.finish();
}

link::ChipLinkConfig read_link(config::ConfigNode node, const link::ChipLinkConfig& fallback) {
    link::ChipLinkConfig link = fallback;
    if (node.has("preset")) {
        const std::string preset = node.get_choice("preset", "nvlink3", {"nvlink3", "ethernet400g"});
        link = link::link_preset(preset == "nvlink3" ? link::LinkPreset::NvLink3 : link::LinkPreset::Ethernet400G);
    }
    config::read_keys(node, link::chip_link_keys(), link);
    if (link.buffer_bytes < uint64_t(link.max_payload_bytes) + link.header_bytes) {
        node.fail("buffer_bytes", "the receive buffer must hold at least one largest packet (" +
                                      std::to_string(link.max_payload_bytes + link.header_bytes) + " bytes)");
    }
    node.finish();
    return link;
}

// The port each chip uses next, for generated links.
class PortAllocator {
public:
    explicit PortAllocator(size_t chips) : next_(chips, 0) {}
    uint32_t take(uint32_t chip) { return next_[chip]++; }
    void reserve(uint32_t chip, uint32_t port) { next_[chip] = std::max(next_[chip], port + 1); }
    uint32_t most() const { return next_.empty() ? 0 : *std::max_element(next_.begin(), next_.end()); }

private:
    std::vector<uint32_t> next_;
};

void add_link(SystemConfig& system, PortAllocator& ports, uint32_t a, uint32_t b, const link::ChipLinkConfig& link) {
    LinkSpec spec;
    spec.a = {a, ports.take(a)};
    spec.b = {b, ports.take(b)};
    spec.config = link;
    system.links.push_back(spec);
}

void generate_node_links(SystemConfig& system, PortAllocator& ports, config::ConfigNode& topology,
                         const link::ChipLinkConfig& link, uint32_t torus_x, uint32_t torus_y) {
    const uint32_t chips = static_cast<uint32_t>(system.chips.size());
    for (uint32_t node = 0; node < system.node_count(); ++node) {
        const uint32_t first = node * system.chips_per_node;
        const uint32_t size = std::min(system.chips_per_node, chips - first);
        switch (system.topology) {
            case NodeTopology::None: break;
            case NodeTopology::FullyConnected:
                for (uint32_t i = 0; i < size; ++i) {
                    for (uint32_t j = i + 1; j < size; ++j) add_link(system, ports, first + i, first + j, link);
                }
                break;
            case NodeTopology::Ring:
                if (size == 2) add_link(system, ports, first, first + 1, link);
                if (size > 2) {
                    for (uint32_t i = 0; i < size; ++i) add_link(system, ports, first + i, first + (i + 1) % size, link);
                }
                break;
            case NodeTopology::Torus2D: {
                if (uint64_t(torus_x) * torus_y != size) {
                    topology.fail("torus", "x x y (" + std::to_string(torus_x) + " x " + std::to_string(torus_y) +
                                               ") must equal the chips in a node (" + std::to_string(size) + ")");
                }
                // Each chip to its +x and +y neighbour, wrapping; a dimension of 2 has one link, of 1 none.
                for (uint32_t y = 0; y < torus_y; ++y) {
                    for (uint32_t x = 0; x < torus_x; ++x) {
                        const uint32_t here = first + y * torus_x + x;
                        if (torus_x > 2 || (torus_x == 2 && x == 0)) {
                            add_link(system, ports, here, first + y * torus_x + (x + 1) % torus_x, link);
                        }
                        if (torus_y > 2 || (torus_y == 2 && y == 0)) {
                            add_link(system, ports, here, first + ((y + 1) % torus_y) * torus_x + x, link);
                        }
                    }
                }
                break;
            }
        }
    }
}

void read_explicit_links(config::ConfigNode& topology, SystemConfig& system, PortAllocator& ports,
                         const link::ChipLinkConfig& link) {
    const uint32_t chips = static_cast<uint32_t>(system.chips.size());
    for (config::ConfigNode item : topology.list("links")) {
        LinkSpec spec;
        auto end = [&](const char* chip_key, const char* port_key, LinkEnd& end) {
            const uint64_t chip = item.get_uint(chip_key, 0, 0, UINT32_MAX - 1);
            if (chip >= chips) {
                item.fail(chip_key, "chip " + std::to_string(chip) + " does not exist (the system has " +
                                        std::to_string(chips) + " chips: 0.." + std::to_string(chips - 1) + ")");
            }
            end.chip = static_cast<uint32_t>(chip);
            if (item.has(port_key)) {
                end.port = static_cast<uint32_t>(item.get_uint(port_key, 0, 0, 63));
                ports.reserve(end.chip, end.port);
            } else {
                end.port = ports.take(end.chip);
            }
        };
        end("a", "a_port", spec.a);
        end("b", "b_port", spec.b);
        if (spec.a.chip == spec.b.chip) item.fail("b", "links chip " + std::to_string(spec.a.chip) + " to itself");
        spec.config = read_link(item.child("link"), link);
        item.finish();
        system.links.push_back(spec);
    }
}

NodeTopology topology_of(const std::string& name) {
    if (name == "fully_connected") return NodeTopology::FullyConnected;
    if (name == "ring") return NodeTopology::Ring;
    if (name == "torus2d") return NodeTopology::Torus2D;
    return NodeTopology::None;
}

// Two links on one port, a port the chips do not have, and a system whose chips cannot all reach each other.
void check_links(const SystemConfig& system, config::ConfigNode& top) {
    std::map<std::pair<uint32_t, uint32_t>, size_t> used;
    for (size_t i = 0; i < system.links.size(); ++i) {
        for (const LinkEnd& end : {system.links[i].a, system.links[i].b}) {
            if (end.chip == LinkSpec::kSwitch) continue;
            if (end.port >= system.ports_per_chip) {
                top.fail("ports_per_chip", "chip " + std::to_string(end.chip) + " needs port " +
                                               std::to_string(end.port) + ", but chips have " +
                                               std::to_string(system.ports_per_chip) + " port(s)");
            }
            auto [it, fresh] = used.emplace(std::make_pair(end.chip, end.port), i);
            if (!fresh) {
                top.fail("topology", "chip " + std::to_string(end.chip) + " port " + std::to_string(end.port) +
                                         " carries two links (link " + std::to_string(it->second) + " and link " +
                                         std::to_string(i) + "): give one of them another port");
            }
        }
    }
    // Connected: a breadth-first walk from chip 0 over links (the switch joins every chip with a port on it).
    const uint32_t chips = static_cast<uint32_t>(system.chips.size());
    std::vector<std::vector<uint32_t>> neighbours(chips + 1);  // index chips: the switch
    for (const LinkSpec& l : system.links) {
        const uint32_t b = l.to_switch() ? chips : l.b.chip;
        neighbours[l.a.chip].push_back(b);
        neighbours[b].push_back(l.a.chip);
    }
    std::vector<bool> seen(chips + 1, false);
    std::vector<uint32_t> todo{0};
    seen[0] = true;
    while (!todo.empty()) {
        const uint32_t n = todo.back();
        todo.pop_back();
        for (uint32_t m : neighbours[n]) {
            if (!seen[m]) {
                seen[m] = true;
                todo.push_back(m);
            }
        }
    }
    for (uint32_t c = 0; c < chips; ++c) {
        if (!seen[c]) {
            top.fail("topology", "the system is not connected: chip " + std::to_string(c) +
                                     " cannot reach chip 0 (add links, or a switch: between nodes)");
        }
    }
}

}  // namespace

SystemConfig load_system_config(const std::string& file, const std::vector<std::string>& overrides) {
    YAML::Node root = config::load_yaml_file(file);
    auto origins = std::make_shared<config::OverrideOrigins>();
    for (const auto& assignment : overrides) config::apply_override(root, assignment, *origins);
    config::ConfigNode top(root, file, "", origins);

    SystemConfig system;
    system.source_file = file;
    config::ConfigNode head = top.child("system");
    system.name = head.get_string("name", system.name);
    head.finish();
    read_chips(top.child("chips"), system);
    const uint32_t chips = static_cast<uint32_t>(system.chips.size());

    config::ConfigNode nodes = top.child("nodes");
    system.chips_per_node = static_cast<uint32_t>(nodes.get_uint("chips_per_node", chips, 1, chips));
    nodes.finish();

    const link::ChipLinkConfig link = read_link(top.child("link"), link::link_preset(link::LinkPreset::NvLink3));
    config::ConfigNode topology = top.child("topology");
    system.topology = topology_of(
        topology.get_choice("kind", chips > 1 ? "fully_connected" : "none", {"none", "fully_connected", "ring", "torus2d"}));
    uint32_t torus_x = system.chips_per_node, torus_y = 1;
    if (topology.has("torus")) {
        config::ConfigNode torus = topology.child("torus");
        torus_x = static_cast<uint32_t>(torus.get_uint("x", torus_x, 1, 256));
        torus_y = static_cast<uint32_t>(torus.get_uint("y", torus_y, 1, 256));
        torus.finish();
    }
    PortAllocator ports(chips);
    read_explicit_links(topology, system, ports, link);  // explicit ports first, generated ones after them
    generate_node_links(system, ports, topology, link, torus_x, torus_y);
    topology.finish();

    if (top.has("switch")) {
        config::ConfigNode sw = top.child("switch");
        SwitchConfig& s = system.network_switch;
        s.present = true;
        s.port = read_link(sw.child("port"), link::link_preset(link::LinkPreset::Ethernet400G));
        s.latency_ns = sw.get_uint("latency_ns", s.latency_ns, 0, 1'000'000);
        s.oversubscription = sw.get_double("oversubscription", s.oversubscription, 1, 1000);
        sw.finish();
        for (uint32_t c = 0; c < chips; ++c) {
            LinkSpec spec;
            spec.a = {c, ports.take(c)};
            spec.b = {LinkSpec::kSwitch, c};
            spec.config = s.port;
            system.links.push_back(spec);
        }
    }
    system.ports_per_chip = static_cast<uint32_t>(top.get_uint("ports_per_chip", std::max(ports.most(), 1u), 1, 64));
    check_links(system, top);
    top.finish();
    return system;
}

SystemConfig single_chip_system(config::ChipConfig chip) {
    SystemConfig system;
    system.name = chip.name;
    system.source_file = chip.source_file;
    system.chips.push_back(std::move(chip));
    return system;
}

}  // namespace npuemu::system
