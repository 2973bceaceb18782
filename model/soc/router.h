// An address-decoding interconnect: initiators bind to target_socket, targets are attached with an address range.
// Targets see addresses relative to their range. Ranges may overlap: the higher priority wins (an overlay such as the
// HTIF tohost word on top of RAM), and DMI windows handed out are narrowed so they never cover a higher-priority
// range. Accesses that hit no range answer TLM_ADDRESS_ERROR_RESPONSE (an access fault for the core).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace npuemu::soc {

class Router : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Router> target_socket;
    tlm_utils::multi_passthrough_initiator_socket<Router> initiator_socket;

    explicit Router(sc_core::sc_module_name name);

    enum class Holds { Registers, Memory };  // Memory: an image may be loaded there

    // Binds a target and maps [base, base + size) to it. Call during elaboration, once per target socket.
    template <typename Socket>
    void attach(Socket& target, uint64_t base, uint64_t size, const std::string& label, Holds holds,
                int priority = 0) {
        add_range(base, size, label, holds, priority);
        initiator_socket.bind(target);
    }

    struct Range {
        uint64_t base;
        uint64_t size;
        std::string label;
        Holds holds;
        int priority;
        unsigned port;
    };
    const std::vector<Range>& ranges() const { return ranges_; }
    // The range an address decodes to, or nullptr.
    const Range* decode(uint64_t addr) const;
    // Whether every byte of [addr, addr + length) decodes to memory.
    bool is_memory(uint64_t addr, uint64_t length) const;
    // The part of [start, end] (inside `range`, containing addr) not covered by any higher-priority range: what a
    // DMI window through this router may cover.
    std::pair<uint64_t, uint64_t> visible_span(const Range& range, uint64_t addr, uint64_t start, uint64_t end) const;

private:
    void add_range(uint64_t base, uint64_t size, const std::string& label, Holds holds, int priority);
    void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(int port, tlm::tlm_generic_payload& trans);
    void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

    std::vector<Range> ranges_;
};

}  // namespace npuemu::soc
