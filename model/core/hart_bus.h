// What the instruction-set simulator needs from the outside world: direct (DMI) windows onto memories for the fast
// path, a slow path for everything else (devices), and the platform timer. The SystemC core module implements it
// on top of a TLM-2.0 socket; unit tests implement it on a plain array.
#pragma once

#include <cstdint>

namespace npuemu::core {

struct DmiWindow {
    uint32_t base = 0;
    uint32_t last = 0;  // inclusive, so a window may reach 0xFFFFFFFF
    uint8_t* host = nullptr;
    bool readable = false;
    bool writable = false;
    // Instructions may be fetched through it (an instruction cache's view), but loads and stores take the slow path
    // (memory whose data accesses are timed: global memory and other tiles behind the mesh).
    bool fetch_only = false;
    uint32_t read_latency_cycles = 0;   // extra cycles a load from this memory costs beyond the CPI table
    uint32_t write_latency_cycles = 0;
};

enum class BusStatus { Ok, AccessFault };
enum class CoprocessorStatus { Ok, Illegal };

class HartBus {
public:
    virtual ~HartBus() = default;
    // Asks for a direct window containing addr; false if the target does not offer one.
    virtual bool request_dmi(uint32_t addr, DmiWindow& window) = 0;
    // Slow path. elapsed_cycles is how far the hart has run in its current block, so the bus can place the access
    // at the right simulated time. *extra_cycles receives the access's latency beyond the CPI table.
    virtual BusStatus read(uint32_t addr, unsigned size_bytes, uint32_t& value, uint64_t elapsed_cycles,
                           uint64_t* extra_cycles) = 0;
    virtual BusStatus write(uint32_t addr, unsigned size_bytes, uint32_t value, uint64_t elapsed_cycles,
                            uint64_t* extra_cycles) = 0;
    // The platform's mtime at the hart's current local time (for the time/timeh CSRs).
    virtual uint64_t mtime(uint64_t elapsed_cycles) = 0;
    // A custom-0/1/2 instruction (the NPU's). rs3 is the R4 format's third source (bits 31:27). May take simulated
    // time (a full queue, a fence). Without a coprocessor every custom instruction is illegal.
    virtual CoprocessorStatus coprocessor(uint32_t instruction, uint32_t rs1, uint32_t rs2, uint32_t rs3,
                                          uint32_t& rd_value) {
        return CoprocessorStatus::Illegal;
    }
};

}  // namespace npuemu::core
