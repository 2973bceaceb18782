// HbmAddressMap: offset -> location by precomputed bit pieces; byte ranges -> runs of consecutive columns.
#include "model/mem/hbm_address_map.h"

#include <algorithm>
#include <string>

#include "model/common/error.h"

namespace npuemu::mem {

HbmAddressMap::HbmAddressMap(const HbmConfig& config) {
    const auto problems = check_hbm_config(config);
    if (!problems.empty()) {
        std::string message = "HBM configuration";
        if (!config.preset.empty()) message += " '" + config.preset + "'";
        message += " is not usable:";
        for (const auto& p : problems) message += "\n  " + p.key + ": " + p.message;
        throw Error(message);
    }
    const HbmGeometry& g = config.geometry;
    capacity_bytes_ = g.capacity_bytes();
    access_bytes_ = g.access_bytes();
    access_shift_ = static_cast<unsigned>(__builtin_ctz(access_bytes_));
    channels_per_stack_ = g.channels_per_stack;
    pseudo_channels_per_channel_ = g.pseudo_channels_per_channel;
    pseudo_channels_ = g.pseudo_channels();

    for (size_t f = 0; f < kFields; ++f) {
        const auto& bits = config.mapping.bits[f];
        size_t i = 0;
        while (i < bits.size()) {
            size_t width = 1;
            while (i + width < bits.size() && bits[i + width] == bits[i] + width) ++width;
            pieces_.push_back({static_cast<uint8_t>(f), bits[i], static_cast<uint8_t>(i),
                               width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1});
            i += width;
        }
    }

    for (size_t f = 0; f < kFields; ++f) {
        field_bits_[f] = static_cast<unsigned>(config.mapping.bits[f].size());
        field_counts_[f] = static_cast<uint32_t>(1u << field_bits_[f]);
    }
    hash_channels_ = config.mapping.hash_channels;
    hash_banks_ = config.mapping.hash_banks;
    pc_bits_ =
        static_cast<unsigned>(config.mapping.of(HbmField::Stack).size() + config.mapping.of(HbmField::Channel).size() +
                              config.mapping.of(HbmField::PseudoChannel).size());
    bank_group_bits_ = static_cast<unsigned>(config.mapping.of(HbmField::BankGroup).size());
    bank_bits_ = bank_group_bits_ + static_cast<unsigned>(config.mapping.of(HbmField::Bank).size());
    size_t per_field[kFields] = {};
    for (const Piece& p : pieces_) {
        TwoPieces& t = two_[p.field];
        if (per_field[p.field] == 0) {
            t.from0 = p.from;
            t.to0 = p.to;
            t.mask0 = p.mask;
        } else if (per_field[p.field] == 1) {
            t.from1 = p.from;
            t.to1 = p.to;
            t.mask1 = p.mask;
        } else {
            two_pieces_ = false;
        }
        ++per_field[p.field];
    }

    // Column bits 0..k-1 sitting on offset bits access_shift..access_shift+k-1, in order: then every aligned block of
    // 2^k accesses is one run of consecutive columns (all the other fields come from higher bits).
    const auto& column = config.mapping.of(HbmField::Column);
    unsigned k = 0;
    while (k < column.size() && column[k] == access_shift_ + k) ++k;
    run_block_shift_ = k;

    // locate()'s stretches: each field's pieces moved to where the field sits in its target (pseudo channel index:
    // stack, channel, pseudo channel from the top; bank index: bank above bank group), then neighbours that continue
    // each other in both the offset and the target merged.
    const auto bits_of = [&](HbmField f) { return field_bits_[static_cast<size_t>(f)]; };
    std::vector<Gather> gathers;
    for (const Piece& p : pieces_) {
        Gather gather{kTargets, p.from, p.to, p.mask};
        switch (static_cast<HbmField>(p.field)) {
            case HbmField::PseudoChannel: gather.target = kPseudoChannelIndex; break;
            case HbmField::Channel:
                gather.target = kPseudoChannelIndex;
                gather.to = static_cast<uint8_t>(gather.to + bits_of(HbmField::PseudoChannel));
                break;
            case HbmField::Stack:
                gather.target = kPseudoChannelIndex;
                gather.to =
                    static_cast<uint8_t>(gather.to + bits_of(HbmField::PseudoChannel) + bits_of(HbmField::Channel));
                break;
            case HbmField::BankGroup: gather.target = kBankIndex; break;
            case HbmField::Bank:
                gather.target = kBankIndex;
                gather.to = static_cast<uint8_t>(gather.to + bank_group_bits_);
                break;
            case HbmField::Row: gather.target = kRowIndex; break;
            case HbmField::Column: gather.target = kColumnIndex; break;
            case HbmField::Count: break;
        }
        gathers.push_back(gather);
    }
    std::sort(gathers.begin(), gathers.end(), [](const Gather& a, const Gather& b) {
        return a.target != b.target ? a.target < b.target : a.from < b.from;
    });
    std::vector<Gather> merged;
    for (const Gather& gather : gathers) {
        if (!merged.empty()) {
            Gather& last = merged.back();
            const unsigned width = static_cast<unsigned>(__builtin_popcountll(last.mask));
            if (last.target == gather.target && last.from + width == gather.from && last.to + width == gather.to &&
                width + __builtin_popcountll(gather.mask) < 64) {
                last.mask |= gather.mask << width;
                continue;
            }
        }
        merged.push_back(gather);
    }
    size_t used[kTargets] = {};
    bool slots_suffice = true;
    for (const Gather& gather : merged) {
        if (used[gather.target] == kGatherSlots[gather.target]) {
            slots_suffice = false;
            break;
        }
        gather_slots_[gather.target][used[gather.target]++] = gather;
    }
    gather_ok_ =
        slots_suffice && field_counts_[static_cast<size_t>(HbmField::Channel)] == channels_per_stack_ &&
        field_counts_[static_cast<size_t>(HbmField::PseudoChannel)] == pseudo_channels_per_channel_ &&
        field_counts_[static_cast<size_t>(HbmField::Stack)] * channels_per_stack_ * pseudo_channels_per_channel_ ==
            pseudo_channels_ &&
        field_counts_[static_cast<size_t>(HbmField::BankGroup)] == g.bank_groups &&
        field_counts_[static_cast<size_t>(HbmField::Bank)] == g.banks_per_group;
}

inline HbmAddressMap::Located HbmAddressMap::locate(uint64_t offset) const {
    const auto gather = [&](Target target) {
        uint64_t v = 0;
        for (size_t i = 0; i < kGatherSlots[target]; ++i) {
            const Gather& g = gather_slots_[target][i];
            v |= ((offset >> g.from) & g.mask) << g.to;
        }
        return static_cast<uint32_t>(v);
    };
    const uint32_t row = gather(kRowIndex);
    uint32_t pc = gather(kPseudoChannelIndex);
    uint32_t bank_index = gather(kBankIndex);
    // As decode_fields(): the channel hash folds the raw bank index and the row, the bank hash XORs the row's low
    // bits into the bank index.
    if (hash_channels_ && pc_bits_ > 0) pc ^= static_cast<uint32_t>(fold((uint64_t(row) << bank_bits_) | bank_index));
    if (hash_banks_ && bank_bits_ > 0) bank_index ^= row & ((1u << bank_bits_) - 1);
    Located loc;
    loc.global_pseudo_channel = pc;
    loc.bank_group = bank_index & ((1u << bank_group_bits_) - 1);
    loc.bank = bank_index >> bank_group_bits_;
    loc.row = row;
    loc.column = gather(kColumnIndex);
    return loc;
}

std::array<uint32_t, HbmAddressMap::kFields> HbmAddressMap::decode_fields(uint64_t offset) const {
    std::array<uint32_t, kFields> v{};
    if (two_pieces_) {  // straight-line: two shift-and-mask stretches per field
        for (size_t f = 0; f < kFields; ++f) {
            const TwoPieces& t = two_[f];
            v[f] = static_cast<uint32_t>((((offset >> t.from0) & t.mask0) << t.to0) |
                                         (((offset >> t.from1) & t.mask1) << t.to1));
        }
    } else {
        for (const Piece& p : pieces_) v[p.field] |= static_cast<uint32_t>(((offset >> p.from) & p.mask) << p.to);
    }
    constexpr size_t kStack = static_cast<size_t>(HbmField::Stack), kChannel = static_cast<size_t>(HbmField::Channel),
                     kPc = static_cast<size_t>(HbmField::PseudoChannel),
                     kGroup = static_cast<size_t>(HbmField::BankGroup), kBank = static_cast<size_t>(HbmField::Bank),
                     kRow = static_cast<size_t>(HbmField::Row);
    const uint32_t raw_group = v[kGroup], raw_bank = v[kBank];
    if (hash_banks_ && bank_bits_ > 0) {
        const uint32_t index = ((v[kBank] << bank_group_bits_) | v[kGroup]) ^ (v[kRow] & ((1u << bank_bits_) - 1));
        v[kGroup] = index & (field_counts_[kGroup] - 1);
        v[kBank] = index >> bank_group_bits_;
    }
    if (hash_channels_ && pc_bits_ > 0) {
        // The field counts are powers of two: the pseudo-channel index is the three fields' bits side by side.
        const uint32_t pc = (((v[kStack] << field_bits_[kChannel]) | v[kChannel]) << field_bits_[kPc]) | v[kPc];
        const uint32_t hashed = pc ^ static_cast<uint32_t>(fold(bank_and_row(raw_group, raw_bank, v[kRow])));
        v[kPc] = hashed & (field_counts_[kPc] - 1);
        v[kChannel] = (hashed >> field_bits_[kPc]) & (field_counts_[kChannel] - 1);
        v[kStack] = hashed >> (field_bits_[kPc] + field_bits_[kChannel]);
    }
    return v;
}

uint64_t HbmAddressMap::bank_and_row(uint32_t bank_group, uint32_t bank, uint32_t row) const {
    return (((uint64_t(row) << (bank_bits_ - bank_group_bits_)) | bank) << bank_group_bits_) | bank_group;
}

uint64_t HbmAddressMap::fold(uint64_t bits) const {
    const uint64_t mask = (uint64_t(1) << pc_bits_) - 1;
    uint64_t folded = 0;
    for (; bits != 0; bits >>= pc_bits_) folded ^= bits & mask;
    return folded;
}

uint64_t HbmAddressMap::encode(const HbmLocation& location) const {
    constexpr size_t kStack = static_cast<size_t>(HbmField::Stack), kChannel = static_cast<size_t>(HbmField::Channel),
                     kPc = static_cast<size_t>(HbmField::PseudoChannel),
                     kGroup = static_cast<size_t>(HbmField::BankGroup), kBank = static_cast<size_t>(HbmField::Bank),
                     kRow = static_cast<size_t>(HbmField::Row), kColumn = static_cast<size_t>(HbmField::Column);
    std::array<uint32_t, kFields> v{};
    v[kGroup] = location.bank_group;
    v[kBank] = location.bank;
    v[kRow] = location.row;
    v[kColumn] = location.column;
    if (location.global_pseudo_channel >= pseudo_channels_ || v[kGroup] >= field_counts_[kGroup] ||
        v[kBank] >= field_counts_[kBank] || v[kRow] >= field_counts_[kRow] || v[kColumn] >= field_counts_[kColumn]) {
        throw Error("HBM location outside the geometry");
    }
    if (hash_banks_ && bank_bits_ > 0) {
        const uint32_t index = ((v[kBank] << bank_group_bits_) | v[kGroup]) ^ (v[kRow] & ((1u << bank_bits_) - 1));
        v[kGroup] = index & (field_counts_[kGroup] - 1);
        v[kBank] = index >> bank_group_bits_;
    }
    // (v now holds the raw bank group and bank, as the address carries them.)
    auto place = [&](size_t field, uint64_t& offset) {
        for (const Piece& p : pieces_) {
            if (p.field == field) offset |= ((uint64_t(v[field]) >> p.to) & p.mask) << p.from;
        }
    };
    uint64_t offset = 0;
    for (size_t f : {kGroup, kBank, kRow, kColumn}) place(f, offset);
    uint32_t pc = location.global_pseudo_channel;
    if (hash_channels_ && pc_bits_ > 0) pc ^= static_cast<uint32_t>(fold(bank_and_row(v[kGroup], v[kBank], v[kRow])));
    v[kPc] = pc % field_counts_[kPc];
    v[kChannel] = pc / field_counts_[kPc] % field_counts_[kChannel];
    v[kStack] = pc / field_counts_[kPc] / field_counts_[kChannel];
    for (size_t f : {kStack, kChannel, kPc}) place(f, offset);
    return offset;
}

HbmLocation HbmAddressMap::decode(uint64_t offset) const {
    if (offset >= capacity_bytes_)
        throw Error("HBM offset " + std::to_string(offset) + " is beyond the " + std::to_string(capacity_bytes_) +
                    "-byte memory");
    HbmLocation loc;
    const auto v = decode_fields(offset);
    loc.stack = v[static_cast<size_t>(HbmField::Stack)];
    loc.channel = v[static_cast<size_t>(HbmField::Channel)];
    loc.pseudo_channel = v[static_cast<size_t>(HbmField::PseudoChannel)];
    loc.bank_group = v[static_cast<size_t>(HbmField::BankGroup)];
    loc.bank = v[static_cast<size_t>(HbmField::Bank)];
    loc.row = v[static_cast<size_t>(HbmField::Row)];
    loc.column = v[static_cast<size_t>(HbmField::Column)];
    loc.global_pseudo_channel =
        (loc.stack * channels_per_stack_ + loc.channel) * pseudo_channels_per_channel_ + loc.pseudo_channel;
    return loc;
}

void HbmAddressMap::split(uint64_t offset, uint64_t bytes, std::vector<HbmRun>& out) const {
    out.clear();
    if (bytes == 0) return;
    if (offset >= capacity_bytes_ || bytes > capacity_bytes_ - offset)
        throw Error("HBM range of " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                    " leaves the " + std::to_string(capacity_bytes_) + "-byte memory");
    const uint64_t end = offset + bytes;
    const uint64_t block_bytes = uint64_t(access_bytes_) << run_block_shift_;
    uint64_t at = offset;
    while (at < end) {
        // One aligned block (or the part of it in the range): consecutive columns, one row of one bank.
        const uint64_t block_end = std::min(end, (at & ~(block_bytes - 1)) + block_bytes);
        Located loc;
        if (gather_ok_) {
            loc = locate(at);
        } else {
            const HbmLocation l = decode(at);
            loc = {l.global_pseudo_channel, l.bank_group, l.bank, l.row, l.column};
        }
        const uint64_t first_access = at >> access_shift_;
        const uint64_t last_access = (block_end - 1) >> access_shift_;
        const auto columns = static_cast<uint32_t>(last_access - first_access + 1);
        if (!out.empty()) {
            HbmRun& r = out.back();
            if (r.global_pseudo_channel == loc.global_pseudo_channel && r.bank_group == loc.bank_group &&
                r.bank == loc.bank && r.row == loc.row && r.column + r.columns == loc.column) {
                r.columns += columns;
                r.bytes += block_end - at;
                at = block_end;
                continue;
            }
        }
        HbmRun& run = out.emplace_back();  // filled in place: a run built aside and copied in stalls the store
        run.offset = at;
        run.global_pseudo_channel = loc.global_pseudo_channel;
        run.bank_group = loc.bank_group;
        run.bank = loc.bank;
        run.row = loc.row;
        run.column = loc.column;
        run.columns = columns;
        run.bytes = block_end - at;
        at = block_end;
    }
}

}  // namespace npuemu::mem
