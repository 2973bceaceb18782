// Read-only registers that describe the chip, so one firmware image adapts to every chip config; and the HBM address
// probe (a row number in, the address of that row of bank 0 out), per hart.
#pragma once

#include <vector>

#include "model/config/chip_config.h"
#include "model/mem/hbm_address_map.h"
#include "model/common/register_device.h"

namespace npuemu::soc {

class ChipInfo : public RegisterDevice {
public:
    ChipInfo(sc_core::sc_module_name name, const config::ChipConfig& chip, sc_core::sc_time access_latency);

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override;
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override;

private:
    const config::ChipConfig& chip_;
    mem::HbmAddressMap address_map_;
    std::vector<uint32_t> probe_row_;  // per hart
};

}  // namespace npuemu::soc
