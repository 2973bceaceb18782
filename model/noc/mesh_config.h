// The mesh's description after loading (the `mesh:` section of a chip config).
#pragma once

#include <cstdint>

#include "model/common/config_keys.h"

namespace npuemu::noc {

enum class DimensionOrder { XY, YX };  // XY: along the row (x) first, then the column

struct MeshConfig {
    uint32_t cols = 2;                             // routers per row; tile t sits at x = t % cols, y = t / cols
    uint32_t rows = 2;
    uint32_t link_bandwidth_bytes_per_cycle = 64;  // every link, each direction (router links, tile and port links)
    uint32_t router_latency_cycles = 2;            // a packet's head through one router and onto its next link
    uint32_t header_bytes = 16;                    // carried by every packet on every link
    DimensionOrder order = DimensionOrder::XY;
    uint64_t clock_period_ps = 1000;               // the mesh's own clock: the chip clock, not scaled by DVFS
    // 1: every packet on one mesh. 2: requests and write data on one mesh, read data and acknowledgements on a
    // second, identical one (as AXI keeps read data on its own channel): a header-only request never takes a
    // link cycle from a data packet. (Used by the memory system, which builds one Mesh per network.)
    uint32_t networks = 1;
    // The second network's dimension order; by default the reverse of `order`, so a response retraces its request's
    // path (and read data from the HBM ports on the north and south edges spreads down the columns instead of
    // crowding the edge rows).
    DimensionOrder response_order = DimensionOrder::YX;
    // Energy of one bit through one router and onto its next link (router + link, "flit-hop" energy per bit, so it
    // does not depend on the link width). Assumed 7nm-class: 0.1 pJ/bit. Park et al., "Approaching the theoretical
    // limits of a mesh NoC with a 16-node chip prototype in 45nm SOI" (DAC 2012) measured 531.4 mW at 892 Gb/s
    // delivered on a 4x4 mesh at 1.1 V, ~0.6 pJ per delivered bit over ~3 router-and-link hops (~0.2 pJ/bit/hop);
    // 7nm at 0.75 V scales that to ~0.05 for the same hop, doubled for the millimetres between large NPU tiles.
    double energy_pj_per_bit_hop = 0.1;
};

// mesh.* but cols, rows (their defaults come from chip.tiles) and response_routing (its default from routing).
const KeyTable<MeshConfig>& mesh_keys();
const KeyTable<MeshConfig>& mesh_response_keys();  // mesh.response_routing

}  // namespace npuemu::noc
