#include "model/soc/memory_system.h"

#include <algorithm>

#include "model/common/error.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

class MemorySystem::TilePort : public mem::TimedMemoryPort {
public:
    TilePort(MemorySystem& system, uint32_t tile) : system_(system), tile_(tile) {}
    bool is_remote(uint64_t address, uint64_t bytes) const override {
        uint32_t other = 0;
        const Region region = system_.classify(tile_, address, bytes, other);
        return region == Region::Global || region == Region::OtherTile;
    }
    void start(const mem::TimedAccess& access, mem::AccessListener& listener, uint64_t cookie) override {
        system_.start(tile_, access, listener, cookie);
    }

private:
    MemorySystem& system_;
    uint32_t tile_;
};

namespace {

// HBM stacks sit on the north and south edges, alternately (stack 0 north, 1 south, 2 north, ...); the channels
// of an edge's stacks spread evenly along it, so each edge router takes its share of the traffic.
noc::NodeId attach_channel(noc::Mesh& mesh, const mem::HbmGeometry& geometry, uint32_t stack, uint32_t channel) {
    const bool north = stack % 2 == 0;
    const uint32_t stacks_on_edge = north ? (geometry.stacks + 1) / 2 : geometry.stacks / 2;
    const uint32_t index_on_edge = stack / 2;
    const uint64_t channels_on_edge = uint64_t(stacks_on_edge) * geometry.channels_per_stack;
    const uint64_t slot = uint64_t(index_on_edge) * geometry.channels_per_stack + channel;
    const uint32_t position = static_cast<uint32_t>(slot * mesh.config().cols / channels_on_edge);
    return mesh.attach_port(north ? noc::Edge::North : noc::Edge::South, position,
                            "hbm" + std::to_string(stack) + ".ch" + std::to_string(channel));
}

}  // namespace

MemorySystem::MemorySystem(sc_core::sc_module_name name, const config::ChipConfig& config)
    : sc_module(name), config_(config), hbm_("hbm", config.hbm) {
    const mem::HbmGeometry& g = config.hbm.geometry;
    std::vector<noc::NodeId> channel_nodes;
    for (uint32_t n = 0; n < config.mesh.networks; ++n) {
        noc::MeshConfig network = config.mesh;
        if (n == 1) network.order = config.mesh.response_order;
        networks_.push_back(std::make_unique<noc::Mesh>(network));
        channel_nodes.clear();
        // Identical attachment order: a node has the same id on every network.
        for (uint32_t stack = 0; stack < g.stacks; ++stack) {
            for (uint32_t channel = 0; channel < g.channels_per_stack; ++channel) {
                channel_nodes.push_back(attach_channel(*networks_.back(), g, stack, channel));
            }
        }
    }
    for (uint32_t pc = 0; pc < g.pseudo_channels(); ++pc) {
        channel_node_.push_back(channel_nodes[pc / g.pseudo_channels_per_channel]);
    }
    for (uint32_t t = 0; t < config.tile_count; ++t) ports_.push_back(std::make_unique<TilePort>(*this, t));
    hbm_.set_done_sink([this](uint64_t tag, uint64_t done_ps) { hbm_done(tag, done_ps); });
}

MemorySystem::~MemorySystem() = default;

mem::TimedMemoryPort& MemorySystem::port(uint32_t tile) { return *ports_[tile]; }

uint64_t MemorySystem::send(noc::NodeId from, noc::NodeId to, uint32_t payload_bytes, uint64_t inject_ps,
                            noc::TrafficClass cls) {
    const bool response = cls == noc::TrafficClass::ReadResponse || cls == noc::TrafficClass::WriteAck;
    return networks_[response && networks_.size() > 1 ? 1 : 0]->send(from, to, payload_bytes, inject_ps, cls);
}

std::string MemorySystem::describe_placement() const {
    std::string text;
    const noc::Mesh& mesh = *networks_.front();
    for (noc::NodeId node = 0; node < mesh.node_count(); ++node) {
        const std::string& label = mesh.node_name(node);
        if (label.rfind("hbm", 0) != 0) continue;
        text += (text.empty() ? "" : ", ") + label + "@(" + std::to_string(mesh.router_x(node)) + "," +
                std::to_string(mesh.router_y(node)) + ")";
    }
    return text;
}

MemorySystem::Region MemorySystem::classify(uint32_t tile, uint64_t address, uint64_t bytes,
                                            uint32_t& other_tile) const {
    const uint64_t end = address + bytes;
    if (address >= NPUEMU_GLOBAL_MEM_BASE && end <= NPUEMU_GLOBAL_MEM_BASE + config_.global_memory.size_bytes) {
        return Region::Global;
    }
    if (address >= NPUEMU_TILE_LOCAL_BASE && end <= NPUEMU_TILE_LOCAL_BASE + NPUEMU_TILE_LOCAL_WINDOW_BYTES) {
        return Region::Local;
    }
    const uint64_t windows_end = NPUEMU_TILE_SRAM_GLOBAL_BASE + uint64_t(config_.tile_count) * NPUEMU_TILE_LOCAL_WINDOW_BYTES;
    if (address >= NPUEMU_TILE_SRAM_GLOBAL_BASE && end <= windows_end) {
        other_tile = static_cast<uint32_t>((address - NPUEMU_TILE_SRAM_GLOBAL_BASE) / NPUEMU_TILE_LOCAL_WINDOW_BYTES);
        return other_tile == tile ? Region::Local : Region::OtherTile;
    }
    return Region::None;
}

uint32_t MemorySystem::allocate_access() {
    if (!free_accesses_.empty()) {
        const uint32_t index = free_accesses_.back();
        free_accesses_.pop_back();
        return index;
    }
    accesses_.emplace_back();
    return static_cast<uint32_t>(accesses_.size() - 1);
}

void MemorySystem::start(uint32_t tile, const mem::TimedAccess& request, mem::AccessListener& listener,
                         uint64_t cookie) {
    const uint64_t now = sc_core::sc_time_stamp().value();
    const uint64_t issue_ps = std::max(request.issue_ps, now);
    // Reservations behind the current time can no longer matter to anyone: keep the calendars short.
    if (++sends_since_retire_ >= 256) {
        sends_since_retire_ = 0;
        for (auto& network : networks_) network->retire_before(now);
    }
    uint32_t other_tile = 0;
    const Region region = classify(tile, request.address, request.bytes, other_tile);
    // Nothing to move (a zero-byte access would wait for parts that never land): done at once.
    if (region == Region::Local || region == Region::None || request.bytes == 0) {
        listener.access_done(cookie, issue_ps);
        return;
    }
    RequesterStats& stats = requester_stats_[request.requester == mem::Requester::Dma ? 0 : 1];
    (request.write ? stats.writes : stats.reads) += 1;
    (request.write ? stats.write_bytes : stats.read_bytes) += request.bytes;
    const uint32_t index = allocate_access();
    Access& access = accesses_[index];
    access = Access{&listener, cookie, tile, request.write, request.requester, issue_ps, 0, issue_ps};
    mem::TimedAccess timed = request;
    timed.issue_ps = issue_ps;
    if (region == Region::OtherTile) {
        // The other tile's SRAM answers as soon as the request is in (its banks are not modelled from outside).
        ++remote_tile_accesses_;
        const noc::Mesh& mesh = *networks_.front();
        const noc::NodeId from = mesh.tile_node(tile), to = mesh.tile_node(other_tile);
        const uint64_t there = request.write ? send(from, to, request.bytes, issue_ps, noc::TrafficClass::WriteData)
                                             : send(from, to, 0, issue_ps, noc::TrafficClass::ReadRequest);
        const uint64_t back = request.write ? send(to, from, 0, there, noc::TrafficClass::WriteAck)
                                            : send(to, from, request.bytes, there, noc::TrafficClass::ReadResponse);
        access.parts_left = 1;
        part_landed(index, back);
        return;
    }
    start_global(tile, timed, index);
}

void MemorySystem::start_global(uint32_t tile, const mem::TimedAccess& request, uint32_t access_index) {
    runs_.clear();
    hbm_.address_map().split(request.address - NPUEMU_GLOBAL_MEM_BASE, request.bytes, runs_);
    accesses_[access_index].parts_left = static_cast<uint32_t>(runs_.size());
    const noc::NodeId from = networks_.front()->tile_node(tile);
    for (const mem::HbmRun& run : runs_) {
        uint32_t part_index;
        if (!free_parts_.empty()) {
            part_index = free_parts_.back();
            free_parts_.pop_back();
        } else {
            part_index = static_cast<uint32_t>(parts_.size());
            parts_.emplace_back();
        }
        parts_[part_index] = Part{access_index, run.global_pseudo_channel, static_cast<uint32_t>(run.bytes)};
        const noc::NodeId port = channel_node_[run.global_pseudo_channel];
        const uint64_t at_port = request.write
                                     ? send(from, port, static_cast<uint32_t>(run.bytes), request.issue_ps,
                                            noc::TrafficClass::WriteData)
                                     : send(from, port, 0, request.issue_ps, noc::TrafficClass::ReadRequest);
        mem::HbmRequest hbm_request;
        hbm_request.tag = part_index;
        hbm_request.write = request.write;
        hbm_request.bank_group = run.bank_group;
        hbm_request.bank = run.bank;
        hbm_request.row = run.row;
        hbm_request.column = run.column;
        hbm_request.columns = run.columns;
        hbm_request.arrival_ps = at_port + hbm_.frontend_latency_ps();
        hbm_.submit(run.global_pseudo_channel, hbm_request);
    }
}

void MemorySystem::hbm_done(uint64_t tag, uint64_t done_ps) {
    const Part part = parts_[tag];
    free_parts_.push_back(static_cast<uint32_t>(tag));
    const Access& access = accesses_[part.access];
    const noc::NodeId port = channel_node_[part.pseudo_channel], to = networks_.front()->tile_node(access.tile);
    const uint64_t back = access.write ? send(port, to, 0, done_ps, noc::TrafficClass::WriteAck)
                                       : send(port, to, part.bytes, done_ps, noc::TrafficClass::ReadResponse);
    part_landed(part.access, back);
}

void MemorySystem::part_landed(uint32_t access_index, uint64_t landed_ps) {
    Access& access = accesses_[access_index];
    access.landed_ps = std::max(access.landed_ps, landed_ps);
    if (--access.parts_left > 0) return;
    RequesterStats& stats = requester_stats_[access.requester == mem::Requester::Dma ? 0 : 1];
    (access.write ? stats.write_latency_ps : stats.read_latency_ps).record(access.landed_ps - access.issue_ps);
    mem::AccessListener* listener = access.listener;
    const uint64_t cookie = access.cookie, landed = access.landed_ps;
    free_accesses_.push_back(access_index);
    listener->access_done(cookie, landed);  // may start new accesses (and reuse this slot)
}

void MemorySystem::settle(uint64_t end_ps) {
    hbm_.settle(end_ps);
    read_latency_all_ = LatencyHistogram();
    write_latency_all_ = LatencyHistogram();
    for (uint32_t pc = 0; pc < hbm_.pseudo_channels(); ++pc) {
        read_latency_all_.merge(hbm_.controller(pc).stats().read_latency_ps);
        write_latency_all_.merge(hbm_.controller(pc).stats().write_latency_ps);
    }
}

void MemorySystem::register_stats(StatsRegistry& stats) {
    const mem::HbmConfig& hbm = config_.hbm;
    const mem::HbmGeometry& g = hbm.geometry;
    const double tck_ps = static_cast<double>(hbm.clock_period_ps());
    auto elapsed_ps = [] { return static_cast<double>(sc_core::sc_time_stamp().value()); };
    const double peak_bytes_per_ps = hbm.peak_bytes_per_second() / 1e12;
    std::vector<const mem::HbmChannelStats*> all;
    for (uint32_t pc = 0; pc < hbm_.pseudo_channels(); ++pc) {
        const mem::HbmChannelStats* s = &hbm_.controller(pc).stats();
        all.push_back(s);
        const uint32_t per_stack = g.channels_per_stack * g.pseudo_channels_per_channel;
        const std::string prefix = "hbm.s" + std::to_string(pc / per_stack) + ".ch" +
                                   std::to_string(pc % per_stack / g.pseudo_channels_per_channel) + ".pc" +
                                   std::to_string(pc % g.pseudo_channels_per_channel) + ".";
        stats.add_counter(prefix + "read_bytes", &s->read_bytes, "bytes read");
        stats.add_counter(prefix + "write_bytes", &s->write_bytes, "bytes written");
        stats.add_derived(prefix + "bandwidth_gbps", [s, elapsed_ps] {
            const double ps = elapsed_ps();
            return ps > 0 ? static_cast<double>(s->read_bytes + s->write_bytes) / ps * 1000.0 : 0.0;
        }, "bytes read and written per second over the run, GB/s");
        stats.add_counter(prefix + "activates", &s->activates, "ACT commands");
        stats.add_counter(prefix + "row_hits", &s->row_hits, "column commands that found their row open");
        stats.add_counter(prefix + "row_misses", &s->row_misses, "column commands that found the bank closed");
        stats.add_counter(prefix + "row_conflicts", &s->row_conflicts, "column commands that found another row open");
        stats.add_derived(prefix + "row_hit_rate", [s] {
            const double all_columns = static_cast<double>(s->row_hits + s->row_misses + s->row_conflicts);
            return all_columns > 0 ? static_cast<double>(s->row_hits) / all_columns : 0.0;
        }, "row hits / column commands");
        stats.add_counter(prefix + "read_to_write_turnarounds", &s->read_to_write_turnarounds, "data bus turned from reads to writes");
        stats.add_counter(prefix + "write_to_read_turnarounds", &s->write_to_read_turnarounds, "data bus turned from writes to reads");
        stats.add_counter(prefix + "refreshes", &s->refreshes, "refresh commands");
        stats.add_derived(prefix + "refresh_ns", [s, tck_ps] { return static_cast<double>(s->refresh_cycles) * tck_ps / 1000.0; },
                          "time banks spent refreshing (tRFC per all-bank, tRFCpb per per-bank refresh), ns");
        stats.add_derived(prefix + "data_bus_utilization", [s, tck_ps, elapsed_ps] {
            const double ps = elapsed_ps();
            return ps > 0 ? static_cast<double>(s->data_bus_busy_cycles) * tck_ps / ps : 0.0;
        }, "data bus busy / elapsed");
        stats.add_derived(prefix + "average_queue_occupancy", [s, elapsed_ps] {
            const double ps = elapsed_ps();
            return ps > 0 ? static_cast<double>(s->occupancy_integral_ps) / ps : 0.0;
        }, "requests in the controller (queued or in service), averaged over the run");
        stats.add_counter(prefix + "max_queue_occupancy", &s->max_occupancy, "most requests in the controller at once");
    }
    auto sum = [all](uint64_t mem::HbmChannelStats::*field) {
        double total = 0;
        for (const auto* s : all) total += static_cast<double>(s->*field);
        return total;
    };
    stats.add_derived("hbm.read_bytes", [sum] { return sum(&mem::HbmChannelStats::read_bytes); }, "bytes read, all channels");
    stats.add_derived("hbm.write_bytes", [sum] { return sum(&mem::HbmChannelStats::write_bytes); }, "bytes written, all channels");
    stats.add_derived("hbm.peak_gbps", [peak_bytes_per_ps] { return peak_bytes_per_ps * 1000.0; },
                      "theoretical peak: pins x data rate, all stacks, GB/s");
    stats.add_derived("hbm.bandwidth_gbps", [sum, elapsed_ps] {
        const double ps = elapsed_ps();
        return ps > 0 ? (sum(&mem::HbmChannelStats::read_bytes) + sum(&mem::HbmChannelStats::write_bytes)) / ps * 1000.0 : 0.0;
    }, "bytes read and written per second over the whole run, GB/s");
    stats.add_derived("hbm.row_hit_rate", [sum] {
        const double columns = sum(&mem::HbmChannelStats::row_hits) + sum(&mem::HbmChannelStats::row_misses) +
                               sum(&mem::HbmChannelStats::row_conflicts);
        return columns > 0 ? sum(&mem::HbmChannelStats::row_hits) / columns : 0.0;
    }, "row hits / column commands, all channels");
    stats.add_derived("hbm.activates", [sum] { return sum(&mem::HbmChannelStats::activates); }, "ACT commands, all channels");
    stats.add_derived("hbm.refreshes", [sum] { return sum(&mem::HbmChannelStats::refreshes); }, "refresh commands, all channels");
    stats.add_derived("hbm.turnarounds", [sum] {
        return sum(&mem::HbmChannelStats::read_to_write_turnarounds) + sum(&mem::HbmChannelStats::write_to_read_turnarounds);
    }, "data bus direction changes, all channels");
    stats.add_derived("hbm.average_queue_occupancy", [sum, elapsed_ps] {
        const double ps = elapsed_ps();
        return ps > 0 ? sum(&mem::HbmChannelStats::occupancy_integral_ps) / ps : 0.0;
    }, "requests in all controllers, averaged over the run");
    stats.add_latency_histogram("hbm.read_latency", &read_latency_all_, "HBM read, arrival at the scheduler to last data");
    stats.add_latency_histogram("hbm.write_latency", &write_latency_all_, "HBM write, arrival at the scheduler to data written");

    // Mesh: every link's utilization, and per traffic class counts and latencies (each class uses one network).
    std::vector<const noc::Mesh*> meshes;
    for (unsigned n = 0; n < networks_.size(); ++n) {
        const noc::Mesh* mesh = networks_[n].get();
        meshes.push_back(mesh);
        const std::string network = networks_.size() == 1 ? "mesh." : n == 0 ? "mesh.request." : "mesh.response.";
        for (const noc::Mesh::LinkStats& link_stats : mesh->link_stats()) {
            const noc::Mesh::LinkStats* link = &link_stats;
            const std::string prefix = network + "link." + link->name + ".";
            stats.add_counter(prefix + "bytes", &link->bytes, "bytes carried (headers included)");
            stats.add_derived(prefix + "utilization", [link, elapsed_ps] {
                const double ps = elapsed_ps();
                return ps > 0 ? static_cast<double>(link->busy_ps) / ps : 0.0;
            }, "time reserved / elapsed");
        }
    }
    stats.add_derived("mesh.max_link_utilization", [meshes, elapsed_ps] {
        const double ps = elapsed_ps();
        double most = 0;
        for (const noc::Mesh* mesh : meshes) {
            for (const auto& link : mesh->link_stats()) most = std::max(most, static_cast<double>(link.busy_ps));
        }
        return ps > 0 ? most / ps : 0.0;
    }, "the busiest link's utilization (any network)");
    for (unsigned c = 0; c < static_cast<unsigned>(noc::TrafficClass::Count); ++c) {
        const auto cls = static_cast<noc::TrafficClass>(c);
        const bool response = cls == noc::TrafficClass::ReadResponse || cls == noc::TrafficClass::WriteAck;
        const noc::Mesh::ClassStats* s = &networks_[response && networks_.size() > 1 ? 1 : 0]->class_stats(cls);
        const std::string prefix = std::string("mesh.") + noc::traffic_class_name(cls);
        stats.add_counter(prefix + ".packets", &s->packets, "packets");
        stats.add_counter(prefix + ".payload_bytes", &s->payload_bytes, "payload bytes");
        stats.add_derived(prefix + ".average_routers", [s] {
            return s->packets ? static_cast<double>(s->hops) / static_cast<double>(s->packets) : 0.0;
        }, "routers passed per packet");
        stats.add_derived(prefix + ".average_contention_ns", [s] {
            return s->packets ? static_cast<double>(s->contention_ps) / static_cast<double>(s->packets) / 1000.0 : 0.0;
        }, "latency beyond the zero-load latency, per packet, ns");
        stats.add_latency_histogram(prefix + ".latency", &s->latency_ps, "injection to arrival of the tail");
    }

    // Whole accesses as the tiles see them, from leaving the tile to landing.
    const char* names[] = {"dma", "core"};
    for (int r = 0; r < 2; ++r) {
        const RequesterStats* s = &requester_stats_[r];
        const std::string prefix = std::string("memory.") + names[r] + ".";
        stats.add_counter(prefix + "reads", &s->reads, "accesses that read");
        stats.add_counter(prefix + "writes", &s->writes, "accesses that wrote");
        stats.add_counter(prefix + "read_bytes", &s->read_bytes, "bytes read");
        stats.add_counter(prefix + "write_bytes", &s->write_bytes, "bytes written");
        stats.add_latency_histogram(prefix + "read_latency", &s->read_latency_ps,
                                    "read leaving the tile to its data back (global memory or another tile)");
        stats.add_latency_histogram(prefix + "write_latency", &s->write_latency_ps,
                                    "write leaving the tile to its acknowledgement");
    }
    stats.add_counter("memory.remote_tile_accesses", &remote_tile_accesses_, "accesses to another tile's SRAM");
}

}  // namespace npuemu::soc
