// What the GDB command handler (rsp_session.h) needs from the thing it debugs: harts (one GDB thread each),
// registers in GDB's RISC-V numbering, memory as a hart sees it, breakpoints and watchpoints, and resuming. The chip
// implements it over SystemC (chip_debug_target.h); unit tests implement it on plain arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::debug {

// GDB's signal numbers (gdb/signals.def), which the remote protocol uses. They are not the host's: GDB's SIGBUS is
// 10 whatever the host says.
namespace gdb_signal {
constexpr int kNone = 0;
constexpr int kInt = 2;    // Ctrl-C
constexpr int kIll = 4;    // illegal instruction
constexpr int kTrap = 5;   // breakpoint, step, watchpoint, ebreak
constexpr int kBus = 10;   // misaligned access
constexpr int kSegv = 11;  // access fault
}  // namespace gdb_signal

// Register numbers as GDB's RISC-V port counts them: x0..x31, pc, then f0..f31 (absent here), then CSR n at 65 + n.
constexpr unsigned kRegPc = 32;
constexpr unsigned kRegFirstCsr = 65;

enum class TriggerKind { SoftwareBreak, HardwareBreak, WriteWatch, ReadWatch, AccessWatch };

// Why the target stopped, as the stop reply (T packet) tells GDB.
struct StopEvent {
    unsigned hart = 0;
    int signal = gdb_signal::kTrap;
    enum class Cause { Signal, SoftwareBreak, HardwareBreak, Watch, ReadWatch, AccessWatch, Step };
    Cause cause = Cause::Signal;
    uint32_t data_address = 0;  // the watched address that was accessed (watchpoints only)
};

struct HartResume {
    enum class Action { Hold, Continue, Step };
    Action action = Action::Hold;
    int signal = 0;  // GDB asked to deliver this signal (a fault then proceeds as without a debugger)
};

class DebugTarget {
public:
    virtual ~DebugTarget() = default;

    virtual unsigned hart_count() const = 0;
    virtual bool hart_alive(unsigned hart) const = 0;  // false once the hart exited
    virtual std::string hart_description(unsigned hart) const = 0;  // "tile3", for qThreadExtraInfo
    virtual std::string target_description_xml() const = 0;

    virtual bool read_register(unsigned hart, unsigned regnum, uint32_t& value) = 0;
    virtual bool write_register(unsigned hart, unsigned regnum, uint32_t value) = 0;
    // Memory as `hart` sees it (its tile-local SRAM at the local alias). Return how many bytes from the start of
    // the range could be accessed (less than length if the range runs into unmapped space).
    virtual size_t read_memory(unsigned hart, uint32_t addr, uint8_t* data, size_t length) = 0;
    virtual size_t write_memory(unsigned hart, uint32_t addr, const uint8_t* data, size_t length) = 0;

    virtual bool insert_trigger(TriggerKind kind, uint32_t addr, uint32_t length) = 0;
    virtual bool remove_trigger(TriggerKind kind, uint32_t addr, uint32_t length) = 0;

    // One entry per hart. Returns at once: the run itself is driven by the server's loop.
    virtual void resume(const std::vector<HartResume>& actions) = 0;
    // Text for `monitor CMD` (qRcmd); false for an unknown command (the text then says why).
    virtual bool monitor(const std::string& command, std::string& output) = 0;
    virtual void kill() = 0;
    // The client went away (detach, or the connection dropped): triggers are removed, every hart runs on.
    virtual void detach() = 0;
};

}  // namespace npuemu::debug
