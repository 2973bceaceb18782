// One HBM pseudo channel: its memory controller (read and write queues, FR-FCFS scheduling, open or closed page,
// write draining, refresh) and the banks behind it (per bank a state machine: ACT, RD, WR, PRE, REF under the
// JEDEC constraints of HbmTiming). Plain C++, no SystemC: times are picoseconds, commands sit on the HBM clock.
//
// Time discipline (what lets the SystemC side batch decisions instead of waking per command): the controller makes
// its scheduling decisions lazily, in time order, when advance(until) is called; a request may be submitted at any
// time as long as it arrives at or after decided_until_ps(), so what is decided never changes. A request is a
// transaction of consecutive column accesses within one row of one bank; its columns are still scheduled one
// column command at a time, so requests to different bank groups interleave on the bus as they would on silicon.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/common/latency_histogram.h"
#include "model/mem/hbm_config.h"

namespace npuemu::mem {

struct HbmRequest {
    uint64_t tag = 0;         // the caller's, handed back on completion
    bool write = false;
    uint32_t bank_group = 0;
    uint32_t bank = 0;        // within its bank group
    uint32_t row = 0;
    uint32_t column = 0;      // first column, in column-command units (access_bytes each)
    uint32_t columns = 1;     // consecutive columns; column + columns <= geometry.columns()
    uint64_t arrival_ps = 0;  // when it reaches the scheduler (after the controller's front end)
};

enum class HbmCommandKind { Activate, Precharge, Read, Write, RefreshAllBanks, RefreshBank };
struct HbmCommand {
    uint64_t cycle = 0;  // HBM clock cycle the command issues at (time = cycle x tCK)
    HbmCommandKind kind = HbmCommandKind::Activate;
    uint32_t bank_group = 0, bank = 0, row = 0, column = 0;
};

struct HbmChannelStats {
    uint64_t read_requests = 0, write_requests = 0;
    uint64_t read_bytes = 0, write_bytes = 0;
    uint64_t activates = 0, precharges = 0;
    // Per column command: a hit found its row open; a miss found the bank closed (precharged); a conflict found
    // another row open.
    uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
    uint64_t read_to_write_turnarounds = 0, write_to_read_turnarounds = 0;
    uint64_t refreshes = 0;
    uint64_t refresh_cycles = 0;     // tRFC per all-bank refresh, tRFCpb per per-bank refresh
    uint64_t data_bus_busy_cycles = 0;
    uint64_t write_drains = 0;       // times the controller switched to draining writes
    // Requests inside the controller (queued or in service), from arrival to completion: the time integral (its
    // average over a run is integral / elapsed) and the peak.
    uint64_t occupancy_integral_ps = 0;
    uint64_t max_occupancy = 0;
    LatencyHistogram read_latency_ps;   // arrival to completion
    LatencyHistogram write_latency_ps;
};

class HbmChannelController {
public:
    // One pseudo channel of `config` (geometry.stacks etc. do not matter here, only the per-channel figures).
    explicit HbmChannelController(const HbmConfig& config);

    // Queues a request. Throws npuemu::Error if arrival_ps < decided_until_ps() or the request does not fit the
    // geometry (a caller bug, not user input).
    void submit(const HbmRequest& request);

    // Completion: reads when their last data beat has left the device (last RD + tCL + burst), writes when their
    // last data beat is in (last WR + tWL + burst). done_ps may lie beyond `until`.
    using DoneCallback = std::function<void(uint64_t tag, uint64_t done_ps)>;
    // Makes every decision (command issue) at times < until_ps, refreshes included, and reports each request whose
    // last column command has issued. Afterwards decided_until_ps() == max(previous, until_ps).
    void advance(uint64_t until_ps, const DoneCallback& done);

    uint64_t decided_until_ps() const;
    // The earliest time a queued request could have a command issued (UINT64_MAX with nothing queued). Refreshes
    // of an idle channel do not count: advance() catches up on them whenever it is called.
    uint64_t next_decision_ps() const;
    size_t queued_requests() const;

    // Every command issued from now on is appended to *log (nullptr: none). For tests and traces.
    void set_command_log(std::vector<HbmCommand>* log);
    const HbmChannelStats& stats() const;

private:
    // (the implementation's queues, bank states and bus state)
};

}  // namespace npuemu::mem
