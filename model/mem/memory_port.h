// How a tile reaches memory outside itself in time: global memory (HBM behind the mesh) and other tiles' SRAMs
// (across the mesh). Timing only: data moves through DMI at once, as everywhere in the model; this says when it has
// landed. The memory system implements one port per tile; the DMA engine and the core's memory front end use it.
#pragma once

#include <cstdint>
#include <string>

namespace npuemu::mem {

// Told once per access when it has landed: a read's data is back at the tile, a write is acknowledged. Called from
// whatever SystemC process learns it (possibly from inside start(), when nothing on the way needs a decision
// later), never from inside a wait(); landed_ps is never before the access's issue time.
class AccessListener {
public:
    virtual void access_done(uint64_t cookie, uint64_t landed_ps) = 0;

protected:
    ~AccessListener() = default;
};

enum class Requester { Dma, Core };

// A transfer between chips as the flow export (npuemu run --flows) records it: a DMA copy that read or wrote
// another chip's memory, or a doorbell to another chip.
struct FlowRecord {
    bool doorbell = false;
    uint32_t src_chip = 0, dst_chip = 0;  // where the data came from and went to
    uint32_t tile = 0;                    // the issuing tile (on the issuing chip)
    uint64_t bytes = 0;
    uint64_t issue_ps = 0, done_ps = 0;   // the copy's first burst leaving, its last landing (doorbell: arrival)
    uint32_t collective = 0, step = 0;    // from dma.tag
};  // DMA bursts or a core's loads and stores (control packets)

struct TimedAccess {
    uint64_t address = 0;   // a chip address
    uint32_t bytes = 0;
    bool write = false;
    uint64_t issue_ps = 0;  // when it leaves the tile: at or after the current simulated time
    Requester requester = Requester::Dma;
};

class TimedMemoryPort {
public:
    virtual ~TimedMemoryPort() = default;
    // Whether [address, address + bytes) lies behind the mesh (global memory, another tile) rather than in this
    // tile. Accesses to this tile's own memories have no fabric timing.
    virtual bool is_remote(uint64_t address, uint64_t bytes) const = 0;
    // Starts a remote access; listener->access_done(cookie, landed_ps) follows exactly once.
    virtual void start(const TimedAccess& access, AccessListener& listener, uint64_t cookie) = 0;

    // In a system of chips (a chip that runs alone is chip 0 of 1): an address on chip c is (c + 1) * 2^32 + its
    // address on that chip.
    static constexpr uint64_t kChipWindowBytes = 1ull << 32;
    virtual uint32_t chip_id() const { return 0; }
    virtual uint32_t chip_count() const { return 1; }
    // Why tile `tile` of chip `chip` cannot take a doorbell (no such chip or tile), or empty if it can.
    virtual std::string doorbell_problem(uint32_t chip, uint32_t tile) const = 0;
    // Sends a doorbell that leaves the tile at ready_ps: when it arrives, tile `tile` of chip `chip` adds 1 to its
    // semaphore `flag`.
    // collective/step: the sender's dma.tag, for the flow export.
    virtual void send_doorbell(uint64_t ready_ps, uint32_t chip, uint32_t tile, unsigned flag, uint32_t collective,
                               uint32_t step) = 0;
    // A copy between chips has landed: recorded if the run exports its flows.
    virtual void record_flow(const FlowRecord&) {}
};

}  // namespace npuemu::mem
