// HbmChannelController, its requests: pending (not yet arrived), the scheduler window (the first queue_depth of each
// direction), each bank's list and its first row hit.
#include "model/mem/hbm_controller.h"
#include "model/mem/hbm_controller_detail.h"

#include <algorithm>
#include <string>

#include "model/common/error.h"

namespace npuemu::mem {

using detail::arrives_before;
using detail::max2;
using detail::min2;

// ---------------------------------------------------------------------------------------------------------------
// Requests: pending (not yet arrived) -> window (the first queue_depth of each queue) or overflow -> completion.

void HbmChannelController::submit(const HbmRequest& r) {
    if (advancing_)
        throw Error("HBM controller: submit() called from a completion callback; submit after advance() returns");
    if (r.arrival_ps < decided_until_ps_)
        throw Error("HBM request (tag " + std::to_string(r.tag) + ") arrives at " + std::to_string(r.arrival_ps) +
                    " ps, before " + std::to_string(decided_until_ps_) +
                    " ps, up to which the controller has already decided");
    if (r.bank_group >= bank_groups_ || r.bank >= banks_per_group_ || r.row >= rows_ || r.columns == 0 ||
        r.column >= columns_ || r.columns > columns_ - r.column)
        throw Error("HBM request (tag " + std::to_string(r.tag) + ") to bank group " + std::to_string(r.bank_group) +
                    ", bank " + std::to_string(r.bank) + ", row " + std::to_string(r.row) + ", columns " +
                    std::to_string(r.column) + "+" + std::to_string(r.columns) + " does not fit a pseudo channel of " +
                    std::to_string(bank_groups_) + " bank groups x " + std::to_string(banks_per_group_) + " banks x " +
                    std::to_string(rows_) + " rows x " + std::to_string(columns_) + " columns");
    Waiting w;
    w.request = r;
    w.ready_cycle = cycle_of_ps_ceil(r.arrival_ps);
    w.seq = next_submit_seq_++;
    pending_.insert_sorted(
        w, [](const Waiting& a, const Waiting& b) { return arrives_before(a.request, a.seq, b.request, b.seq); });
    next_arrival_ = pending_.front().ready_cycle;
    // A new arrival changes next_decision_ps() only by being earlier: the window and the choices are as they were.
    if (next_cache_valid_) next_cache_cycle_ = min2(next_cache_cycle_, w.ready_cycle);
}

void HbmChannelController::admit_arrivals() {
    while (!pending_.empty() && pending_.front().ready_cycle <= now_) {
        Waiting w = pending_.front();
        pending_.pop_front();
        next_arrival_ = pending_.empty() ? kNever : pending_.front().ready_cycle;
        // Occupancy at this arrival: everything queued, everything done later than now, and this one.
        for (Ring<uint64_t>& d : done_later_)
            while (!d.empty() && d.front() <= w.request.arrival_ps) d.pop_front();
        const uint64_t occupancy = window_count_[0] + window_count_[1] + overflow_[0].size() + overflow_[1].size() +
                                   done_later_[0].size() + done_later_[1].size() + 1;
        stats_.max_occupancy = max2(stats_.max_occupancy, occupancy);

        w.seq = next_arrival_seq_++;
        const unsigned dir = w.request.write ? kWrite : kRead;
        if (window_count_[dir] < ctl_.queue_depth)
            enter_window(w, dir);
        else
            overflow_[dir].push_back(w);
    }
}

void HbmChannelController::enter_window(const Waiting& w, unsigned dir) {
    const int32_t index = free_slots_[dir].back();
    free_slots_[dir].pop_back();
    Slot& s = slots_[index];
    s.tag = w.request.tag;
    s.arrival_ps = w.request.arrival_ps;
    s.seq = w.seq;
    s.bank = (w.request.bank_group << group_shift_) + w.request.bank;
    s.row = w.request.row;
    s.next_column = w.request.column;
    s.columns_left = w.request.columns;
    Bank& b = bank_[s.bank];
    int32_t& tail = bank_tail_[dir][s.bank];
    const bool new_head = tail == kNone;
    s.prev = tail;
    s.next = kNone;
    if (tail != kNone) {
        slots_[tail].next = index;
    } else {
        b.head[dir] = index;
        b.head_seq[dir] = s.seq;
    }
    tail = index;
    queued_mask_[dir] |= uint64_t(1) << s.bank;
    // Early write acknowledgement: the write is the controller's now (at its arrival, or when a slot freed).
    if (dir == kWrite && ctl_.early_write_ack && done_ && *done_) (*done_)(s.tag, max2(s.arrival_ps, now_ * tck_ps_));
    // The newest request is the youngest: it is the bank's first hit only if it has none.
    const bool new_first_hit = b.open && b.row == s.row && b.first_hit[dir] == kNone && !capped(s.bank, dir);
    if (new_first_hit) set_first_hit(s.bank, dir, index);
    ++window_count_[dir];
    // The row choice reads only the banks with requests of this direction and no hit, and their oldest requests:
    // a request queued behind others that does not become its bank's first hit leaves it as it was.
    if (new_head || new_first_hit) invalidate_row_choice();
}

void HbmChannelController::leave_window(int32_t index, unsigned dir) {
    Slot& s = slots_[index];
    Bank& b = bank_[s.bank];
    // The bank's next hit of this direction, if any, becomes its first.
    // A bank at row_hit_cap offers no more hits: they wait for its next ACT (which clears the cap).
    // The row choice passes over a bank with a hit: when the bank keeps one (the usual case: its next request hits
    // the open row too), its list changing below leaves the row choice as it was.
    bool keeps_hit = false;
    if (b.first_hit[dir] == index) {
        const int32_t next_hit = capped(s.bank, dir) ? kNone : first_hit_from(s.next, b.row);
        if (next_hit == kNone) {
            set_first_hit(s.bank, dir, kNone);
        } else {
            move_first_hit_back(s.bank, dir, next_hit);
            keeps_hit = true;
        }
    }
    if (s.prev != kNone)
        slots_[s.prev].next = s.next;
    else
        b.head[dir] = s.next;
    if (s.next != kNone) {
        Slot& n = slots_[s.next];
        n.prev = s.prev;
        if (n.prev == kNone) b.head_seq[dir] = n.seq;
    } else {
        bank_tail_[dir][s.bank] = s.prev;
    }
    if (b.head[dir] == kNone) queued_mask_[dir] &= ~(uint64_t(1) << s.bank);
    free_slots_[dir].push_back(index);
    if (!keeps_hit) invalidate_row_choice();
    --window_count_[dir];
    if (!overflow_[dir].empty()) {
        const Waiting w = overflow_[dir].front();
        overflow_[dir].pop_front();
        enter_window(w, dir);
    }
}

// The first request at or after `slot` in its bank's list (one direction) that wants `row`; kNone if none.
int32_t HbmChannelController::first_hit_from(int32_t slot, uint32_t row) const {
    while (slot != kNone && slots_[slot].row != row) slot = slots_[slot].next;
    return slot;
}

// Sets a bank's first hit of one direction (kNone: no hit, or none offered: the bank has reached row_hit_cap) and
// keeps hit_mask_ and hit_order_ in step.
void HbmChannelController::set_first_hit(uint32_t bank, unsigned dir, int32_t slot) {
    Bank& k = bank_[bank];
    if (k.first_hit[dir] == kNone && slot == kNone) return;  // nothing changes
    invalidate_col_choice();
    uint8_t* order = hit_order_[dir];
    uint32_t& n = hit_order_size_[dir];
    if (k.first_hit[dir] != kNone) {  // out of the order
        uint32_t i = 0;
        while (order[i] != bank) ++i;
        for (--n; i < n; ++i) order[i] = order[i + 1];
    }
    k.first_hit[dir] = slot;
    const uint64_t bit = uint64_t(1) << bank;
    if (slot == kNone) {
        hit_mask_[dir] &= ~bit;
        return;
    }
    hit_mask_[dir] |= bit;
    // Into the order by age (seq): usually near the back, as the bank's new first hit tends to be young.
    const uint64_t seq = slots_[slot].seq;
    uint64_t* hit_seq = first_hit_seq_[dir].data();
    hit_seq[bank] = seq;
    uint32_t i = n++;
    while (i > 0 && hit_seq[order[i - 1]] > seq) {
        order[i] = order[i - 1];
        --i;
    }
    order[i] = static_cast<uint8_t>(bank);
}

// A bank's first hit of one direction passes to a younger request of its list (`slot`, after the one leaving): the
// bank moves back in the hit order, past the banks whose first hits are older than the new one. The same order as
// set_first_hit()'s removal and insertion (seqs are distinct), in one pass.
void HbmChannelController::move_first_hit_back(uint32_t bank, unsigned dir, int32_t slot) {
    invalidate_col_choice();
    uint8_t* order = hit_order_[dir];
    const uint32_t n = hit_order_size_[dir];
    const uint64_t seq = slots_[slot].seq;
    uint64_t* hit_seq = first_hit_seq_[dir].data();
    uint32_t i = 0;
    while (order[i] != bank) ++i;
    for (; i + 1 < n && hit_seq[order[i + 1]] < seq; ++i) order[i] = order[i + 1];
    order[i] = static_cast<uint8_t>(bank);
    hit_seq[bank] = seq;
    bank_[bank].first_hit[dir] = slot;
}

}  // namespace npuemu::mem
