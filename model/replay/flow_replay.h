// Replays a multi-chip run's flow export (L1) on the cluster model's flow-level network (L2, model/cluster/
// flow_network.h) built from the same system config: every copy starts when the run issued it and takes its recorded
// route, the links share their payload rate max-min fairly, and each collective's replayed time is compared with the
// time the cycle-level run measured. This is SCALE-OUT.md's check that L2's network reproduces L1's links when it is
// given the same schedule (issue times, routes and bytes): a wrong link rate, packet overhead or sharing rule shows
// as a collective finishing early or late.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/replay/flow_record.h"
#include "model/system/system_config.h"

namespace npuemu::replay {

struct CollectiveReplay {
    uint32_t collective = 0;  // dma.tag label (0: untagged copies)
    uint64_t copies = 0, bytes = 0;
    double measured_s = 0;  // last copy landed - first copy issued, in the run
    double replayed_s = 0;  // the same on the flow-level network

    double error() const { return measured_s > 0 ? replayed_s / measured_s - 1 : 0; }
};

struct ReplayResult {
    std::vector<CollectiveReplay> collectives;  // by label, ascending
    CollectiveReplay all;                       // every copy of the run together
    uint64_t doorbells = 0;                     // not replayed (no payload; they synchronise, the copies move data)
};

// The flow-level network of a system: one link per link direction, named as the run's export names them, carrying
// the wire rate times the payload share of a full packet (max_payload / (max_payload + header)), with the link's
// latency; the switch's port-to-port latency is added to its outgoing directions, and its fabric (ports x port rate /
// oversubscription) is one more link on every path through it.
ReplayResult replay_flows(const system::SystemConfig& config, const std::vector<FlowRecord>& flows);

}  // namespace npuemu::replay
