// The chip's on-chip network: one mesh, or two (requests and write data on the first, read data and write
// acknowledgements on the second, routed the other way), with every endpoint attached to both at the same node id.
// It picks the network a packet's traffic class travels on and owns the statistics of both.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/common/stats.h"
#include "model/noc/mesh.h"

namespace npuemu::noc {

class OnChipNetwork {
public:
    // Statistics go into a group "mesh" below parent.
    OnChipNetwork(StatsGroup& parent, const MeshConfig& config);

    unsigned networks() const { return static_cast<unsigned>(networks_.size()); }
    const Mesh& network(unsigned index) const { return *networks_[index]; }
    // The network that carries a traffic class.
    Mesh& carrier(TrafficClass cls);
    NodeId tile_node(uint32_t tile) const { return networks_.front()->tile_node(tile); }
    // Attaches an endpoint to every network (same node id on each). Call before any send().
    NodeId attach_port(Edge edge, uint32_t position, const std::string& name);
    uint64_t send(NodeId from, NodeId to, uint32_t payload_bytes, uint64_t inject_ps, TrafficClass cls) {
        return carrier(cls).send(from, to, payload_bytes, inject_ps, cls);
    }
    void retire_before(uint64_t ps) {
        for (auto& network : networks_) network->retire_before(ps);
    }
    // Energy of the bits that passed router `router` (tile `router`'s), on every network, in pJ.
    double router_energy_pj(uint32_t router) const {
        double pj = 0;
        for (const auto& network : networks_) pj += network->router_energy_pj(router);
        return pj;
    }
    // Registers the statistics; call once every port is attached (links are named then).
    void register_stats();

private:
    std::vector<std::unique_ptr<Mesh>> networks_;
    StatsGroup stats_;
};

}  // namespace npuemu::noc
