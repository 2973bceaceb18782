// Core-local interruptor, SiFive layout (register map `clint` in isa/npu_isa.yaml): mtime (from a fixed reference
// clock), a mtimecmp and a msip per hart.
#pragma once

#include <vector>

#include "model/common/reference_clock.h"
#include "model/common/register_bank.h"
#include "model/common/register_device.h"
#include "model/core/interrupt_lines.h"

namespace npuemu::soc {

class Clint : public RegisterDevice {
public:
    Clint(sc_core::sc_module_name name, const ReferenceClock& clock, std::vector<core::InterruptLines*> harts,
          sc_core::sc_time access_latency);

    uint64_t mtime() const;

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override {
        return bank_.read(offset, size_bytes, value, hart);
    }
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override {
        return bank_.write(offset, size_bytes, value, hart);
    }

private:
    const ReferenceClock& clock_;
    std::vector<core::InterruptLines*> harts_;
    RegisterBank bank_;
};

}  // namespace npuemu::soc
