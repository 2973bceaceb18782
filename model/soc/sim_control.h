// Simulation control device: a hart exits with a code, or ends the whole run.
#pragma once

#include "model/common/register_device.h"
#include "model/common/run_control.h"

namespace npuemu::soc {

class SimControl : public RegisterDevice {
public:
    SimControl(sc_core::sc_module_name name, RunControl& run_control, sc_core::sc_time access_latency);

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override;
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override;

private:
    RunControl& run_control_;
};

}  // namespace npuemu::soc
