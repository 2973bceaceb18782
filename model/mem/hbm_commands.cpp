// HbmChannelController, its commands: ACT, PRE, REF and a request's completion, each applying the JEDEC timing rules
// to the bank, bank group and channel registers (the column command, on the hot path, is in hbm_controller.cpp).
#include "model/mem/hbm_controller.h"
#include "model/mem/hbm_controller_detail.h"

#include <algorithm>

namespace npuemu::mem {

using detail::arrives_before;
using detail::max2;
using detail::min2;

// ---------------------------------------------------------------------------------------------------------------
// Commands.

void HbmChannelController::issue_activate(uint64_t t, uint32_t bank, uint32_t row) {
    Bank& k = bank_[bank];
    Group& g = group_[bank >> group_shift_];
    k.open = true;
    k.row = row;
    col_ready_[bank] = t + t_.tRCD_cycles;
    k.pre_ready = t + t_.tRAS_cycles;
    k.act_ready = t + t_.tRC_cycles;
    k.first_column = k.closed_for_conflict ? FirstColumn::Conflict : FirstColumn::Miss;
    g.next_act = max2(g.next_act, t + t_.tRRD_L_cycles);
    next_act_ = max2(next_act_, t + t_.tRRD_S_cycles);
    row_bus_free_ = t + 1;
    faw_[faw_next_] = t;
    faw_next_ = (faw_next_ + 1) & 3;
    if (faw_count_ < 4) ++faw_count_;
    for (unsigned dir = 0; dir < 2; ++dir) {  // a new row: its row-hit streaks start again
        hit_streak_[dir][bank] = 0;
        capped_mask_[dir] &= ~(uint64_t(1) << bank);
    }
    for (unsigned dir = 0; dir < 2; ++dir) set_first_hit(bank, dir, first_hit_from(k.head[dir], row));
    invalidate_row_choice();
    ++stats_.activates;
    log(t, HbmCommandKind::Activate, bank, row, 0);
}

void HbmChannelController::close_bank(uint64_t t, uint32_t bank, bool for_conflict) {
    Bank& k = bank_[bank];
    k.open = false;
    k.act_ready = max2(k.act_ready, t + t_.tRP_cycles);
    for (unsigned dir = 0; dir < 2; ++dir) set_first_hit(bank, dir, kNone);
    k.closed_for_conflict = for_conflict;
    k.first_column = FirstColumn::Hit;
    invalidate_row_choice();
    ++stats_.precharges;
    log(t, HbmCommandKind::Precharge, bank, k.row, 0);
}

void HbmChannelController::issue_precharge(uint64_t t, uint32_t bank, bool for_conflict) {
    close_bank(t, bank, for_conflict);
    row_bus_free_ = t + 1;
}

void HbmChannelController::issue_refresh(uint64_t t) {
    if (ctl_.refresh == RefreshMode::AllBank) {
        for (Bank& k : bank_) k.act_ready = max2(k.act_ready, t + t_.tRFC_cycles);
        stats_.refresh_cycles += t_.tRFC_cycles;
        log(t, HbmCommandKind::RefreshAllBanks, 0, 0, 0);
    } else {
        const uint32_t b = refresh_bank_;
        bank_[b].act_ready = max2(bank_[b].act_ready, t + t_.tRFCpb_cycles);
        stats_.refresh_cycles += t_.tRFCpb_cycles;
        log(t, HbmCommandKind::RefreshBank, b, 0, 0);
    }
    ++stats_.refreshes;
    row_bus_free_ = t + 1;
    refresh_pending_ = false;
    ++refresh_index_;
    refresh_due_cycle_ = refresh_due(refresh_index_);
    refresh_bank_ = refresh_bank(refresh_index_);
    invalidate_row_choice();
    invalidate_col_choice();  // the refreshed bank was left out
}

// A column command hit bank `bank`'s open row ahead of an older request of direction `dir` to another row: the
// row-hit cap's count (out of line: off the column command's usual path).
void HbmChannelController::count_overtaking_hit(uint32_t bank, unsigned dir) {
    if (ctl_.row_hit_cap == 0 || ++hit_streak_[dir][bank] != ctl_.row_hit_cap) return;
    capped_mask_[dir] |= uint64_t(1) << bank;
    ++stats_.row_hit_caps;
}

// A request's last column command has issued at cycle t: it completes when its last data beat is through.
void HbmChannelController::complete(uint64_t t, int32_t index, unsigned dir, uint64_t data_end,
                                    const DoneCallback& done) {
    const Slot& s = slots_[index];
    const uint32_t bank = s.bank;
    const Bank& k = bank_[bank];
    const uint64_t done_ps = data_end * tck_ps_;
    const uint64_t tag = s.tag;
    const uint64_t latency_ps = done_ps - s.arrival_ps;
    if (dir == kRead) {
        ++stats_.read_requests;
        stats_.read_latency_ps.record(latency_ps);
    } else {
        ++stats_.write_requests;
        stats_.write_latency_ps.record(latency_ps);
    }
    stats_.occupancy_integral_ps += latency_ps;
    done_later_[dir].push_back(done_ps);
    leave_window(index, dir);
    if (ctl_.page_policy == PagePolicy::Closed && k.open && k.first_hit[kRead] == kNone &&
        k.first_hit[kWrite] == kNone) {
        // Auto-precharge (RDA/WRA): the bank closes as soon as tRAS, tRTP or tWR allow, without a row-bus slot.
        close_bank(max2(k.pre_ready, t), bank, false);
    }
    if (done && !(dir == kWrite && ctl_.early_write_ack)) done(tag, done_ps);
}

}  // namespace npuemu::mem
