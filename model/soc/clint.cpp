#include "model/soc/clint.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

Clint::Clint(sc_core::sc_module_name name, const ReferenceClock& clock, std::vector<core::InterruptLines*> harts,
             sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), clock_(clock), harts_(std::move(harts)) {}

uint64_t Clint::mtime() const { return clock_.ticks_at(sc_core::sc_time_stamp()); }

namespace {

// A 64-bit register accessed as one doubleword or as two words.
bool read_part(uint64_t reg, uint64_t offset_in_reg, unsigned size, uint64_t& value) {
    if (size == 8) { value = reg; return true; }
    if (size != 4) return false;
    value = offset_in_reg ? (reg >> 32) : (reg & 0xFFFFFFFFull);
    return true;
}

bool write_part(uint64_t& reg, uint64_t offset_in_reg, unsigned size, uint64_t value) {
    if (size == 8) { reg = value; return true; }
    if (size != 4) return false;
    reg = offset_in_reg ? ((reg & 0xFFFFFFFFull) | (value << 32)) : ((reg & ~0xFFFFFFFFull) | (value & 0xFFFFFFFFull));
    return true;
}

}  // namespace

bool Clint::read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t) {
    const uint64_t harts = harts_.size();
    if (offset < NPUEMU_CLINT_MSIP_OFFSET + 4 * harts && size == 4) {
        value = harts_[offset / 4]->software ? 1 : 0;
        return true;
    }
    if (offset >= NPUEMU_CLINT_MTIMECMP_OFFSET && offset < NPUEMU_CLINT_MTIMECMP_OFFSET + 8 * harts) {
        const uint64_t rel = offset - NPUEMU_CLINT_MTIMECMP_OFFSET;
        return read_part(harts_[rel / 8]->timer_compare, rel % 8, size, value);
    }
    if (offset >= NPUEMU_CLINT_MTIME_OFFSET && offset < NPUEMU_CLINT_MTIME_OFFSET + 8) {
        return read_part(mtime(), offset - NPUEMU_CLINT_MTIME_OFFSET, size, value);
    }
    return false;
}

bool Clint::write_register(uint64_t offset, unsigned size, uint64_t value, int64_t) {
    const uint64_t harts = harts_.size();
    if (offset < NPUEMU_CLINT_MSIP_OFFSET + 4 * harts && size == 4) {
        core::InterruptLines& lines = *harts_[offset / 4];
        lines.software = value & 1;
        lines.notify();
        return true;
    }
    if (offset >= NPUEMU_CLINT_MTIMECMP_OFFSET && offset < NPUEMU_CLINT_MTIMECMP_OFFSET + 8 * harts) {
        const uint64_t rel = offset - NPUEMU_CLINT_MTIMECMP_OFFSET;
        core::InterruptLines& lines = *harts_[rel / 8];
        if (!write_part(lines.timer_compare, rel % 8, size, value)) return false;
        lines.notify();
        return true;
    }
    // mtime is a free-running reference counter here: writes are accepted and ignored (WARL-like), so firmware
    // that resets it does not fault; the SDK never writes it.
    return offset >= NPUEMU_CLINT_MTIME_OFFSET && offset < NPUEMU_CLINT_MTIME_OFFSET + 8 && (size == 4 || size == 8);
}

}  // namespace npuemu::soc
