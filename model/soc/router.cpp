#include "model/soc/router.h"

#include <algorithm>

#include "model/common/error.h"

namespace npuemu::soc {

Router::Router(sc_core::sc_module_name name)
    : sc_module(name), target_socket("target_socket"), initiator_socket("initiator_socket") {
    target_socket.register_b_transport(this, &Router::b_transport);
    target_socket.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
    target_socket.register_transport_dbg(this, &Router::transport_dbg);
    initiator_socket.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
}

void Router::add_range(uint64_t base, uint64_t size, const std::string& label, Holds holds, int priority) {
    if (size == 0) throw Error(std::string(name()) + ": empty address range for " + label);
    for (const Range& other : ranges_) {
        const bool overlaps = base < other.base + other.size && other.base < base + size;
        if (overlaps && other.priority == priority) {
            throw Error(std::string(name()) + ": address range of " + label + " overlaps " + other.label);
        }
    }
    ranges_.push_back(Range{base, size, label, holds, priority, static_cast<unsigned>(ranges_.size())});
}

bool Router::is_memory(uint64_t addr, uint64_t length) const {
    const uint64_t end = addr + length;
    while (addr < end) {
        const Range* range = decode(addr);
        if (!range || range->holds != Holds::Memory) return false;
        // Continue after this range, or at the next higher-priority range inside it, whichever comes first.
        uint64_t next = range->base + range->size;
        for (const Range& other : ranges_) {
            if (other.priority > range->priority && other.base > addr && other.base < next) next = other.base;
        }
        addr = next;
    }
    return true;
}

const Router::Range* Router::decode(uint64_t addr) const {
    const Range* best = nullptr;
    for (const Range& r : ranges_) {
        if (addr >= r.base && addr - r.base < r.size && (!best || r.priority > best->priority)) best = &r;
    }
    return best;
}

void Router::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address();
    const Range* range = decode(addr);
    if (!range || trans.get_data_length() > range->size - (addr - range->base)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    trans.set_address(addr - range->base);
    initiator_socket[range->port]->b_transport(trans, delay);
    trans.set_address(addr);
}

bool Router::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const uint64_t addr = trans.get_address();
    const Range* range = decode(addr);
    if (!range) {
        dmi.set_start_address(addr);
        dmi.set_end_address(addr);
        return false;
    }
    trans.set_address(addr - range->base);
    const bool granted = initiator_socket[range->port]->get_direct_mem_ptr(trans, dmi);
    trans.set_address(addr);
    // Translate to this router's addresses, then keep only what this range may show.
    const uint64_t target_start = dmi.get_start_address() + range->base;
    const auto [start, end] =
        visible_span(*range, addr, target_start, dmi.get_end_address() + range->base);
    if (granted) dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (start - target_start));
    dmi.set_start_address(start);
    dmi.set_end_address(end);
    return granted;
}

std::pair<uint64_t, uint64_t> Router::visible_span(const Range& range, uint64_t addr, uint64_t start,
                                                   uint64_t end) const {
    start = std::max(start, range.base);
    end = std::min(end, range.base + range.size - 1);
    for (const Range& other : ranges_) {
        if (other.priority <= range.priority) continue;
        const uint64_t other_end = other.base + other.size - 1;
        if (other_end < start || other.base > end) continue;
        if (other_end < addr) start = other_end + 1;
        else end = other.base - 1;
    }
    return {start, end};
}

unsigned Router::transport_dbg(int, tlm::tlm_generic_payload& trans) {
    const uint64_t addr = trans.get_address();
    const Range* range = decode(addr);
    if (!range) return 0;
    // A debug access may span several ranges: serve the part in this one and let the caller continue.
    const unsigned length = static_cast<unsigned>(
        std::min<uint64_t>(trans.get_data_length(), range->size - (addr - range->base)));
    const unsigned full_length = trans.get_data_length();
    trans.set_address(addr - range->base);
    trans.set_data_length(length);
    const unsigned done = initiator_socket[range->port]->transport_dbg(trans);
    trans.set_address(addr);
    trans.set_data_length(full_length);
    return done;
}

void Router::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    const Range& range = ranges_[static_cast<unsigned>(port)];
    const uint64_t last = range.base + range.size - 1;
    for (unsigned i = 0; i < target_socket.size(); ++i) {
        target_socket[i]->invalidate_direct_mem_ptr(std::min<uint64_t>(start + range.base, last),
                                                    std::min<uint64_t>(end + range.base, last));
    }
}

}  // namespace npuemu::soc
