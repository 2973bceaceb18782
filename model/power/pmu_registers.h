// A tile's PMU registers (register map `pmu` in isa/npu_isa.yaml), backed by the chip's PowerMonitor.
#pragma once

#include "model/common/register_bank.h"
#include "model/common/register_device.h"
#include "model/power/power_monitor.h"

namespace npuemu::power {

class PmuRegisters : public RegisterDevice {
public:
    PmuRegisters(sc_core::sc_module_name name, PowerMonitor& monitor, size_t tile, sc_core::sc_time access_latency);

protected:
    bool read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t hart) override {
        return bank_.read(offset, size, value, hart);
    }
    bool write_register(uint64_t offset, unsigned size, uint64_t value, int64_t hart) override {
        return bank_.write(offset, size, value, hart);
    }

private:
    RegisterBank bank_;
};

}  // namespace npuemu::power
