// npuemu replay FLOWS --system SYSTEM: a multi-chip run's flow export replayed on the cluster model's flow-level
// network (model/replay/flow_replay.h); prints each collective's time in the run and in the replay.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/common/output_file.h"
#include "model/config/config_lookup.h"
#include "model/replay/flow_replay.h"

namespace npuemu::cli {

namespace {

nlohmann::ordered_json replay_entry_json(const replay::CollectiveReplay& entry) {
    nlohmann::ordered_json json;
    json["collective"] = entry.collective;
    json["name"] = replay::collective_label_name(entry.collective);
    json["copies"] = entry.copies;
    json["bytes"] = entry.bytes;
    json["measured_s"] = entry.measured_s;
    json["replayed_s"] = entry.replayed_s;
    json["error"] = entry.error();
    return json;
}

void print_replay_row(std::FILE* out, const std::string& name, const replay::CollectiveReplay& entry) {
    std::fprintf(out, "  %-22s %9llu %14llu %12.2f %12.2f %+8.1f%%\n", name.c_str(),
                 static_cast<unsigned long long>(entry.copies), static_cast<unsigned long long>(entry.bytes),
                 entry.measured_s * 1e6, entry.replayed_s * 1e6, entry.error() * 100);
}

}  // namespace

int replay_command(const ReplayArguments& args) {
    const system::SystemConfig config =
        system::load_system_config(config::resolve_system_config(args.system), args.overrides);
    const std::vector<replay::FlowRecord> flows = replay::read_flow_records(args.flows);
    const replay::ReplayResult result = replay::replay_flows(config, flows);
    if (!args.out_path.empty()) {
        nlohmann::ordered_json document;
        document["schema"] = "npuemu.replay/1";
        document["system"] = config.name;
        document["flows"] = args.flows;
        document["doorbells_not_replayed"] = result.doorbells;
        document["all"] = replay_entry_json(result.all);
        for (const auto& entry : result.collectives) document["collectives"].push_back(replay_entry_json(entry));
        write_output_file(args.out_path, document.dump(2) + "\n");
    }
    if (args.quiet) return 0;
    std::FILE* out = stdout;
    std::fprintf(out, "replay of %s on system '%s' (%zu chips): %llu copies replayed, %llu doorbells not\n",
                 args.flows.c_str(), config.name.c_str(), config.chips.size(),
                 static_cast<unsigned long long>(result.all.copies), static_cast<unsigned long long>(result.doorbells));
    std::fprintf(out, "  %-22s %9s %14s %12s %12s %9s\n", "collective", "copies", "bytes", "run us", "replay us",
                 "error");
    for (const auto& entry : result.collectives) {
        print_replay_row(out, replay::collective_label_name(entry.collective), entry);
    }
    print_replay_row(out, "all copies", result.all);
    return 0;
}

}  // namespace npuemu::cli
