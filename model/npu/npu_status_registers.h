// The per-tile NPU status registers (register map npu_status in isa/npu_isa.yaml): read-only views of the queues,
// the array's size, the memories' capacities and the semaphores. The NPU binds what each register reads.
#pragma once

#include "model/common/register_bank.h"
#include "model/common/register_device.h"
#include "npu_isa_table.h"

namespace npuemu::npu {

class NpuStatusRegisters : public RegisterDevice {
public:
    NpuStatusRegisters(sc_core::sc_module_name name, sc_core::sc_time access_latency)
        : RegisterDevice(name, access_latency), bank_("npu_status", isa::npu_status::kRegisters) {}

    RegisterBank& bank() { return bank_; }

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

}  // namespace npuemu::npu
