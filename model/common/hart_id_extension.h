// Which hart issued a transaction. Attached by each control core to its payloads; the console uses it to prefix
// lines and the sim-control device to know which hart exited.
#pragma once

#include <tlm>

#include <cstdint>

namespace npuemu {

struct HartIdExtension : tlm::tlm_extension<HartIdExtension> {
    uint32_t hart_id = 0;

    explicit HartIdExtension(uint32_t id = 0) : hart_id(id) {}
    tlm_extension_base* clone() const override { return new HartIdExtension(hart_id); }
    void copy_from(const tlm_extension_base& other) override {
        hart_id = static_cast<const HartIdExtension&>(other).hart_id;
    }
};

// The hart of a transaction, or -1 when it came from something that is not a hart (the loader, a debugger).
inline int64_t hart_of(const tlm::tlm_generic_payload& trans) {
    const HartIdExtension* ext = nullptr;
    trans.get_extension(ext);
    return ext ? static_cast<int64_t>(ext->hart_id) : -1;
}

}  // namespace npuemu
