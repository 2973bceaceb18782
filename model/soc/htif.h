// HTIF tohost/fromhost, as the RISC-V test suites and Spike use it: a write to tohost with bit 0 set ends the run
// with exit code (value >> 1); device 1, command 1 prints a character. Mapped over the ELF's `tohost` symbol, so
// standard bare-metal test binaries run unmodified with `npuemu run --htif`.
#pragma once

#include <ostream>

#include "model/common/register_device.h"
#include "model/common/run_control.h"

namespace npuemu::soc {

class Htif : public RegisterDevice {
public:
    // The device covers tohost at offset 0 and, when fromhost_offset is set, fromhost at that offset.
    Htif(sc_core::sc_module_name name, RunControl& run_control, std::ostream& console, uint64_t fromhost_offset);

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override;
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override;
    bool accepts_image_bytes() const override { return true; }  // the ELF's tohost/fromhost start at zero

private:
    void command(uint64_t value);

    RunControl& run_control_;
    std::ostream& console_;
    uint64_t fromhost_offset_;
    uint64_t tohost_ = 0;
    uint64_t fromhost_ = 0;
};

}  // namespace npuemu::soc
