#include "model/replay/flow_record.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "model/common/error.h"

namespace npuemu::replay {

namespace {

using nlohmann::json;

const json& required_key(const json& object, const char* key, const std::string& where) {
    auto it = object.find(key);
    if (it == object.end()) throw Error(where + ": missing key '" + key + "'");
    return *it;
}

uint64_t unsigned_key(const json& object, const char* key, const std::string& where, uint64_t max) {
    const json& value = required_key(object, key, where);
    if (!value.is_number_unsigned() || value.get<uint64_t>() > max) {
        throw Error(where + ": key '" + key + "': expected a whole number up to " + std::to_string(max) + ", got " +
                    value.dump());
    }
    return value.get<uint64_t>();
}

FlowRecord parse_flow_line(const std::string& text, const std::string& where) {
    const json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) throw Error(where + ": not valid JSON");
    if (!object.is_object()) throw Error(where + ": expected a JSON object, one flow per line");
    FlowRecord flow;
    const json& kind = required_key(object, "kind", where);
    if (kind != "copy" && kind != "doorbell") {
        throw Error(where + ": key 'kind': expected \"copy\" or \"doorbell\", got " + kind.dump());
    }
    flow.doorbell = kind == "doorbell";
    constexpr uint64_t k32 = 0xFFFFFFFFu, k64 = ~uint64_t{0};
    flow.chip = static_cast<uint32_t>(unsigned_key(object, "chip", where, k32));
    flow.tile = static_cast<uint32_t>(unsigned_key(object, "tile", where, k32));
    flow.src_chip = static_cast<uint32_t>(unsigned_key(object, "src_chip", where, k32));
    flow.dst_chip = static_cast<uint32_t>(unsigned_key(object, "dst_chip", where, k32));
    flow.bytes = unsigned_key(object, "bytes", where, k64);
    flow.issue_ps = unsigned_key(object, "issue_ps", where, k64);
    flow.done_ps = unsigned_key(object, "done_ps", where, k64);
    if (flow.done_ps < flow.issue_ps) throw Error(where + ": done_ps is before issue_ps");
    flow.collective = static_cast<uint32_t>(unsigned_key(object, "collective", where, k32));
    flow.step = static_cast<uint32_t>(unsigned_key(object, "step", where, k32));
    const json& route = required_key(object, "route", where);
    if (!route.is_array()) throw Error(where + ": key 'route': expected a list of link names");
    for (const json& name : route) {
        if (!name.is_string()) throw Error(where + ": key 'route': expected link names (strings), got " + name.dump());
        flow.route.push_back(name.get<std::string>());
    }
    return flow;
}

}  // namespace

std::vector<FlowRecord> read_flow_records(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read the flow export");
    std::vector<FlowRecord> flows;
    std::string text;
    uint32_t line = 0;
    while (std::getline(in, text)) {
        ++line;
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        flows.push_back(parse_flow_line(text, path + ":" + std::to_string(line)));
        flows.back().line = line;
    }
    if (in.bad()) throw Error(path + ": read error");
    return flows;
}

std::string collective_label_name(uint32_t collective) {
    // The kinds of sdk/include/npuemu/collectives.h (docs/systems.md, "Flows").
    static const char* const kKinds[] = {"untagged", "reduce-scatter", "all-gather", "barrier",
                                         "doubling", "broadcast",      "all-to-all", "hierarchical"};
    constexpr uint32_t kKindCount = sizeof kKinds / sizeof kKinds[0];
    const uint32_t kind = collective >> 24, call = collective & 0xFFFFFFu;
    if (collective == 0) return "untagged";
    const std::string name = kind < kKindCount ? kKinds[kind] : "kind " + std::to_string(kind);
    return name + " #" + std::to_string(call);
}

}  // namespace npuemu::replay
