// A tile's PMU registers (register map `pmu` in isa/npu_isa.yaml), backed by the chip's PowerMonitor.
#pragma once

#include "model/power/power_monitor.h"
#include "model/common/register_device.h"

namespace npuemu::power {

class PmuRegisters : public RegisterDevice {
public:
    PmuRegisters(sc_core::sc_module_name name, PowerMonitor& monitor, size_t tile, sc_core::sc_time access_latency)
        : RegisterDevice(name, access_latency), monitor_(monitor), tile_(tile) {}

protected:
    bool read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t) override {
        return size == 4 && monitor_.read_register(tile_, offset, value);
    }
    bool write_register(uint64_t offset, unsigned size, uint64_t value, int64_t) override {
        return size == 4 && monitor_.write_register(tile_, offset, value);
    }

private:
    PowerMonitor& monitor_;
    size_t tile_;
};

}  // namespace npuemu::power
