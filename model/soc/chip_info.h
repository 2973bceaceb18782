// Read-only registers that describe the chip, so one firmware image adapts to every chip config.
#pragma once

#include "model/config/chip_config.h"
#include "model/soc/register_device.h"

namespace npuemu::soc {

class ChipInfo : public RegisterDevice {
public:
    ChipInfo(sc_core::sc_module_name name, const config::ChipConfig& chip, sc_core::sc_time access_latency);

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override;
    bool write_register(uint64_t, unsigned, uint64_t, int64_t) override { return false; }

private:
    const config::ChipConfig& chip_;
};

}  // namespace npuemu::soc
