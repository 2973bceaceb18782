#include "model/soc/clint.h"

#include "npu_isa_table.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

static_assert(npu::isa::clint::kBase == NPUEMU_CLINT_BASE, "isa/npu_isa.yaml and the memory map disagree");

Clint::Clint(sc_core::sc_module_name name, const ReferenceClock& clock, std::vector<core::InterruptLines*> harts,
             sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), clock_(clock), harts_(std::move(harts)), bank_("clint", npu::isa::clint::kRegisters) {
    using Reg = npu::isa::clint::Reg;
    const unsigned harts_present = static_cast<unsigned>(harts_.size());
    bank_.limit_instances(Reg::MSIP, harts_present);
    bank_.limit_instances(Reg::MTIMECMP, harts_present);
    bank_.on_read(Reg::MSIP, [this](unsigned h, int64_t) -> uint64_t { return harts_[h]->software ? 1 : 0; });
    bank_.on_write(Reg::MSIP, [this](unsigned h, uint64_t value, int64_t) {
        harts_[h]->software = value & 1;
        harts_[h]->notify();
        return true;
    });
    bank_.on_read(Reg::MTIMECMP, [this](unsigned h, int64_t) { return harts_[h]->timer_compare; });
    bank_.on_write(Reg::MTIMECMP, [this](unsigned h, uint64_t value, int64_t) {
        harts_[h]->timer_compare = value;
        harts_[h]->notify();
        return true;
    });
    bank_.on_read(Reg::MTIME, [this](unsigned, int64_t) { return mtime(); });
    // mtime is a free-running reference counter here: writes are accepted and ignored (WARL-like), so firmware
    // that resets it does not fault; the SDK never writes it.
    bank_.on_write(Reg::MTIME, [](unsigned, uint64_t, int64_t) { return true; });
    bank_.check_complete();
}

uint64_t Clint::mtime() const { return clock_.ticks_at(sc_core::sc_time_stamp()); }

}  // namespace npuemu::soc
