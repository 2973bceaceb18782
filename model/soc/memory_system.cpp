#include "model/soc/memory_system.h"

#include <algorithm>

#include "model/common/error.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

class MemorySystem::TilePort : public mem::TimedMemoryPort {
public:
    TilePort(MemorySystem& system, uint32_t tile) : system_(system), tile_(tile) {}
    bool is_remote(uint64_t address, uint64_t bytes) const override {
        uint32_t other = 0, chip = 0;
        uint64_t chip_address = 0;
        const Region region = system_.classify(tile_, address, bytes, other, chip, chip_address);
        return region == Region::Global || region == Region::OtherTile || region == Region::OtherChip;
    }
    void start(const mem::TimedAccess& access, mem::AccessListener& listener, uint64_t cookie) override {
        system_.start(tile_, access, listener, cookie);
    }
    uint32_t chip_id() const override { return system_.chip_id_; }
    uint32_t chip_count() const override { return system_.fabric_ ? system_.fabric_->chip_count() : 1; }
    std::string doorbell_problem(uint32_t chip, uint32_t tile) const override {
        return system_.doorbell_problem(chip, tile);
    }
    void send_doorbell(uint64_t ready_ps, uint32_t chip, uint32_t tile, unsigned flag, uint32_t collective,
                       uint32_t step) override {
        system_.send_doorbell(tile_, ready_ps, chip, tile, flag, collective, step);
    }
    void record_flow(const mem::FlowRecord& record) override {
        if (system_.fabric_) system_.fabric_->record_flow(system_.chip_id_, record);
    }

private:
    MemorySystem& system_;
    uint32_t tile_;
};

namespace {

// HBM stacks sit on the north and south edges, alternately (stack 0 north, 1 south, 2 north, ...); the channels
// of an edge's stacks spread evenly along it, so each edge router takes its share of the traffic.
noc::NodeId attach_channel(noc::OnChipNetwork& network, const mem::HbmGeometry& geometry, uint32_t stack,
                           uint32_t channel) {
    const bool north = stack % 2 == 0;
    const uint32_t stacks_on_edge = north ? (geometry.stacks + 1) / 2 : geometry.stacks / 2;
    const uint32_t index_on_edge = stack / 2;
    const uint64_t channels_on_edge = uint64_t(stacks_on_edge) * geometry.channels_per_stack;
    const uint64_t slot = uint64_t(index_on_edge) * geometry.channels_per_stack + channel;
    const uint32_t position = static_cast<uint32_t>(slot * network.network(0).config().cols / channels_on_edge);
    return network.attach_port(north ? noc::Edge::North : noc::Edge::South, position,
                               "hbm" + std::to_string(stack) + ".ch" + std::to_string(channel));
}

// Link port i sits on the west edge (i even) or the east edge (i odd), the ports of an edge spread evenly along it.
noc::NodeId attach_link_port(noc::OnChipNetwork& network, uint32_t port, uint32_t ports) {
    const bool west = port % 2 == 0;
    const uint32_t on_edge = west ? (ports + 1) / 2 : ports / 2;
    const uint32_t rows = network.network(0).config().rows;
    const uint32_t position = static_cast<uint32_t>((uint64_t(2 * (port / 2) + 1) * rows) / (2 * uint64_t(on_edge)));
    return network.attach_port(west ? noc::Edge::West : noc::Edge::East, position, "link" + std::to_string(port));
}

}  // namespace

MemorySystem::MemorySystem(sc_core::sc_module_name name, const config::ChipConfig& config, noc::OnChipNetwork& network,
                           mem::HbmMemory& hbm, uint32_t link_ports)
    : sc_module(name), config_(config), network_(network), hbm_(hbm) {
    const mem::HbmGeometry& g = config.hbm.geometry;
    std::vector<noc::NodeId> channel_nodes;
    for (uint32_t stack = 0; stack < g.stacks; ++stack) {
        for (uint32_t channel = 0; channel < g.channels_per_stack; ++channel) {
            channel_nodes.push_back(attach_channel(network, g, stack, channel));
        }
    }
    for (uint32_t port = 0; port < link_ports; ++port) {
        link_port_nodes_.push_back(attach_link_port(network, port, link_ports));
    }
    network.register_stats();
    for (uint32_t pc = 0; pc < g.pseudo_channels(); ++pc) {
        channel_node_.push_back(channel_nodes[pc / g.pseudo_channels_per_channel]);
    }
    for (uint32_t t = 0; t < config.tile_count; ++t) ports_.push_back(std::make_unique<TilePort>(*this, t));
    // Tile t is router t (x = t % cols, y = t / cols): what is attached at a router is charged to its tile.
    const noc::Mesh& mesh = network.network(0);
    auto router_of = [&mesh](noc::NodeId node) {
        return mesh.router_y(node) * mesh.config().cols + mesh.router_x(node);
    };
    tile_channels_.resize(config.tile_count);
    tile_link_ports_.resize(config.tile_count);
    for (uint32_t pc = 0; pc < g.pseudo_channels(); ++pc) tile_channels_[router_of(channel_node_[pc])].push_back(pc);
    for (uint32_t port = 0; port < link_ports; ++port) {
        tile_link_ports_[router_of(link_port_nodes_[port])].push_back(port);
    }
    hbm_.set_done_sink([this](uint64_t tag, uint64_t done_ps) { hbm_done(tag, done_ps); });
    register_stats();
}

MemorySystem::~MemorySystem() = default;

double MemorySystem::tile_energy_pj(uint32_t tile) const {
    double pj = network_.router_energy_pj(tile);
    for (uint32_t pc : tile_channels_[tile]) pj += hbm_.energy_pj(pc);
    if (fabric_) {
        for (uint32_t port : tile_link_ports_[tile]) pj += fabric_->link_port_energy_pj(chip_id_, port);
    }
    return pj;
}

mem::TimedMemoryPort& MemorySystem::port(uint32_t tile) { return *ports_[tile]; }

MemorySystem::Region MemorySystem::classify(uint32_t tile, uint64_t address, uint64_t bytes, uint32_t& other_tile,
                                            uint32_t& chip, uint64_t& chip_address) const {
    if (address >= mem::TimedMemoryPort::kChipWindowBytes) {
        // (chip + 1) * 2^32 + its address: this chip's own window is this chip.
        chip = static_cast<uint32_t>(address / mem::TimedMemoryPort::kChipWindowBytes - 1);
        chip_address = address % mem::TimedMemoryPort::kChipWindowBytes;
        if (chip != chip_id_) return fabric_ ? Region::OtherChip : Region::None;
        address = chip_address;
    }
    const uint64_t end = address + bytes;
    if (address >= NPUEMU_GLOBAL_MEM_BASE && end <= NPUEMU_GLOBAL_MEM_BASE + config_.global_memory.size_bytes) {
        return Region::Global;
    }
    if (address >= NPUEMU_TILE_LOCAL_BASE && end <= NPUEMU_TILE_LOCAL_BASE + NPUEMU_TILE_LOCAL_WINDOW_BYTES) {
        return Region::Local;
    }
    const uint64_t windows_end =
        NPUEMU_TILE_SRAM_GLOBAL_BASE + uint64_t(config_.tile_count) * NPUEMU_TILE_LOCAL_WINDOW_BYTES;
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
    start_from(network_.tile_node(tile), tile, request, listener, cookie);
}

void MemorySystem::start_inbound(noc::NodeId from, const mem::TimedAccess& access, mem::AccessListener& listener,
                                 uint64_t cookie) {
    start_from(from, kNoTile, access, listener, cookie);
}

void MemorySystem::start_from(noc::NodeId from, uint32_t tile, const mem::TimedAccess& request,
                              mem::AccessListener& listener, uint64_t cookie) {
    // (sc_time_stamp() through the module's own context: inline, where the free function is two calls into SystemC.)
    const uint64_t now = simcontext()->time_stamp().value();
    const uint64_t issue_ps = std::max(request.issue_ps, now);
    // Reservations behind the current time can no longer matter to anyone: keep the calendars short. (Every 1024
    // accesses: a retire visits every link of both meshes, and placements do not depend on when it comes.)
    if (++sends_since_retire_ >= 1024) {
        sends_since_retire_ = 0;
        network_.retire_before(now);
    }
    uint32_t other_tile = 0, chip = 0;
    uint64_t chip_address = 0;
    const Region region = classify(tile, request.address, request.bytes, other_tile, chip, chip_address);
    // Nothing to move (a zero-byte access would wait for parts that never land): done at once.
    if (region == Region::Local || region == Region::None || request.bytes == 0) {
        listener.access_done(cookie, issue_ps);
        return;
    }
    // Accesses from other chips are counted where they were issued (and by the fabric), not again here.
    const bool inbound = tile == kNoTile;
    if (!inbound) {
        RequesterStats& stats = requester_stats_[request.requester == mem::Requester::Dma ? 0 : 1];
        (request.write ? stats.writes : stats.reads) += 1;
        (request.write ? stats.write_bytes : stats.read_bytes) += request.bytes;
    }
    const uint32_t index = allocate_access();
    Access& access = accesses_[index];
    access = Access{&listener, cookie, from, request.write, request.requester, issue_ps, 0, issue_ps, inbound};
    mem::TimedAccess timed = request;
    timed.issue_ps = issue_ps;
    if (region == Region::OtherChip) {
        // Across the links to the other chip and back: one part, landing when the fabric says.
        access.parts_left = 1;
        timed.address = chip_address;
        fabric_->start(chip_id_, from, chip, timed, *this, index);
        return;
    }
    if (region == Region::OtherTile) {
        // The other tile's SRAM answers as soon as the request is in (its banks are not modelled from outside).
        if (!inbound) ++remote_tile_accesses_;
        const noc::NodeId to = network_.tile_node(other_tile);
        const uint64_t there = request.write
                                   ? network_.send(from, to, request.bytes, issue_ps, noc::TrafficClass::WriteData)
                                   : network_.send(from, to, 0, issue_ps, noc::TrafficClass::ReadRequest);
        const uint64_t back = request.write
                                  ? network_.send(to, from, 0, there, noc::TrafficClass::WriteAck)
                                  : network_.send(to, from, request.bytes, there, noc::TrafficClass::ReadResponse);
        access.parts_left = 1;
        part_landed(index, back);
        return;
    }
    start_global(from, timed, index);
}

void MemorySystem::start_global(noc::NodeId from, const mem::TimedAccess& request, uint32_t access_index) {
    runs_.clear();
    hbm_.address_map().split(request.address - NPUEMU_GLOBAL_MEM_BASE, request.bytes, runs_);
    Access& access = accesses_[access_index];
    access.parts_left = static_cast<uint32_t>(runs_.size());
    const bool whole = runs_.size() == 1;
    for (const mem::HbmRun& run : runs_) {
        uint64_t tag;
        if (whole) {
            access.pseudo_channel = run.global_pseudo_channel;
            access.run_bytes = static_cast<uint32_t>(run.bytes);
            tag = kWholeAccessTag | access_index;
        } else {
            uint32_t part_index;
            if (!free_parts_.empty()) {
                part_index = free_parts_.back();
                free_parts_.pop_back();
            } else {
                part_index = static_cast<uint32_t>(parts_.size());
                parts_.emplace_back();
            }
            parts_[part_index] = Part{access_index, run.global_pseudo_channel, static_cast<uint32_t>(run.bytes)};
            tag = part_index;
        }
        const noc::NodeId port = channel_node_[run.global_pseudo_channel];
        const uint64_t at_port = request.write
                                     ? network_.send(from, port, static_cast<uint32_t>(run.bytes), request.issue_ps,
                                                     noc::TrafficClass::WriteData)
                                     : network_.send(from, port, 0, request.issue_ps, noc::TrafficClass::ReadRequest);
        mem::HbmRequest hbm_request;
        hbm_request.tag = tag;
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
    Part part;
    if (tag & kWholeAccessTag) {
        const auto index = static_cast<uint32_t>(tag & ~kWholeAccessTag);
        const Access& access = accesses_[index];
        part = Part{index, access.pseudo_channel, access.run_bytes};
    } else {
        part = parts_[tag];
        free_parts_.push_back(static_cast<uint32_t>(tag));
    }
    const Access& access = accesses_[part.access];
    const noc::NodeId port = channel_node_[part.pseudo_channel], to = access.origin;
    const uint64_t back = access.write ? network_.send(port, to, 0, done_ps, noc::TrafficClass::WriteAck)
                                       : network_.send(port, to, part.bytes, done_ps, noc::TrafficClass::ReadResponse);
    part_landed(part.access, back);
}

void MemorySystem::part_landed(uint32_t access_index, uint64_t landed_ps) {
    Access& access = accesses_[access_index];
    access.landed_ps = std::max(access.landed_ps, landed_ps);
    if (--access.parts_left > 0) return;
    if (!access.inbound) {
        RequesterStats& stats = requester_stats_[access.requester == mem::Requester::Dma ? 0 : 1];
        (access.write ? stats.write_latency_ps : stats.read_latency_ps).record(access.landed_ps - access.issue_ps);
    }
    mem::AccessListener* listener = access.listener;
    const uint64_t cookie = access.cookie, landed = access.landed_ps;
    free_accesses_.push_back(access_index);
    listener->access_done(cookie, landed);  // may start new accesses (and reuse this slot)
}

std::string MemorySystem::doorbell_problem(uint32_t chip, uint32_t tile) const {
    const uint32_t chips = fabric_ ? fabric_->chip_count() : 1;
    if (chip >= chips) {
        return "doorbell to chip " + std::to_string(chip) + ", which does not exist: the system has " +
               std::to_string(chips) + " chip(s)";
    }
    const uint32_t tiles = chip == chip_id_ ? config_.tile_count : fabric_->tile_count(chip);
    if (tile >= tiles) {
        return "doorbell to tile " + std::to_string(tile) + " of chip " + std::to_string(chip) + ", which has " +
               std::to_string(tiles) + " tile(s)";
    }
    return {};
}

void MemorySystem::send_doorbell(uint32_t tile, uint64_t ready_ps, uint32_t chip, uint32_t target_tile, unsigned flag,
                                 uint32_t collective, uint32_t step) {
    const noc::NodeId from = network_.tile_node(tile);
    if (chip != chip_id_) {
        mem::FlowRecord record;
        record.doorbell = true;
        record.src_chip = chip_id_;
        record.dst_chip = chip;
        record.tile = tile;
        record.collective = collective;
        record.step = step;
        fabric_->ring(chip_id_, from, ready_ps, chip, target_tile, flag, record);
        return;
    }
    deliver_doorbell(from, ready_ps, target_tile, flag);
}

void MemorySystem::deliver_doorbell(noc::NodeId from, uint64_t arrival_ps, uint32_t tile, unsigned flag) {
    // A header-only packet across the mesh to the tile.
    const uint64_t at_tile = network_.send(from, network_.tile_node(tile), 0, arrival_ps, noc::TrafficClass::WriteData);
    if (doorbell_sink_) doorbell_sink_(tile, at_tile, flag);
}

void MemorySystem::register_stats() {
    // Whole accesses as the tiles see them, from leaving the tile to landing.
    const char* names[] = {"dma", "core"};
    for (int r = 0; r < 2; ++r) {
        const RequesterStats* s = &requester_stats_[r];
        const std::string prefix = std::string(names[r]) + ".";
        stats_.counter(prefix + "reads", s->reads, StatUnit::Count, "accesses that read");
        stats_.counter(prefix + "writes", s->writes, StatUnit::Count, "accesses that wrote");
        stats_.counter(prefix + "read_bytes", s->read_bytes, StatUnit::Bytes, "bytes read");
        stats_.counter(prefix + "write_bytes", s->write_bytes, StatUnit::Bytes, "bytes written");
        stats_.histogram(prefix + "read_latency", s->read_latency_ps,
                         "read leaving the tile to its data back (global memory or another tile)");
        stats_.histogram(prefix + "write_latency", s->write_latency_ps,
                         "write leaving the tile to its acknowledgement");
    }
    stats_.counter("remote_tile_accesses", remote_tile_accesses_, StatUnit::Count, "accesses to another tile's SRAM");
}

}  // namespace npuemu::soc
