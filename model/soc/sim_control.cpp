#include "model/soc/sim_control.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

SimControl::SimControl(sc_core::sc_module_name name, RunControl& run_control, sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), run_control_(run_control) {}

bool SimControl::read_register(uint64_t offset, unsigned, uint64_t& value, int64_t) {
    value = 0;
    return offset == NPUEMU_SIMCTRL_EXIT_OFFSET || offset == NPUEMU_SIMCTRL_ABORT_OFFSET;
}

bool SimControl::write_register(uint64_t offset, unsigned, uint64_t value, int64_t hart) {
    const uint32_t code = static_cast<uint32_t>(value);
    if (offset == NPUEMU_SIMCTRL_EXIT_OFFSET) {
        if (hart < 0) return false;
        run_control_.hart_exited(static_cast<unsigned>(hart), code);
        return true;
    }
    if (offset == NPUEMU_SIMCTRL_ABORT_OFFSET) {
        run_control_.end_run(code, "hart " + std::to_string(hart) + " aborted the run with code " +
                                       std::to_string(code));
        return true;
    }
    return false;
}

}  // namespace npuemu::soc
