// What one pseudo channel's controller counts, as statistics.
#include "model/mem/hbm_controller.h"

namespace npuemu::mem {

namespace {

double elapsed_ps() { return static_cast<double>(sc_core::sc_time_stamp().value()); }

}  // namespace

double command_energy_pj(const HbmChannelStats& stats, const HbmConfig& config) {
    const uint64_t access_bytes = config.geometry.access_bytes();
    return static_cast<double>(stats.activates) * config.energy.activate_pj +
           static_cast<double>(stats.read_bytes / access_bytes) * config.energy.read_column_pj +
           static_cast<double>(stats.write_bytes / access_bytes) * config.energy.write_column_pj;
}

void HbmChannelStats::register_in(StatsGroup& group, uint64_t tck_ps) const {
    group.counter("read_bytes", read_bytes, StatUnit::Bytes, "bytes read");
    group.counter("write_bytes", write_bytes, StatUnit::Bytes, "bytes written");
    group.bandwidth("bandwidth_gbps", {&read_bytes, &write_bytes}, "bytes read and written per second over the run");
    group.counter("activates", activates, StatUnit::Count, "ACT commands");
    group.counter("row_hits", row_hits, StatUnit::Count, "column commands that found their row open");
    group.counter("row_misses", row_misses, StatUnit::Count, "column commands that found the bank closed");
    group.counter("row_conflicts", row_conflicts, StatUnit::Count, "column commands that found another row open");
    const HbmChannelStats* s = this;
    group.derived("row_hit_rate", [s] {
        const double all_columns = static_cast<double>(s->row_hits + s->row_misses + s->row_conflicts);
        return all_columns > 0 ? static_cast<double>(s->row_hits) / all_columns : 0.0;
    }, StatUnit::Ratio, "row hits / column commands");
    group.counter("row_hit_caps", row_hit_caps, StatUnit::Count,
                  "times controller.row_hit_cap passed over a bank's row hits for an older request to another row");
    group.counter("read_to_write_turnarounds", read_to_write_turnarounds, StatUnit::Count,
                  "data bus turned from reads to writes");
    group.counter("write_to_read_turnarounds", write_to_read_turnarounds, StatUnit::Count,
                  "data bus turned from writes to reads");
    group.counter("refreshes", refreshes, StatUnit::Count, "refresh commands");
    const double tck = static_cast<double>(tck_ps);
    group.derived("refresh_ns", [s, tck] { return static_cast<double>(s->refresh_cycles) * tck / 1000.0; },
                  StatUnit::Nanoseconds,
                  "time banks spent refreshing (tRFC per all-bank, tRFCpb per per-bank refresh)");
    group.derived("data_bus_utilization", [s, tck] {
        const double ps = elapsed_ps();
        return ps > 0 ? static_cast<double>(s->data_bus_busy_cycles) * tck / ps : 0.0;
    }, StatUnit::Ratio, "data bus busy / elapsed");
    group.derived("average_queue_occupancy", [s] {
        const double ps = elapsed_ps();
        return ps > 0 ? static_cast<double>(s->occupancy_integral_ps) / ps : 0.0;
    }, StatUnit::Count, "requests in the controller (queued or in service), averaged over the run");
    group.counter("max_queue_occupancy", max_occupancy, StatUnit::Count, "most requests in the controller at once");
}

}  // namespace npuemu::mem
