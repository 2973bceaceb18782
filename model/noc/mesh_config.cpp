#include "model/noc/mesh_config.h"

namespace npuemu::noc {

const KeyTable<MeshConfig>& mesh_keys() {
    static const KeyTable<MeshConfig> keys = {
        uint_key("link_bandwidth_bytes_per_cycle", &MeshConfig::link_bandwidth_bytes_per_cycle, 1, 1u << 20,
                 "bytes/cycle", "every link, each direction (router, tile and port links)"),
        uint_key("router_latency_cycles", &MeshConfig::router_latency_cycles, 0, 10000, "cycles",
                 "a packet's head through one router and onto its next link"),
        uint_key("header_bytes", &MeshConfig::header_bytes, 0, 4096, "bytes", "carried by every packet on every link"),
        uint_key("networks", &MeshConfig::networks, 1, 2, "meshes",
                 "1: one mesh; 2: requests and write data on one, read data and acknowledgements on a second"),
        choice_key<MeshConfig, DimensionOrder, &MeshConfig::order>("routing", {"xy", "yx"},
                                                                   "dimension order of the (request) network"),
        double_key("energy_pj_per_bit_hop", &MeshConfig::energy_pj_per_bit_hop, 0, 1e6, "pJ/bit",
                   "one bit (header or payload) through one router and onto its next link"),
    };
    return keys;
}

const KeyTable<MeshConfig>& mesh_response_keys() {
    static const KeyTable<MeshConfig> keys = {
        choice_key<MeshConfig, DimensionOrder, &MeshConfig::response_order>(
            "response_routing", {"xy", "yx"},
            "dimension order of the second network (networks: 2); by default the reverse of routing"),
    };
    return keys;
}

}  // namespace npuemu::noc
