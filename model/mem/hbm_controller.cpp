// HbmChannelController: one pseudo channel's scheduler and banks. Decisions are made by arithmetic on "earliest
// cycle" registers (per bank, per bank group, per channel), jumping from one decision to the next instead of ticking
// every clock: each step finds the earliest command any window request (or refresh) could issue, and the earliest
// event (an arrival, a refresh falling due) that could change that choice, and takes whichever comes first.
#include "model/mem/hbm_controller.h"
#include "model/mem/hbm_controller_detail.h"

#include <algorithm>
#include <functional>
#include <string>

#include "model/common/error.h"

namespace npuemu::mem {

using detail::arrives_before;
using detail::max2;
using detail::min2;

HbmChannelController::HbmChannelController(const HbmConfig& config) : t_(config.timing), ctl_(config.controller) {
    // The address mapping and the stack count concern the whole memory, not one pseudo channel.
    std::string message;
    for (const auto& p : check_hbm_config(config)) {
        if (p.key.rfind("address_mapping", 0) == 0 || p.key == "stacks") continue;
        message += "\n  " + p.key + ": " + p.message;
    }
    if (!message.empty())
        throw Error("HBM configuration" + (config.preset.empty() ? std::string() : " '" + config.preset + "'") +
                    " is not usable for a pseudo channel:" + message);
    const HbmGeometry& g = config.geometry;
    tck_ps_ = config.clock_period_ps();
    burst_ = config.burst_cycles();
    access_bytes_ = g.access_bytes();
    banks_per_group_ = g.banks_per_group;
    group_shift_ = static_cast<unsigned>(__builtin_ctz(g.banks_per_group));  // a power of two (checked)
    bank_groups_ = g.bank_groups;
    banks_ = g.banks();
    rows_ = g.rows;
    columns_ = g.columns();

    const uint32_t depth = ctl_.queue_depth;
    slots_.resize(size_t(depth) * 2);
    for (unsigned dir = 0; dir < 2; ++dir) {
        free_slots_[dir].reserve(depth);
        for (uint32_t i = depth; i-- > 0;) free_slots_[dir].push_back(static_cast<int32_t>(dir * depth + i));
    }
    bank_.resize(banks_);
    for (unsigned dir = 0; dir < 2; ++dir) {
        bank_tail_[dir].assign(banks_, kNone);
        first_hit_seq_[dir].assign(banks_, 0);
        hit_streak_[dir].assign(banks_, 0);
    }
    group_.resize(bank_groups_);

    // After a column command of direction d at cycle t, the next of direction e waits until t + col_gap_[d][e]
    // (the channel's registers; issue_column() applies them). Each is the largest of the rules that apply, every
    // one a constant offset from t (data_end = t + tCL or tWL + burst):
    //   RD -> RD, WR -> WR: tCCD_S; the data bus (the next burst starts when this one ends: data_end - tCL or - tWL
    //                       = t + burst); one column command per cycle (t + 1).
    //   RD -> WR: tRTW; the data bus (data_end - tWL = t + tCL + burst - tWL); t + 1.
    //   WR -> RD: tWTR_S after the write data (data_end + tWTR_S), which is beyond the data bus (data_end - tCL)
    //             and t + 1.
    const auto at_least_1 = [](int64_t v) { return static_cast<uint64_t>(v < 1 ? 1 : v); };
    const int64_t burst = burst_, tCL = t_.tCL_cycles, tWL = t_.tWL_cycles;
    col_gap_[kRead][kRead] = col_gap_[kWrite][kWrite] = at_least_1(std::max<int64_t>(t_.tCCD_S_cycles, burst));
    col_gap_[kRead][kWrite] = at_least_1(std::max<int64_t>(t_.tRTW_cycles, tCL + burst - tWL));
    col_gap_[kWrite][kRead] = at_least_1(tWL + burst + t_.tWTR_S_cycles);
    next_arrival_seq_ = 1;  // 0 is the refresh's: it wins ties on the row bus
    refresh_due_cycle_ = refresh_due(0);
    refresh_bank_ = refresh_bank(0);
}

void HbmChannelController::set_command_log(std::vector<HbmCommand>* log) { log_ = log; }
const HbmChannelStats& HbmChannelController::stats() const { return stats_; }
uint64_t HbmChannelController::decided_until_ps() const { return decided_until_ps_; }

size_t HbmChannelController::queued_requests() const {
    return pending_.size() + overflow_[0].size() + overflow_[1].size() + window_count_[0] + window_count_[1];
}

void HbmChannelController::append_log(uint64_t cycle, HbmCommandKind kind, uint32_t bank, uint32_t row,
                                      uint32_t column) {
    HbmCommand c;
    c.cycle = cycle;
    c.kind = kind;
    c.bank_group = bank >> group_shift_;
    c.bank = bank & (banks_per_group_ - 1);
    c.row = row;
    c.column = column;
    log_->push_back(c);
}

// ---------------------------------------------------------------------------------------------------------------
// Policy.

bool HbmChannelController::next_draining() const {
    if (!draining_) return window_count_[kWrite] >= ctl_.write_high_watermark;
    return window_count_[kWrite] > ctl_.write_low_watermark;
}

unsigned HbmChannelController::active_dir(bool draining) const {
    return (draining || window_count_[kRead] == 0) ? kWrite : kRead;
}

uint64_t HbmChannelController::refresh_due(uint64_t index) const {
    const uint64_t refi = t_.tREFI_cycles;
    if (ctl_.refresh == RefreshMode::AllBank) return (index + 1) * refi;
    // Per bank: bank i is due at i x tREFI / banks into each interval, the first interval starting at tREFI.
    return (index / banks_ + 1) * refi + (index % banks_) * refi / banks_;
}

uint32_t HbmChannelController::refresh_bank(uint64_t index) const { return static_cast<uint32_t>(index % banks_); }

inline void HbmChannelController::choose(uint64_t now, unsigned dir) const {
    if (refresh_pending_ && ctl_.refresh == RefreshMode::AllBank) {
        // Nothing but the refresh (not cached: it is not a direction's choice, and rare).
        choose_all_bank_refresh(now, row_choice_);
        row_choice_valid_ = false;
        col_choice_ = ColChoice();
        col_choice_valid_ = false;
        return;
    }
    // Each bus from its cache when nothing it depends on has changed.
    if (!row_choice_valid_ || row_choice_dir_ != dir || row_choice_.cycle < now) {
        choose_row(now, dir, row_choice_);
        row_choice_valid_ = true;
        row_choice_dir_ = dir;
    }
    if (!col_choice_valid_ || col_choice_dir_ != dir || col_choice_.cycle < now) {
        if (dir == kRead)
            choose_column<kRead>(now, col_choice_);
        else
            choose_column<kWrite>(now, col_choice_);
        col_choice_valid_ = true;
        col_choice_dir_ = dir;
    }
#ifdef NPUEMU_HBM_VERIFY_ROW_CACHE
    RowChoice row;
    choose_row(now, dir, row);
    if (row.cycle != row_choice_.cycle || row.kind != row_choice_.kind ||
        (row.kind != RowChoice::Kind::None && row.bank != row_choice_.bank))
        throw Error("HBM controller: stale row-command cache at cycle " + std::to_string(now));
    ColChoice col;
    if (dir == kRead)
        choose_column<kRead>(now, col);
    else
        choose_column<kWrite>(now, col);
    if (col.cycle != col_choice_.cycle || col.slot != col_choice_.slot)
        throw Error("HBM controller: stale column-command cache at cycle " + std::to_string(now));
#endif
}

void HbmChannelController::choose_all_bank_refresh(uint64_t now, RowChoice& c) const {
    // Precharge the open banks, then REF once all are closed.
    c = RowChoice();
    bool any_open = false;
    uint64_t ref_at = max2(now, row_bus_free_);
    for (uint32_t b = 0; b < banks_; ++b) {
        const Bank& k = bank_[b];
        if (k.open) {
            any_open = true;
            const uint64_t t = max2(max2(now, k.pre_ready), row_bus_free_);
            if (t < c.cycle) {
                c.cycle = t;
                c.kind = RowChoice::Kind::RefreshPrecharge;
                c.bank = b;
            }
        } else {
            ref_at = max2(ref_at, k.act_ready);
        }
    }
    if (!any_open) {
        c.cycle = ref_at;
        c.kind = RowChoice::Kind::Refresh;
    }
}

template <unsigned dir>
inline void HbmChannelController::choose_column(uint64_t now, ColChoice& c) const {
    // Among the requests that hit an open row, the one that can issue earliest, the oldest on a tie. A column
    // command's earliest cycle depends on its bank (tRCD), its bank group (tCCD_L, tWTR_L) and the channel
    // (col_floor), not on the request, so of each bank only its first (oldest) hit can win. Walk the banks with hits
    // in the age order of their first hits: stop at one that can issue at the floor (nothing beats it, and it is the
    // oldest of any that tie), else take the earliest, the first seen on a tie. The bank being refreshed is left out.
    const uint32_t skip = refresh_pending_ ? refresh_bank_ : kMaxBanks;
    const uint64_t col_floor = max2(now, next_col_[dir]);
    const uint8_t* order = hit_order_[dir];
    const Bank* banks = bank_.data();
    const Group* groups = group_.data();
    uint64_t best = kNever;
    uint32_t best_bank = 0;
    for (uint32_t i = 0, n = hit_order_size_[dir]; i < n; ++i) {
        const uint32_t b = order[i];
        if (b == skip) continue;
        const uint64_t t = max2(max2(col_floor, col_ready_[b]), groups[b >> group_shift_].next_col[dir]);
        if (t < best) {
            best = t;
            best_bank = b;
            if (t == col_floor) break;
        }
    }
    c.cycle = best;
    c.slot = best == kNever ? kNone : banks[best_bank].first_hit[dir];
    c.bank = best_bank;
}

void HbmChannelController::choose_row(uint64_t now, unsigned dir, RowChoice& c) const {
    c = RowChoice();
    int64_t refresh_bank_index = -1;
    if (refresh_pending_) {  // per bank (all-bank refresh is handled by choose_all_bank_refresh())
        const uint32_t rb = refresh_bank_;
        refresh_bank_index = rb;
        const Bank& k = bank_[rb];
        c.cycle = max2(max2(now, k.open ? k.pre_ready : k.act_ready), row_bus_free_);
        c.kind = k.open ? RowChoice::Kind::RefreshPrecharge : RowChoice::Kind::Refresh;
        c.bank = rb;
        c.seq = 0;
    }
    uint64_t act_floor = max2(max2(now, next_act_), row_bus_free_);
    if (faw_count_ == 4) act_floor = max2(act_floor, faw_[faw_next_] + t_.tFAW_cycles);
    const uint64_t pre_floor = max2(now, row_bus_free_);
    for (uint64_t mask = queued_mask_[dir] & ~hit_mask_[dir]; mask != 0; mask &= mask - 1) {
        const auto b = static_cast<uint32_t>(__builtin_ctzll(mask));
        if (static_cast<int64_t>(b) == refresh_bank_index) continue;
        const Bank& k = bank_[b];
        // Open: the oldest request of this bank wants another row and nothing queued in this direction hits the
        // open one: precharge. Closed: activate the row of the bank's oldest request.
        const uint64_t t = k.open ? max2(pre_floor, k.pre_ready)
                                  : max2(max2(act_floor, k.act_ready), group_[b >> group_shift_].next_act);
        const uint64_t seq = k.head_seq[dir];
        if (t < c.cycle || (t == c.cycle && seq < c.seq)) {
            c.cycle = t;
            c.kind = k.open ? RowChoice::Kind::Precharge : RowChoice::Kind::Activate;
            c.bank = b;
            c.slot = k.head[dir];
            c.seq = seq;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The column command (ACT, PRE, REF and completions: hbm_commands.cpp; the request window: hbm_request_window.cpp).

template <unsigned dir, bool same_dir_as_last>
inline bool HbmChannelController::issue_column(uint64_t t, int32_t index, uint32_t bank, const DoneCallback& done) {
    Slot& s = slots_[index];
    Bank& k = bank_[bank];
    Group& g = group_[bank >> group_shift_];

    // The row-hit cap: this column overtook the bank's oldest request (the column choice serves a bank's oldest hit,
    // so a request older than it wants another row). At the cap the bank's later hits are passed over once this
    // request completes (leave_window()).
    if (k.head[dir] != index) count_overtaking_hit(bank, dir);
    if (k.first_column == FirstColumn::Hit) {  // all but the first column after an ACT: tested first
        ++stats_.row_hits;
    } else {
        ++(k.first_column == FirstColumn::Miss ? stats_.row_misses : stats_.row_conflicts);
        k.first_column = FirstColumn::Hit;
    }
    if (!same_dir_as_last) {
        if (last_col_dir_ >= 0 && static_cast<unsigned>(last_col_dir_) != dir) {
            if (dir == kWrite)
                ++stats_.read_to_write_turnarounds;
            else
                ++stats_.write_to_read_turnarounds;
        }
        last_col_dir_ = static_cast<int>(dir);
    }
    log(t, dir == kRead ? HbmCommandKind::Read : HbmCommandKind::Write, bank, s.row, s.next_column);

    const uint64_t latency = dir == kRead ? t_.tCL_cycles : t_.tWL_cycles;
    const uint64_t data_end = t + latency + burst_;
    invalidate_col_choice();  // the bus and bank-group registers below
    stats_.data_bus_busy_cycles += burst_;
    (dir == kRead ? stats_.read_bytes : stats_.write_bytes) += access_bytes_;

    // The channel: tCCD_S, tRTW, tWTR_S, the data bus, one command per cycle (see col_gap_ in the constructor).
    next_col_[kRead] = max2(next_col_[kRead], t + col_gap_[dir][kRead]);
    next_col_[kWrite] = max2(next_col_[kWrite], t + col_gap_[dir][kWrite]);
    g.next_col[dir] = max2(g.next_col[dir], t + t_.tCCD_L_cycles);
    if (dir == kRead) {
        k.pre_ready = max2(k.pre_ready, t + t_.tRTP_cycles);
    } else {
        g.next_col[kRead] = max2(g.next_col[kRead], data_end + t_.tWTR_L_cycles);
        k.pre_ready = max2(k.pre_ready, data_end + t_.tWR_cycles);
    }

    ++s.next_column;
    if (--s.columns_left != 0) return false;
    complete(t, index, dir, data_end, done);
    return true;
}

template <unsigned dir>
[[gnu::always_inline]] inline void HbmChannelController::run_columns(uint64_t row_cycle, uint64_t event, uint64_t until,
                                                                     const DoneCallback& done) {
    const uint64_t limit = min2(min2(row_cycle, event), until);
    for (;;) {
        ColChoice col;  // kept aside: issuing drops the cached choice anyway
        choose_column<dir>(now_, col);
        const uint64_t t = col.cycle;
        if (t >= limit) {
            // What advance() would do next is not this column alone: leave it to advance() (the choice cached).
            col_choice_ = col;
            col_choice_valid_ = true;
            col_choice_dir_ = dir;
            return;
        }
        now_ = t;
        // The previous column command was of this direction too: no turnaround to count.
        if (issue_column<dir, true>(t, col.slot, col.bank, done)) return;
    }
}

// The column command advance() has chosen, at now_ == t with nothing else at t but (when row_too) a row command.
inline void HbmChannelController::take_column(uint64_t t, const ColChoice& col, unsigned dir, bool row_too,
                                              uint64_t row_cycle, uint64_t event, uint64_t until,
                                              const DoneCallback& done) {
    if (dir == kRead) {
        if (!issue_column<kRead>(t, col.slot, col.bank, done) && !row_too)
            run_columns<kRead>(row_cycle, event, until, done);
    } else {
        if (!issue_column<kWrite>(t, col.slot, col.bank, done) && !row_too)
            run_columns<kWrite>(row_cycle, event, until, done);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Time.

bool HbmChannelController::skip_idle_refreshes(uint64_t limit) {
    // An idle channel with every bank closed refreshes exactly when each refresh falls due: count them instead of
    // stepping through them. Same results as the step-by-step path, which handles everything else.
    const uint64_t first = refresh_index_;
    const uint64_t first_due = refresh_due(first);
    if (first_due >= limit || row_bus_free_ > first_due) return false;
    for (const Bank& k : bank_)
        if (k.open) return false;

    uint64_t last = first;
    if (ctl_.refresh == RefreshMode::AllBank) {
        for (const Bank& k : bank_)
            if (k.act_ready > first_due) return false;
        last = (limit - 1) / t_.tREFI_cycles - 1;  // the last k with (k + 1) x tREFI < limit
        const uint64_t last_due = refresh_due(last);
        for (Bank& k : bank_) k.act_ready = last_due + t_.tRFC_cycles;
        stats_.refresh_cycles += (last - first + 1) * t_.tRFC_cycles;
        if (log_)
            for (uint64_t i = first; i <= last; ++i) log(refresh_due(i), HbmCommandKind::RefreshAllBanks, 0, 0, 0);
    } else {
        const uint64_t n_banks = banks_;
        // Each bank's first refresh in the batch must find it ready (later ones do: tRFCpb < tREFI).
        for (uint32_t b = 0; b < banks_; ++b) {
            const uint64_t j = first + (b + n_banks - first % n_banks) % n_banks;
            const uint64_t due = refresh_due(j);
            if (due < limit && bank_[b].act_ready > due) return false;
        }
        // The last j with refresh_due(j) < limit (refresh_due increases strictly: tREFI >= banks).
        uint64_t lo = first, hi = (limit / t_.tREFI_cycles + 1) * n_banks;
        while (lo < hi) {
            const uint64_t mid = lo + (hi - lo + 1) / 2;
            if (refresh_due(mid) < limit)
                lo = mid;
            else
                hi = mid - 1;
        }
        last = lo;
        for (uint32_t b = 0; b < banks_; ++b) {
            const uint64_t back = (last % n_banks + n_banks - b) % n_banks;
            if (back > last || last - back < first) continue;  // not refreshed in this batch
            bank_[b].act_ready = refresh_due(last - back) + t_.tRFCpb_cycles;
        }
        stats_.refresh_cycles += (last - first + 1) * t_.tRFCpb_cycles;
        if (log_)
            for (uint64_t i = first; i <= last; ++i)
                log(refresh_due(i), HbmCommandKind::RefreshBank, refresh_bank(i), 0, 0);
    }
    stats_.refreshes += last - first + 1;
    const uint64_t last_due = refresh_due(last);
    row_bus_free_ = last_due + 1;
    refresh_index_ = last + 1;
    refresh_due_cycle_ = refresh_due(refresh_index_);
    refresh_bank_ = refresh_bank(refresh_index_);
    invalidate_row_choice();
    invalidate_col_choice();
    now_ = max2(now_, last_due);
    return true;
}

void HbmChannelController::advance(uint64_t until_ps, const DoneCallback& done) {
    if (advancing_) throw Error("HBM controller: advance() called from a completion callback");
    if (until_ps <= decided_until_ps_) return;
    struct Guard {
        bool& flag;
        const DoneCallback*& callback;
        ~Guard() {
            flag = false;
            callback = nullptr;
        }
    } guard{advancing_, done_};
    advancing_ = true;
    done_ = &done;

    const uint64_t until = cycle_of_ps_ceil(until_ps);  // decide cycles < until, i.e. at times < until_ps
    for (;;) {
        if (next_arrival_ <= now_) admit_arrivals();
        if (!refresh_pending_ && refresh_due_cycle_ <= now_) {
            refresh_pending_ = true;
            invalidate_row_choice();
            invalidate_col_choice();
        }
        const bool draining = next_draining();
        if (draining && !draining_) ++stats_.write_drains;
        draining_ = draining;
        const uint64_t next_arrival = next_arrival_;
        if (window_count_[kRead] + window_count_[kWrite] == 0 && !refresh_pending_ &&
            skip_idle_refreshes(min2(until, next_arrival)))
            continue;

        const unsigned dir = active_dir(draining_);
        choose(now_, dir);
        const uint64_t event = min2(next_arrival, refresh_pending_ ? kNever : refresh_due_cycle_);
        const uint64_t t = min2(col_choice_.cycle, row_choice_.cycle);
        if (event <= t) {  // something may change the choice first: take it in, then choose again
            if (event >= until) {
                // What next_decision_ps() would compute now (an idle channel's refreshes do not count).
                next_cache_cycle_ = window_count_[kRead] + window_count_[kWrite] == 0 ? next_arrival : event;
                next_cache_valid_ = true;
                break;
            }
            now_ = event;
            continue;
        }
        if (t >= until) {
            next_cache_cycle_ = window_count_[kRead] + window_count_[kWrite] == 0 ? next_arrival : t;
            next_cache_valid_ = true;
            break;
        }
        next_cache_valid_ = false;
        now_ = t;
        const RowChoice row = row_choice_;  // issuing drops the cached choices
        const ColChoice col = col_choice_;
        if (row.cycle == t) {
            switch (row.kind) {
                case RowChoice::Kind::Activate: issue_activate(t, row.bank, slots_[row.slot].row); break;
                case RowChoice::Kind::Precharge: issue_precharge(t, row.bank, true); break;
                case RowChoice::Kind::RefreshPrecharge: issue_precharge(t, row.bank, false); break;
                case RowChoice::Kind::Refresh: issue_refresh(t); break;
                case RowChoice::Kind::None: break;
            }
        }
        // A column command alone, completing nothing: the next ones are decided in a tighter loop while they stay
        // alone (run_columns()).
        if (col.cycle == t) take_column(t, col, dir, row.cycle == t, row.cycle, event, until, done);
    }
    now_ = max2(now_, until);
    decided_until_ps_ = until_ps;
}

uint64_t HbmChannelController::compute_next_decision_ps() const {
    if (queued_requests() == 0) return UINT64_MAX;
    uint64_t best = next_arrival_;
    if (window_count_[kRead] + window_count_[kWrite] != 0) {
        choose(now_, active_dir(next_draining()));
        best = min2(best, min2(col_choice_.cycle, row_choice_.cycle));
        if (!refresh_pending_) best = min2(best, max2(now_, refresh_due_cycle_));
    }
#ifdef NPUEMU_HBM_VERIFY_ROW_CACHE
    if (next_cache_valid_ && next_cache_cycle_ != best) {
        throw Error("HBM controller: stale next-decision cache: " + std::to_string(next_cache_cycle_) + " vs " +
                    std::to_string(best) + " now " + std::to_string(now_) + " pending " +
                    std::to_string(pending_.empty() ? kNever : pending_.front().ready_cycle) + " col " +
                    std::to_string(col_choice_.cycle) + " row " + std::to_string(row_choice_.cycle) +
                    " refresh_pending " + std::to_string(refresh_pending_) + " due " +
                    std::to_string(refresh_due_cycle_) + " draining " + std::to_string(draining_) + "/" +
                    std::to_string(next_draining()));
    }
#endif
    next_cache_cycle_ = best;
    next_cache_valid_ = true;
    if (best == kNever) return UINT64_MAX;
    return best * tck_ps_;
}

}  // namespace npuemu::mem
