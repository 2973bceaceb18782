// Read-only registers that describe the chip (register map `chipinfo` in isa/npu_isa.yaml), so one firmware image adapts to every chip config; and the HBM address
// probe (a row number in, the address of that row of bank 0 out), per hart.
#pragma once

#include <vector>

#include "model/config/chip_config.h"
#include "model/mem/hbm_address_map.h"
#include "model/common/register_bank.h"
#include "model/common/register_device.h"
#include "model/soc/chip_placement.h"

namespace npuemu::soc {

class ChipInfo : public RegisterDevice {
public:
    ChipInfo(sc_core::sc_module_name name, const config::ChipConfig& chip, const ChipPlacement& placement,
             sc_core::sc_time access_latency);

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override {
        return bank_.read(offset, size_bytes, value, hart);
    }
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override {
        return bank_.write(offset, size_bytes, value, hart);
    }

private:
    uint32_t probe_row(int64_t hart) const;
    uint64_t probe_address(int64_t hart) const;

    const config::ChipConfig& chip_;
    mem::HbmAddressMap address_map_;
    std::vector<uint32_t> probe_row_;  // per hart
    RegisterBank bank_;
};

}  // namespace npuemu::soc
