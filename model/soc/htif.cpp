#include "model/soc/htif.h"

namespace npuemu::soc {

Htif::Htif(sc_core::sc_module_name name, RunControl& run_control, std::ostream& console, uint64_t fromhost_offset)
    : RegisterDevice(name, sc_core::SC_ZERO_TIME),
      run_control_(run_control),
      console_(console),
      fromhost_offset_(fromhost_offset) {}

bool Htif::read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t) {
    uint64_t reg;
    uint64_t base;
    if (offset < 8) { reg = tohost_; base = 0; }
    else if (fromhost_offset_ && offset >= fromhost_offset_ && offset < fromhost_offset_ + 8) {
        reg = fromhost_; base = fromhost_offset_;
    } else {
        value = 0;  // padding between the two words reads as zero
        return true;
    }
    value = size == 8 ? reg : (offset - base) ? (reg >> 32) : (reg & 0xFFFFFFFFull);
    return true;
}

bool Htif::write_register(uint64_t offset, unsigned size, uint64_t value, int64_t) {
    if (fromhost_offset_ && offset >= fromhost_offset_ && offset < fromhost_offset_ + 8) {
        fromhost_ = size == 8 ? value : (offset - fromhost_offset_) ? ((fromhost_ & 0xFFFFFFFFull) | (value << 32))
                                                                    : ((fromhost_ & ~0xFFFFFFFFull) | value);
        return true;
    }
    if (offset >= 8) return true;
    if (size == 8) {
        tohost_ = value;
        command(tohost_);
    } else if (offset == 0) {
        tohost_ = (tohost_ & ~0xFFFFFFFFull) | value;
        // RV32 programs write the low word first; an exit needs no upper word, so act on it at once.
        if ((value & 1) || (tohost_ >> 32) == 0) command(tohost_ & 0xFFFFFFFFull);
    } else {
        tohost_ = (tohost_ & 0xFFFFFFFFull) | (value << 32);
        command(tohost_);
    }
    return true;
}

void Htif::command(uint64_t value) {
    if (value == 0) return;
    const uint64_t device = value >> 56;
    const uint64_t cmd = (value >> 48) & 0xFF;
    if (device == 0 && (value & 1)) {
        const uint32_t code = static_cast<uint32_t>((value & 0xFFFFFFFFFFFFull) >> 1);
        run_control_.end_run(code, "tohost exit with code " + std::to_string(code));
        return;
    }
    if (device == 1 && cmd == 1) {
        console_.put(static_cast<char>(value & 0xFF));
        console_.flush();
        fromhost_ = (1ull << 56) | (1ull << 48);
        tohost_ = 0;
    }
}

}  // namespace npuemu::soc
