#include "model/noc/on_chip_network.h"

#include <algorithm>

namespace npuemu::noc {

namespace {

bool is_response(TrafficClass cls) { return cls == TrafficClass::ReadResponse || cls == TrafficClass::WriteAck; }

}  // namespace

OnChipNetwork::OnChipNetwork(StatsGroup& parent, const MeshConfig& config) : stats_(parent, "mesh") {
    for (uint32_t n = 0; n < config.networks; ++n) {
        MeshConfig network = config;
        if (n == 1) network.order = config.response_order;
        networks_.push_back(std::make_unique<Mesh>(network));
    }
}

Mesh& OnChipNetwork::carrier(TrafficClass cls) { return *networks_[is_response(cls) && networks_.size() > 1 ? 1 : 0]; }

NodeId OnChipNetwork::attach_port(Edge edge, uint32_t position, const std::string& name) {
    NodeId node = 0;
    for (auto& network : networks_) node = network->attach_port(edge, position, name);
    return node;
}

void OnChipNetwork::register_stats() {
    std::vector<const Mesh*> meshes;
    for (unsigned n = 0; n < networks_.size(); ++n) {
        const Mesh* mesh = networks_[n].get();
        meshes.push_back(mesh);
        const std::string network = networks_.size() == 1 ? "" : n == 0 ? "request." : "response.";
        const std::vector<Mesh::LinkStats>& links = mesh->link_stats();
        for (uint32_t i = 0; i < links.size(); ++i) {
            const std::string prefix = network + "link." + links[i].name + ".";
            stats_.counter(prefix + "bytes", mesh->link_bytes(i), StatUnit::Bytes, "bytes carried (headers included)");
            const uint64_t* busy_ps = &mesh->link_busy_ps(i);
            stats_.derived(
                prefix + "utilization",
                [busy_ps] {
                    const double ps = static_cast<double>(sc_core::sc_time_stamp().value());
                    return ps > 0 ? static_cast<double>(*busy_ps) / ps : 0.0;
                },
                StatUnit::Ratio, "time reserved / elapsed");
        }
    }
    stats_.derived(
        "max_link_utilization",
        [meshes] {
            const double ps = static_cast<double>(sc_core::sc_time_stamp().value());
            double most = 0;
            for (const Mesh* mesh : meshes) {
                for (uint32_t i = 0, n = mesh->link_count(); i < n; ++i)
                    most = std::max(most, static_cast<double>(mesh->link_busy_ps(i)));
            }
            return ps > 0 ? most / ps : 0.0;
        },
        StatUnit::Ratio, "the busiest link's utilization (any network)");
    const uint32_t routers = networks_.front()->config().cols * networks_.front()->config().rows;
    stats_.derived(
        "byte_hops",
        [meshes, routers] {
            double sum = 0;
            for (const Mesh* mesh : meshes) {
                for (uint32_t r = 0; r < routers; ++r) sum += static_cast<double>(mesh->router_byte_hops(r));
            }
            return sum;
        },
        StatUnit::Bytes, "bytes (headers included) x routers passed, every network");
    stats_.derived(
        "energy_j",
        [this, routers] {
            double pj = 0;
            for (uint32_t r = 0; r < routers; ++r) pj += router_energy_pj(r);
            return pj * 1e-12;
        },
        StatUnit::Joules, "byte_hops x 8 x mesh.energy_pj_per_bit_hop");
    for (unsigned c = 0; c < static_cast<unsigned>(TrafficClass::Count); ++c) {
        const auto cls = static_cast<TrafficClass>(c);
        const Mesh::ClassStats* s = &carrier(cls).class_stats(cls);
        const std::string prefix = std::string(traffic_class_name(cls)) + ".";
        stats_.counter(prefix + "packets", s->packets, StatUnit::Count, "packets");
        stats_.counter(prefix + "payload_bytes", s->payload_bytes, StatUnit::Bytes, "payload bytes");
        stats_.ratio(prefix + "average_routers", s->hops, s->packets, StatUnit::Count, "routers passed per packet");
        stats_.derived(
            prefix + "average_contention_ns",
            [s] {
                return s->packets ? static_cast<double>(s->contention_ps) / static_cast<double>(s->packets) / 1000.0
                                  : 0.0;
            },
            StatUnit::Nanoseconds, "latency beyond the zero-load latency, per packet");
        stats_.histogram(prefix + "latency", s->latency_ps, "injection to arrival of the tail");
    }
}

}  // namespace npuemu::noc
