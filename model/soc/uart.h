// The console UART. Bytes go to a host stream a line at a time; with several harts printing, each line carries its
// hart so interleaved output stays readable ("[hart 3] ...").
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "model/common/stats.h"
#include "model/common/register_device.h"

namespace npuemu::soc {

class Uart : public RegisterDevice {
public:
    // chip_label: empty for a chip that runs alone; "chip 2" in a system, where every line names chip and hart.
    Uart(sc_core::sc_module_name name, std::ostream& out, bool prefix_lines, std::string chip_label,
         sc_core::sc_time access_latency);
    ~Uart() override;

    void flush_partial_lines();

protected:
    bool read_register(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) override;
    bool write_register(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart) override;
    bool allows_byte_access() const override { return true; }

private:
    void emit(int64_t hart, const std::string& line);

    std::ostream& out_;
    bool prefix_lines_;
    std::string chip_label_;
    std::map<int64_t, std::string> pending_;  // per hart, the line being written
    StatsGroup stats_{*this};
    uint64_t bytes_sent_ = 0;
};

}  // namespace npuemu::soc
