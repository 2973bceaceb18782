// A chip-to-chip link's configuration (the `link:` section of a system config, and each explicit link): its lanes and
// their rate, the encoding's efficiency, the latency, the packet format and the receiver's buffer (credits).
#pragma once

#include <cstdint>

#include "model/common/config_keys.h"

namespace npuemu::link {

struct ChipLinkConfig {
    uint32_t lanes = 4;                  // per direction
    double lane_gbps = 50.0;             // signalling rate per lane
    double encoding_efficiency = 1.0;    // data bits per signalled bit (line code and FEC)
    uint64_t latency_ns = 150;           // a packet's head from one end to the other (PHY, SerDes, wire)
    uint32_t max_payload_bytes = 256;    // a transfer is cut into packets of at most this much data
    uint32_t header_bytes = 16;          // per packet, on the wire
    uint32_t buffer_bytes = 16384;       // the receiver's buffer: the credits a sender may have outstanding
    double energy_pj_per_bit = 1.3;      // per bit on the wire (headers included)

    // Data rate of one direction in bytes per picosecond (lanes x rate x efficiency).
    double bytes_per_ps() const { return lanes * lane_gbps * encoding_efficiency / 8.0 / 1000.0; }
    double gigabytes_per_second() const { return lanes * lane_gbps * encoding_efficiency / 8.0; }
};

// Preset links from public figures (the sources are in link_config.cpp); "" for none.
enum class LinkPreset { None, NvLink3, Ethernet400G };
ChipLinkConfig link_preset(LinkPreset preset);

const KeyTable<ChipLinkConfig>& chip_link_keys();

}  // namespace npuemu::link
