// The flow export of a multi-chip run (`npuemu run --system ... --flows FILE`, docs/systems.md "Flows") read back:
// one record per copy or doorbell that crossed chips, with its route over the system's link directions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::replay {

struct FlowRecord {
    bool doorbell = false;
    uint32_t chip = 0, tile = 0;  // who issued it
    uint32_t src_chip = 0, dst_chip = 0;
    uint64_t bytes = 0;
    uint64_t issue_ps = 0, done_ps = 0;
    uint32_t collective = 0, step = 0;  // the issuing queue's dma.tag
    std::vector<std::string> route;     // link directions, "c0p1-c1p0", "c3p3-switch", ...
    uint32_t line = 0;                  // in the file, for messages
};

// Reads a JSON-lines flow export. A line that is not a JSON object with the export's keys and types is an error
// naming the file, the line and the key.
std::vector<FlowRecord> read_flow_records(const std::string& path);

// The SDK collectives' label (collectives.h): kind << 24 | call count. A readable name: "all-gather #3".
std::string collective_label_name(uint32_t collective);

}  // namespace npuemu::replay
