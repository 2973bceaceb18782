#include "model/power/pmu_registers.h"

#include "npu_isa_table.h"

namespace npuemu::power {

PmuRegisters::PmuRegisters(sc_core::sc_module_name name, PowerMonitor& monitor, size_t tile,
                           sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), bank_("pmu", npu::isa::pmu::kRegisters) {
    using Reg = npu::isa::pmu::Reg;
    PowerMonitor* m = &monitor;
    auto value = [&](Reg reg, auto read) { bank_.on_read(reg, [m, tile, read](unsigned, int64_t) -> uint64_t { return read(*m, tile); }); };
    value(Reg::TEMPERATURE, [](PowerMonitor& p, size_t t) { return p.sensor_mC(t); });
    value(Reg::POWER, [](PowerMonitor& p, size_t t) { return p.power_mw(t); });
    value(Reg::POINT_COUNT, [](PowerMonitor& p, size_t) { return p.point_count(); });
    value(Reg::POINT, [](PowerMonitor& p, size_t t) { return p.operating_point(t); });
    value(Reg::POINT_REQUEST, [](PowerMonitor& p, size_t t) { return p.requested_point(t); });
    value(Reg::THROTTLE, [](PowerMonitor& p, size_t t) { return p.throttle_point(t); });
    value(Reg::ALARM_THRESHOLD, [](PowerMonitor& p, size_t t) { return p.alarm_threshold_mC(t); });
    value(Reg::ALARM_STATUS, [](PowerMonitor& p, size_t t) { return p.alarm(t) ? 1u : 0u; });
    value(Reg::ERROR, [](PowerMonitor& p, size_t t) { return p.error(t) ? 1u : 0u; });
    value(Reg::FREQUENCY_MHZ, [](PowerMonitor& p, size_t t) { return p.frequency_mhz(t); });
    bank_.on_write(Reg::POINT_REQUEST, [m, tile](unsigned, uint64_t v, int64_t) {
        m->request_point(tile, v);
        return true;
    });
    bank_.on_write(Reg::ALARM_THRESHOLD, [m, tile](unsigned, uint64_t v, int64_t) {
        m->set_alarm_threshold(tile, static_cast<uint32_t>(v));
        return true;
    });
    bank_.on_write(Reg::ALARM_STATUS, [m, tile](unsigned, uint64_t v, int64_t) {
        m->write_alarm_status(tile, v & 1);
        return true;
    });
    bank_.on_write(Reg::ERROR, [m, tile](unsigned, uint64_t v, int64_t) {
        if (v & 1) m->clear_error(tile);
        return true;
    });
    bank_.check_complete();
}

}  // namespace npuemu::power
