#include "model/cluster/topology.h"

#include <algorithm>
#include <cstdio>

#include "model/common/error.h"

namespace npuemu::cluster {

namespace {

std::string format_ratio(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g:1", value);
    return text;
}

double nic_bytes_per_s(const NetworkSpec& n) { return n.nics_per_chip * n.nic_gbit_per_s * 1e9 / 8; }

// A leaf's ports split so that down / up = oversubscription.
uint32_t leaf_down_ports(const NetworkSpec& n) {
    return static_cast<uint32_t>(n.switch_radix * n.leaf_oversubscription / (1 + n.leaf_oversubscription));
}

}  // namespace

FatTreeShape fat_tree_shape(const NetworkSpec& n) {
    FatTreeShape shape;
    shape.chips_per_leaf = leaf_down_ports(n) / n.nics_per_chip;
    // A spine (or aggregation) switch faces radix leaves in 2 tiers, radix/2 in 3 (its other half goes up to core);
    // core switches face radix pods.
    shape.leaves_per_pod = n.tiers == 2 ? n.switch_radix : n.switch_radix / 2;
    const uint64_t pods = n.tiers == 2 ? 1 : n.switch_radix;
    shape.max_chips = uint64_t(shape.chips_per_leaf) * shape.leaves_per_pod * pods;
    return shape;
}

TorusShape torus_shape(uint32_t chip_count, const NetworkSpec& n) {
    TorusShape shape;
    const uint64_t yz = uint64_t(n.torus_y) * n.torus_z;
    shape.dims[0] = n.torus_x != 0 ? n.torus_x : static_cast<uint32_t>(yz ? chip_count / yz : 0);
    shape.dims[1] = n.torus_y;
    shape.dims[2] = n.torus_z;
    return shape;
}

namespace {

void check_torus(uint32_t chip_count, const NetworkSpec& network) {
    const TorusShape shape = torus_shape(chip_count, network);
    const uint64_t chips = uint64_t(shape.dims[0]) * shape.dims[1] * shape.dims[2];
    if (chips != chip_count) {
        throw Error("network: the torus cannot hold the chips: " + std::to_string(shape.dims[0]) + " x " +
                    std::to_string(shape.dims[1]) + " x " + std::to_string(shape.dims[2]) + " = " +
                    std::to_string(chips) + " chips (network.torus_x, torus_y, torus_z); the cluster has " +
                    std::to_string(chip_count) + " (the dimensions' product must be the chip count)");
    }
}

}  // namespace

void check_topology(uint32_t chip_count, const NodeSpec& node, const NetworkSpec& network) {
    if (network.kind == NetworkKind::Torus) return check_torus(chip_count, network);
    const FatTreeShape shape = fat_tree_shape(network);
    const std::string tree =
        std::to_string(network.tiers) + "-tier fat tree of radix-" + std::to_string(network.switch_radix) + " switches";
    if (shape.chips_per_leaf == 0) {
        throw Error("network: a leaf of the " + tree + " has " + std::to_string(leaf_down_ports(network)) +
                    " down ports, fewer than the " + std::to_string(network.nics_per_chip) + " NICs of one chip");
    }
    if (chip_count > node.chips_per_node && chip_count > shape.max_chips) {
        throw Error("network: the topology cannot hold the chips: a " + tree + " (" +
                    std::to_string(network.nics_per_chip) + " NIC(s) per chip, leaf oversubscription " +
                    format_ratio(network.leaf_oversubscription) + ") holds at most " + std::to_string(shape.max_chips) +
                    " chips; the cluster has " + std::to_string(chip_count) + " (add a tier or use larger switches)");
    }
    if (network.rail_optimised && shape.chips_per_leaf < 1) throw Error("network: rails need a leaf port per chip");
}

ClusterTopology::ClusterTopology(uint32_t chip_count, const NodeSpec& node, const NetworkSpec& n)
    : torus_(n.kind == NetworkKind::Torus),
      chip_count_(chip_count),
      chips_per_node_(node.chips_per_node),
      tiers_(n.tiers) {
    check_topology(chip_count, node, n);
    if (torus_) {
        build_torus(n);
    } else {
        build_fat_tree(node, n);
    }
}

void ClusterTopology::build_torus(const NetworkSpec& n) {
    torus_shape_ = torus_shape(chip_count_, n);
    const uint32_t* dims = torus_shape_.dims;
    const double bytes_per_s = n.torus_link_gbyte_per_s * 1e9, hop_s = n.torus_hop_latency_us * 1e-6;
    static const char* const kAxes[3] = {"x", "y", "z"};
    torus_plus_.resize(chip_count_);
    torus_minus_.resize(chip_count_);
    for (uint32_t c = 0; c < chip_count_; ++c) {
        for (uint32_t d = 0; d < 3; ++d) {
            if (dims[d] == 1) continue;
            const std::string name = "chip" + std::to_string(c) + ".torus." + kAxes[d];
            torus_plus_[c][d] = network_.add_link(name + "+", bytes_per_s, hop_s);
            torus_minus_[c][d] = network_.add_link(name + "-", bytes_per_s, hop_s);
        }
    }
}

// Dimension-order routing: along x to b's x, then y, then z; each ring the shorter way round (+ on a tie).
std::vector<LinkId> ClusterTopology::torus_path(uint32_t a, uint32_t b) const {
    const uint32_t* dims = torus_shape_.dims;
    const uint32_t stride[3] = {1, dims[0], dims[0] * dims[1]};
    std::vector<LinkId> links;
    uint32_t at = a;
    for (uint32_t d = 0; d < 3; ++d) {
        const uint32_t n = dims[d];
        const uint32_t from = (at / stride[d]) % n, to = (b / stride[d]) % n;
        const uint32_t forward = (to + n - from) % n;
        const bool plus = forward <= n - forward;
        for (uint32_t hop = 0, hops = plus ? forward : n - forward; hop < hops; ++hop) {
            const uint32_t coordinate = (at / stride[d]) % n;
            const uint32_t next = plus ? (coordinate + 1) % n : (coordinate + n - 1) % n;
            links.push_back(plus ? torus_plus_[at][d] : torus_minus_[at][d]);
            at = at - coordinate * stride[d] + next * stride[d];
        }
    }
    return links;
}

void ClusterTopology::build_fat_tree(const NodeSpec& node, const NetworkSpec& n) {
    const uint32_t chip_count = chip_count_;
    const FatTreeShape shape = fat_tree_shape(n);
    leaves_per_pod_ = shape.leaves_per_pod;
    const double node_bytes_per_s = node.link_bandwidth_gbyte_per_s * 1e9;
    const double half_node_s = node.link_latency_us * 1e-6 / 2;
    const double half_nic_s = n.nic_latency_us * 1e-6 / 2;
    uint32_t leaves = 0;
    leaf_of_.resize(chip_count);
    for (uint32_t c = 0; c < chip_count; ++c) {
        const std::string name = "chip" + std::to_string(c);
        node_up_.push_back(network_.add_link(name + ".node.up", node_bytes_per_s, half_node_s));
        node_down_.push_back(network_.add_link(name + ".node.down", node_bytes_per_s, half_node_s));
        nic_up_.push_back(network_.add_link(name + ".nic.up", nic_bytes_per_s(n), half_nic_s));
        nic_down_.push_back(network_.add_link(name + ".nic.down", nic_bytes_per_s(n), half_nic_s));
        // Rail-optimised: chip r of a group of chips_per_leaf nodes shares leaf r of that group.
        const uint32_t node_index = c / chips_per_node_, rank = c % chips_per_node_;
        leaf_of_[c] =
            n.rail_optimised ? (node_index / shape.chips_per_leaf) * chips_per_node_ + rank : c / shape.chips_per_leaf;
        leaves = std::max(leaves, leaf_of_[c] + 1);
    }
    const double leaf_up_bytes_per_s = shape.chips_per_leaf * nic_bytes_per_s(n) / n.leaf_oversubscription;
    const double half_leaf_s = n.leaf_latency_us * 1e-6 / 2;
    for (uint32_t l = 0; l < leaves; ++l) {
        const std::string name = "leaf" + std::to_string(l);
        leaf_up_.push_back(network_.add_link(name + ".up", leaf_up_bytes_per_s, half_leaf_s));
        leaf_down_.push_back(network_.add_link(name + ".down", leaf_up_bytes_per_s, half_leaf_s));
    }
    if (tiers_ == 3) {
        const double pod_bytes_per_s = leaves_per_pod_ * leaf_up_bytes_per_s / n.spine_oversubscription;
        const double half_spine_s = n.spine_latency_us * 1e-6 / 2;
        for (uint32_t p = 0; p * leaves_per_pod_ < leaves; ++p) {
            const std::string name = "pod" + std::to_string(p);
            pod_up_.push_back(network_.add_link(name + ".up", pod_bytes_per_s, half_spine_s));
            pod_down_.push_back(network_.add_link(name + ".down", pod_bytes_per_s, half_spine_s));
        }
    }
}

std::vector<LinkId> ClusterTopology::path(uint32_t a, uint32_t b) const {
    if (a == b) return {};
    if (torus_) return torus_path(a, b);
    if (node_of(a) == node_of(b)) return {node_up_[a], node_down_[b]};
    std::vector<LinkId> links{nic_up_[a]};
    const uint32_t la = leaf_of_[a], lb = leaf_of_[b];
    if (la != lb) {
        links.push_back(leaf_up_[la]);
        const uint32_t pa = la / leaves_per_pod_, pb = lb / leaves_per_pod_;
        if (tiers_ == 3 && pa != pb) {
            links.push_back(pod_up_[pa]);
            links.push_back(pod_down_[pb]);
        }
        links.push_back(leaf_down_[lb]);
    }
    links.push_back(nic_down_[b]);
    return links;
}

}  // namespace npuemu::cluster
