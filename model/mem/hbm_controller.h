// One HBM pseudo channel: its memory controller (read and write queues, FR-FCFS scheduling, open or closed page,
// write draining, refresh) and the banks behind it (per bank a state machine: ACT, RD, WR, PRE, REF under the
// JEDEC constraints of HbmTiming). Plain C++, no SystemC: times are picoseconds, commands sit on the HBM clock.
//
// Time discipline (what lets the SystemC side batch decisions instead of waking per command): the controller makes
// its scheduling decisions lazily, in time order, when advance(until) is called; a request may be submitted at any
// time as long as it arrives at or after decided_until_ps(), so what is decided never changes. A request is a
// transaction of consecutive column accesses within one row of one bank; its columns are still scheduled one
// column command at a time, so requests to different bank groups interleave on the bus as they would on silicon.
//
// Policies, in the order they apply at each clock cycle: arrivals and a refresh falling due at a cycle are taken in
// before that cycle's decisions. While an all-bank refresh is due nothing else issues (the open banks are
// precharged as tRAS/tRTP/tWR allow, then REF); while a per-bank refresh is due only that bank stops (no ACT, no
// column command; precharged, then REFsb). Reads have priority; writes are served while draining (from
// write_high_watermark down to write_low_watermark writes in the window) or when no read is queued. Within the
// served direction the column bus takes the request that hits an open row and can issue earliest (oldest on a tie),
// the row bus the bank command that can issue earliest (oldest request on a tie): PRE when the bank's oldest request
// wants another row and no queued request of the served direction hits the open one, ACT when the bank is closed.
// With controller.row_hit_cap = N > 0, once N column commands have hit a bank's open row (since its ACT) while an
// older request of the served direction waited for another row of that bank, the bank's hits of that direction
// stop being column candidates after the request in service completes: the older request's PRE and ACT follow.
// Closed page adds an auto-precharge after a request's last column when no queued request (either direction) hits
// the row.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "model/common/latency_histogram.h"
#include "model/common/stats.h"
#include "model/mem/hbm_config.h"

namespace npuemu::mem {

struct HbmRequest {
    uint64_t tag = 0;  // the caller's, handed back on completion
    bool write = false;
    uint32_t bank_group = 0;
    uint32_t bank = 0;  // within its bank group
    uint32_t row = 0;
    uint32_t column = 0;      // first column, in column-command units (access_bytes each)
    uint32_t columns = 1;     // consecutive columns; column + columns <= geometry.columns()
    uint64_t arrival_ps = 0;  // when it reaches the scheduler: the caller adds controller.frontend_latency_cycles
};

enum class HbmCommandKind { Activate, Precharge, Read, Write, RefreshAllBanks, RefreshBank };
struct HbmCommand {
    uint64_t cycle = 0;  // HBM clock cycle the command issues at (time = cycle x tCK)
    HbmCommandKind kind = HbmCommandKind::Activate;
    uint32_t bank_group = 0, bank = 0, row = 0, column = 0;
};

struct HbmChannelStats {
    uint64_t read_requests = 0, write_requests = 0;  // completed (last column command issued)
    uint64_t read_bytes = 0, write_bytes = 0;        // access_bytes per column command (a partial access is whole)
    uint64_t activates = 0, precharges = 0;
    // Per column command: a hit found its row open; a miss found the bank closed (precharged); a conflict found
    // another row open. The first column after an ACT is the miss or the conflict (a conflict when the PRE before
    // that ACT made way for another row; a miss after a refresh or an auto-precharge closed it); later columns to
    // the open row are hits. An ACT whose row closes again before any column (a refresh falls due, or the other
    // direction needs the bank) counts in activates only.
    uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
    uint64_t read_to_write_turnarounds = 0, write_to_read_turnarounds = 0;
    uint64_t refreshes = 0;
    uint64_t refresh_cycles = 0;  // tRFC per all-bank refresh, tRFCpb per per-bank refresh
    uint64_t data_bus_busy_cycles = 0;
    uint64_t row_hit_caps = 0;  // times controller.row_hit_cap passed over a bank's hits for an older request
    uint64_t write_drains = 0;  // times the write queue reached write_high_watermark and draining started
                                // (serving writes because no read is queued does not count)
    // Requests inside the controller (queued or in service), from arrival to completion: the time integral (its
    // average over a run is integral / elapsed) and the peak. Both count a request once it has completed (the
    // integral adds done_ps - arrival_ps then; the peak is taken at each arrival).
    uint64_t occupancy_integral_ps = 0;
    uint64_t max_occupancy = 0;
    LatencyHistogram read_latency_ps;  // arrival to completion
    LatencyHistogram write_latency_ps;

    // These statistics into the channel's group (tck_ps: the HBM clock period, for times counted in its cycles).
    void register_in(StatsGroup& group, uint64_t tck_ps) const;
};
// Energy in the stack of what `stats` counted: ACTs and column commands (access_bytes of data each) x the config's
// per-command figures (hbm.energy.*), in pJ.
double command_energy_pj(const HbmChannelStats& stats, const HbmConfig& config);

class HbmChannelController {
public:
    // One pseudo channel of `config` (geometry.stacks etc. do not matter here, only the per-channel figures).
    // Throws npuemu::Error naming every problem check_hbm_config() finds outside the address mapping.
    explicit HbmChannelController(const HbmConfig& config);

    // Queues a request. Throws npuemu::Error if arrival_ps < decided_until_ps() or the request does not fit the
    // geometry (a caller bug, not user input).
    void submit(const HbmRequest& request);

    // Completion: reads when their last data beat has left the device (last RD + tCL + burst), writes when their
    // last data beat is in (last WR + tWL + burst), or with controller.early_write_ack when they enter the write
    // queue. done_ps may lie beyond `until`. Statistics (latencies, occupancy) always count to the data.
    using DoneCallback = std::function<void(uint64_t tag, uint64_t done_ps)>;
    // Makes every decision (command issue) at times < until_ps, refreshes included, and reports each request whose
    // last column command has issued. Afterwards decided_until_ps() == max(previous, until_ps). Any split of a time
    // span into advance() calls, with submit()s in between, makes the same decisions. `done` may be empty; it must
    // not call submit() or advance() (npuemu::Error): submit after advance() returns.
    void advance(uint64_t until_ps, const DoneCallback& done);

    uint64_t decided_until_ps() const;
    // The earliest time a queued request could have a command issued (UINT64_MAX with nothing queued). Refreshes
    // of an idle channel do not count: advance() catches up on them whenever it is called. A lower bound: a refresh
    // or an arrival may be all that happens then; call it again after advance().
    uint64_t next_decision_ps() const {
#ifndef NPUEMU_HBM_VERIFY_ROW_CACHE
        // The caller asks after every advance() and submit(); advance() has just computed it (kNever when nothing is
        // queued: the cache is dropped whenever a request completes, and advance() recomputes it before returning).
        if (next_cache_valid_) return next_cache_cycle_ == kNever ? UINT64_MAX : next_cache_cycle_ * tck_ps_;
#endif
        return compute_next_decision_ps();
    }
    // Submitted and not completed, whether arrived or not.
    size_t queued_requests() const;

    // Every command issued from now on is appended to *log (nullptr: none), in issue order. For tests and traces.
    // A closed-page auto-precharge (RDA/WRA) is a Precharge entry right after the column command that carried it,
    // with the cycle the bank closes at (later than that command's; it takes no row-bus slot).
    void set_command_log(std::vector<HbmCommand>* log);
    const HbmChannelStats& stats() const;

private:
    // Everything below is the implementation: plain arrays and ring buffers sized at construction, so that a
    // decision allocates nothing. Cycles are HBM clock cycles; cycle c is at c x tCK picoseconds.
    static constexpr int32_t kNone = -1;
    static constexpr uint64_t kNever = UINT64_MAX;
    enum Dir : unsigned { kRead = 0, kWrite = 1 };
    enum class FirstColumn : uint8_t {
        Hit,
        Miss,
        Conflict
    };  // what the next column command of an opened row counts as

    // A FIFO that grows by doubling and never shrinks (no allocation once warm).
    template <class T>
    class Ring {
    public:
        bool empty() const { return size_ == 0; }
        size_t size() const { return size_; }
        T& front() { return items_[head_]; }
        const T& front() const { return items_[head_]; }
        T& at(size_t i) { return items_[(head_ + i) & mask_]; }
        const T& at(size_t i) const { return items_[(head_ + i) & mask_]; }
        void pop_front() {
            head_ = (head_ + 1) & mask_;
            --size_;
        }
        void push_back(const T& v) {
            grow_if_full();
            items_[(head_ + size_) & mask_] = v;
            ++size_;
        }
        // Keeps the ring sorted by `less`: v goes after every item not after it (a binary search unless it is a plain
        // append), the items behind it move up by one (one block move unless they wrap round the buffer's end).
        template <class Less>
        void insert_sorted(const T& v, Less less) {
            grow_if_full();
            size_t lo = size_;
            if (size_ > 0 && less(v, at(size_ - 1))) {
                lo = 0;
                size_t hi = size_ - 1;
                while (lo < hi) {
                    const size_t mid = (lo + hi) / 2;
                    if (less(v, at(mid)))
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                const size_t from = (head_ + lo) & mask_, last = (head_ + size_ - 1) & mask_;
                if (from <= last && last + 1 <= mask_) {
                    T* items = items_.data();
                    std::copy_backward(items + from, items + last + 1, items + last + 2);
                } else {
                    for (size_t i = size_; i > lo; --i) at(i) = at(i - 1);
                }
            }
            at(lo) = v;
            ++size_;
        }

    private:
        void grow_if_full() {
            if (size_ < items_.size()) return;
            std::vector<T> bigger(items_.empty() ? 16 : items_.size() * 2);
            for (size_t i = 0; i < size_; ++i) bigger[i] = at(i);
            items_.swap(bigger);
            head_ = 0;
            mask_ = items_.size() - 1;
        }
        std::vector<T> items_;
        size_t head_ = 0, size_ = 0;
        size_t mask_ = 0;  // items_.size() - 1 (a power of two less one), kept: size() divides by sizeof(T)
    };

    struct Waiting {  // a request before it enters the scheduler's window
        HbmRequest request;
        uint64_t ready_cycle = 0;  // the clock edge at or after arrival_ps
        uint64_t seq = 0;          // submission order (pending) or arrival order (overflow)
    };
    struct alignas(64) Slot {  // a request in the scheduler's window (the first queue_depth of its queue); one
                               // cache line, what a column command reads first
        uint32_t bank = 0;     // bank_group * banks_per_group + bank
        uint32_t row = 0, next_column = 0, columns_left = 0;
        int32_t prev = kNone, next = kNone;  // the bank's list for this direction, oldest first
        uint64_t seq = 0, tag = 0, arrival_ps = 0;
    };
    struct alignas(64) Bank {              // what the choices and the commands read of a bank: one cache line
        uint64_t act_ready = 0;            // earliest ACT: tRC after ACT, tRP after PRE, tRFC / tRFCpb after REF
        uint64_t pre_ready = 0;            // earliest PRE: tRAS after ACT, tRTP after RD, tWR after write data
        uint64_t head_seq[2] = {0, 0};     // seq of head[] (meaningless when kNone)
        int32_t head[2] = {kNone, kNone};  // the bank's oldest request of each direction (list: Slot::next)
        // The oldest window request of each direction that hits the open row (kNone: none, or the bank is closed).
        // Of a bank's hits only this one can be the column choice: a column command's earliest cycle depends on its
        // bank, bank group and direction, not on the request, and ties go to the oldest.
        int32_t first_hit[2] = {kNone, kNone};
        uint32_t row = 0;
        bool open = false;
        bool closed_for_conflict = false;  // the last PRE made way for another row
        FirstColumn first_column = FirstColumn::Hit;
    };
    static_assert(sizeof(Bank) == 64, "a bank's state is one cache line");
    static_assert(sizeof(Slot) == 64, "a request's state is one cache line");
    struct Group {
        uint64_t next_act = 0;          // tRRD_L
        uint64_t next_col[2] = {0, 0};  // tCCD_L, tWTR_L
    };
    struct RowChoice {  // the next row-bus command
        uint64_t cycle = kNever;
        enum class Kind : uint8_t { None, Activate, Precharge, RefreshPrecharge, Refresh } kind = Kind::None;
        uint32_t bank = 0;
        int32_t slot = kNone;  // Activate: the request whose row it opens (index into slots_)
        uint64_t seq = 0;      // that request's seq, for ties while choosing (0: the refresh's, which wins)
    };
    struct ColChoice {  // the next column-bus command
        uint64_t cycle = kNever;
        int32_t slot = kNone;  // the request it serves
        uint32_t bank = 0;     // its bank (so issuing loads the request and the bank at once, not one after the other)
    };

    uint64_t compute_next_decision_ps() const;  // next_decision_ps() without its cache
    uint64_t cycle_of_ps_ceil(uint64_t ps) const { return ps / tck_ps_ + (ps % tck_ps_ != 0); }
    uint64_t refresh_due(uint64_t index) const;
    uint32_t refresh_bank(uint64_t index) const;
    unsigned active_dir(bool draining) const;
    bool next_draining() const;
    // Brings row_choice_ and col_choice_ up to date: the commands the buses would issue next, serving `dir`, at or
    // after cycle `now` (cycle kNever: none). Issuing either command invalidates them.
    void choose(uint64_t now, unsigned dir) const;
    void choose_all_bank_refresh(uint64_t now, RowChoice& c) const;
    void choose_row(uint64_t now, unsigned dir, RowChoice& c) const;
    template <unsigned dir>
    void choose_column(uint64_t now, ColChoice& c) const;
    void invalidate_row_choice() { row_choice_valid_ = false; }
    void invalidate_col_choice() { col_choice_valid_ = false; }
    void set_first_hit(uint32_t bank, unsigned dir, int32_t slot);
    void move_first_hit_back(uint32_t bank, unsigned dir, int32_t slot);
    int32_t first_hit_from(int32_t slot, uint32_t row) const;
    void admit_arrivals();
    void enter_window(const Waiting& w, unsigned dir);
    void leave_window(int32_t slot, unsigned dir);
    // Issues a column command of request `slot`; true when it was the request's last (it has completed).
    // same_dir_as_last: the previous column command was of this direction (no turnaround to count).
    template <unsigned dir, bool same_dir_as_last = false>
    bool issue_column(uint64_t t, int32_t slot, uint32_t bank, const DoneCallback& done);
    // Called after a column command at now_ that completed no request and came without a row command, when no
    // arrival or refresh falls due before `event` and the row bus's next command is at row_cycle (> now_): until
    // then nothing advance()'s step reads changes but the column registers, so the next column commands are
    // decided here, each as advance() would, without its step's checks, while each is the step's only command and
    // before `until`. Returns with the column choice cached when something else comes first or a request completes.
    template <unsigned dir>
    void run_columns(uint64_t row_cycle, uint64_t event, uint64_t until, const DoneCallback& done);
    void take_column(uint64_t t, const ColChoice& col, unsigned dir, bool row_too, uint64_t row_cycle, uint64_t event,
                     uint64_t until, const DoneCallback& done);
    void complete(uint64_t t, int32_t slot, unsigned dir, uint64_t data_end, const DoneCallback& done);
    void count_overtaking_hit(uint32_t bank, unsigned dir);
    void issue_activate(uint64_t t, uint32_t bank, uint32_t row);
    void issue_precharge(uint64_t t, uint32_t bank, bool for_conflict);
    void issue_refresh(uint64_t t);
    void close_bank(uint64_t t, uint32_t bank, bool for_conflict);
    bool skip_idle_refreshes(uint64_t limit_cycle);
    void log(uint64_t cycle, HbmCommandKind kind, uint32_t bank, uint32_t row, uint32_t column) {
        if (log_) append_log(cycle, kind, bank, row, column);
    }
    void append_log(uint64_t cycle, HbmCommandKind kind, uint32_t bank, uint32_t row, uint32_t column);

    // Configuration, in cycles.
    HbmTiming t_;
    HbmControllerConfig ctl_;
    uint64_t tck_ps_;
    uint32_t burst_, access_bytes_, banks_per_group_, bank_groups_, banks_, rows_, columns_;
    unsigned group_shift_;  // bank >> group_shift_ = bank group (banks_per_group is a power of two)

    // Time.
    uint64_t decided_until_ps_ = 0;
    uint64_t now_ = 0;  // first undecided cycle: ceil(decided_until_ps_ / tCK)

    // Requests.
    Ring<Waiting> pending_;           // submitted, not yet arrived; sorted by (arrival_ps, submission)
    uint64_t next_arrival_ = kNever;  // pending_.front().ready_cycle (kNever: none pending)
    Ring<Waiting> overflow_[2];       // arrived while the window was full, oldest first
    std::vector<Slot> slots_;         // 2 x queue_depth: reads in [0, depth), writes in [depth, 2 depth)
    std::vector<int32_t> free_slots_[2];
    uint32_t window_count_[2] = {0, 0};
    uint64_t queued_mask_[2] = {0, 0};  // banks with window requests of this direction (bit = bank)
    uint64_t hit_mask_[2] = {0, 0};     // ... of which some hit the bank's open row (Bank::first_hit set)
    // The banks of hit_mask_, ordered by the age of their first hit (oldest first): the column choice walks this,
    // which is the walk of the window in age order with every request but the banks' first hits left out.
    static constexpr uint32_t kMaxBanks = 64;
    uint8_t hit_order_[2][kMaxBanks] = {};
    uint32_t hit_order_size_[2] = {0, 0};
    // Each bank's earliest RD/WR (tRCD after its ACT), beside the order rather than in Bank: the column choice walks
    // the banks with hits reading only these, the order and the bank groups, and loads the Bank of the one it takes.
    uint64_t col_ready_[kMaxBanks] = {};
    // controller.row_hit_cap, per direction: each bank's column commands since its ACT that hit the open row while
    // an older request wanted another row (the served request was not the bank's head), and the banks whose count
    // has reached the cap: enter_window() and leave_window() give them no first hit, as if nothing hit the row, until
    // their next ACT (which clears both; closing the bank drops the first hits anyway).
    // Decided by the command stream alone, so the cached choices stay exact (set_first_hit() drops them).
    std::vector<uint32_t> hit_streak_[2];
    uint64_t capped_mask_[2] = {0, 0};
    bool capped(uint32_t bank, unsigned dir) const { return (capped_mask_[dir] >> bank) & 1; }
    uint64_t next_submit_seq_ = 0, next_arrival_seq_ = 0;
    bool draining_ = false;
    // Completion times (to the data) not yet passed by an arrival, per direction, for max_occupancy. Each is in
    // order: a direction's completions are its column commands' cycles plus a constant.
    Ring<uint64_t> done_later_[2];

    // Banks and buses.
    std::vector<Bank> bank_;
    std::vector<int32_t> bank_tail_[2];       // the bank's newest request of each direction (kNone: none)
    std::vector<uint64_t> first_hit_seq_[2];  // seq of Bank::first_hit (meaningless when kNone), by bank
    std::vector<Group> group_;
    uint64_t next_col_[2] = {0, 0};  // tCCD_S, tRTW, tWTR_S, the data bus, one column command per cycle
    uint64_t col_gap_[2][2];         // [from][to]: what a column command adds to next_col_ (from its cycle)
    uint64_t next_act_ = 0;          // tRRD_S
    uint64_t row_bus_free_ = 0;      // one row command per cycle
    uint64_t faw_[4] = {0, 0, 0, 0};
    unsigned faw_count_ = 0, faw_next_ = 0;
    int last_col_dir_ = -1;

    // Refresh.
    uint64_t refresh_index_ = 0;      // the next refresh to do (all-bank: the k-th; per-bank: one bank each)
    uint64_t refresh_due_cycle_ = 0;  // refresh_due(refresh_index_)
    uint32_t refresh_bank_ = 0;       // refresh_bank(refresh_index_)
    bool refresh_pending_ = false;

    // The row-bus choice changes only with row commands, the window's contents, the direction and refresh; it is
    // kept between steps and dropped on any of those (exact: its cycle is never behind now_).
    mutable RowChoice row_choice_;
    mutable bool row_choice_valid_ = false;
    mutable unsigned row_choice_dir_ = 0;
    // The column-bus choice likewise: it reads the banks' first hits (set_first_hit), tRCD (only of banks with hits:
    // an ACT counts through set_first_hit), the bus and bank-group registers (issue_column) and the refresh bank.
    // Time alone does not change either choice: while now_ has not passed a choice's cycle, the cycle of every
    // candidate (max of now_ and its registers) is either that of now_ or unchanged, and no candidate overtakes it.
    mutable ColChoice col_choice_;
    mutable bool col_choice_valid_ = false;
    mutable unsigned col_choice_dir_ = 0;

    bool advancing_ = false;              // inside advance(): the completion callback must not re-enter
    const DoneCallback* done_ = nullptr;  // advance()'s callback, for early write acknowledgements
    // next_decision_ps() in cycles, as advance() left it (and submit() brought forward); invalid inside advance().
    mutable uint64_t next_cache_cycle_ = 0;
    mutable bool next_cache_valid_ = false;
    std::vector<HbmCommand>* log_ = nullptr;
    HbmChannelStats stats_;
};

}  // namespace npuemu::mem
