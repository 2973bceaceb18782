// Core-local interruptor, SiFive layout: mtime (from a fixed reference clock), a mtimecmp and a msip per hart.
#pragma once

#include <vector>

#include "model/common/reference_clock.h"
#include "model/core/interrupt_lines.h"
#include "model/common/register_device.h"

namespace npuemu::soc {

class Clint : public RegisterDevice {
public:
    Clint(sc_core::sc_module_name name, const ReferenceClock& clock, std::vector<core::InterruptLines*> harts,
          sc_core::sc_time access_latency);

    uint64_t mtime() const;

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override;
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override;

private:
    const ReferenceClock& clock_;
    std::vector<core::InterruptLines*> harts_;
};

}  // namespace npuemu::soc
