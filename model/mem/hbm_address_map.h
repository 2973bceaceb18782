// The address map of an HBM memory system: which stack, channel, pseudo channel, bank group, bank, row and column an
// offset into global memory selects (HbmAddressMapping lists the bits), and how a byte range cuts into runs of
// consecutive columns that one pseudo channel's controller can take as one request.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "model/mem/hbm_config.h"

namespace npuemu::mem {

struct HbmLocation {
    // (stack * channels_per_stack + channel) * pseudo_channels_per_channel + pseudo_channel
    uint32_t global_pseudo_channel = 0;
    uint32_t stack = 0, channel = 0, pseudo_channel = 0;
    uint32_t bank_group = 0, bank = 0, row = 0;
    uint32_t column = 0;  // in column-command units (access_bytes each)
};

// Consecutive columns of one row of one bank of one pseudo channel, in address order. A column only partly covered
// by the range still counts whole (the device moves access_bytes per column command); `bytes` counts the range's own.
struct HbmRun {
    uint64_t offset = 0;  // the run's first byte in global memory
    uint32_t global_pseudo_channel = 0;
    uint32_t bank_group = 0, bank = 0, row = 0;
    uint32_t column = 0;   // first column
    uint32_t columns = 0;  // column commands
    uint64_t bytes = 0;
};

class HbmAddressMap {
public:
    // Throws npuemu::Error naming every problem check_hbm_config() finds.
    explicit HbmAddressMap(const HbmConfig& config);

    // Throws npuemu::Error if offset is beyond capacity_bytes().
    HbmLocation decode(uint64_t offset) const;
    // The inverse: the offset of a location (global_pseudo_channel, bank_group, bank, row, column; the
    // stack/channel/pseudo_channel members are ignored). Throws npuemu::Error for a location outside the geometry.
    uint64_t encode(const HbmLocation& location) const;
    // Replaces the contents of `out` (keeping its capacity) with the runs of [offset, offset + bytes), in address
    // order. Throws npuemu::Error if the range leaves the memory.
    void split(uint64_t offset, uint64_t bytes, std::vector<HbmRun>& out) const;

    uint64_t capacity_bytes() const { return capacity_bytes_; }
    uint32_t access_bytes() const { return access_bytes_; }
    uint32_t pseudo_channels() const { return pseudo_channels_; }

private:
    // A stretch of consecutive offset bits that lands on consecutive bits of one field.
    struct Piece {
        uint8_t field;  // HbmField
        uint8_t from;   // lowest offset bit
        uint8_t to;     // lowest field bit
        uint64_t mask;  // (1 << width) - 1
    };
    // The usual case: every field is at most two stretches, decoded branch-free (an absent stretch has mask 0).
    struct TwoPieces {
        uint8_t from0 = 0, to0 = 0, from1 = 0, to1 = 0;
        uint64_t mask0 = 0, mask1 = 0;
    };
    static constexpr size_t kFields = static_cast<size_t>(HbmField::Count);

    std::array<uint32_t, kFields> decode_fields(uint64_t offset) const;

    // What split() needs of an offset (decode() without its range check and the stack/channel/pseudo-channel
    // members): every field count is a power of two, so the global pseudo channel is the stack, channel and pseudo
    // channel bits side by side and the bank index the bank and bank group bits; each is gathered from the offset in
    // as few stretches as the mapping allows (gather_slots_), instead of field by field and then put together.
    struct Located {
        uint32_t global_pseudo_channel, bank_group, bank, row, column;
    };
    Located locate(uint64_t offset) const;
    enum Target : uint8_t { kPseudoChannelIndex, kBankIndex, kRowIndex, kColumnIndex, kTargets };
    struct Gather {
        uint8_t target;  // Target
        uint8_t from;    // lowest offset bit
        uint8_t to;      // lowest bit in the target
        uint64_t mask;   // (1 << width) - 1
    };
    // Each target's stretches in fixed slots (an unused one has mask 0), so that locate() is straight-line code.
    static constexpr size_t kGatherSlots[kTargets] = {4, 2, 2, 2};
    static constexpr size_t kMaxGatherSlots = 4;
    std::array<std::array<Gather, kMaxGatherSlots>, kTargets> gather_slots_{};
    bool gather_ok_ = false;  // the geometry's counts are the mapping's (else split() decodes field by field)

    // Hashing (see HbmAddressMapping): the channel hash folds the raw bank group, bank and row (not the column: a
    // pseudo channel keeps its whole row) into pc_bits_ bits; the bank hash XORs the bank index (bank group in the
    // low bits, bank_bits_ in all) with the row's low bits.
    uint64_t bank_and_row(uint32_t bank_group, uint32_t bank, uint32_t row) const;
    uint64_t fold(uint64_t bits) const;
    bool hash_channels_ = false, hash_banks_ = false;
    unsigned pc_bits_ = 0, bank_group_bits_ = 0, bank_bits_ = 0;
    std::array<uint32_t, kFields> field_counts_{};  // 1 << field_bits_: every field count is a power of two
    std::array<unsigned, kFields> field_bits_{};
    std::vector<Piece> pieces_;  // all stretches of all fields (the general path)
    std::array<TwoPieces, kFields> two_{};
    bool two_pieces_ = true;  // every field fits TwoPieces
    uint64_t capacity_bytes_ = 0;
    uint32_t access_bytes_ = 0;
    unsigned access_shift_ = 0;
    unsigned run_block_shift_ = 0;  // aligned blocks of 2^this accesses have consecutive columns, all else equal
    uint32_t channels_per_stack_ = 0, pseudo_channels_per_channel_ = 0, pseudo_channels_ = 0;
};

}  // namespace npuemu::mem
