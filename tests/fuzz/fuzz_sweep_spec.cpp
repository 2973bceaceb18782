// libFuzzer: the sweep description reader and the planner (the spec is a file: written to a private temporary).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_spec.h"
#include "model/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = "/tmp/npuemu-fuzz-sweep-" + std::to_string(::getpid()) + ".yaml";
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                   static_cast<std::streamsize>(size));
    try {
        const npuemu::sweep::SweepSpec spec = npuemu::sweep::load_sweep_spec(path, NPUEMU_FIRMWARE_DIR);
        npuemu::sweep::make_plan(spec);  // validation loads configs per point: too slow to fuzz, planning is not
    } catch (const npuemu::Error&) {
    }
    return 0;
}
