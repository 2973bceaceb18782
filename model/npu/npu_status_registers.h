// The per-tile NPU status registers (register map npu_status in isa/npu_isa.yaml): read-only views of the queues,
// the array's size, the memories' capacities and the semaphores.
#pragma once

#include <functional>

#include "model/common/register_device.h"

namespace npuemu::npu {

class NpuStatusRegisters : public RegisterDevice {
public:
    using Reader = std::function<bool(uint64_t offset, uint64_t& value)>;
    NpuStatusRegisters(sc_core::sc_module_name name, sc_core::sc_time access_latency, Reader reader)
        : RegisterDevice(name, access_latency), reader_(std::move(reader)) {}

protected:
    bool read_register(uint64_t offset, unsigned size, uint64_t& value, int64_t) override {
        return size == 4 && reader_(offset, value);
    }
    bool write_register(uint64_t, unsigned, uint64_t, int64_t) override { return false; }

private:
    Reader reader_;
};

}  // namespace npuemu::npu
