// check_hbm_config(): every inconsistency of an HbmConfig, each with the YAML key it concerns.
#include "model/mem/hbm_config.h"

#include <string>

#include "model/common/bits.h"

namespace npuemu::mem {
namespace {

struct FieldInfo {
    HbmField field;
    const char* name;  // as in the YAML: address_mapping.<name>
};
constexpr FieldInfo kFields[] = {
    {HbmField::Stack, "stack"},         {HbmField::Channel, "channel"}, {HbmField::PseudoChannel, "pseudo_channel"},
    {HbmField::BankGroup, "bank_group"}, {HbmField::Bank, "bank"},       {HbmField::Row, "row"},
    {HbmField::Column, "column"},
};

class Problems {
public:
    void add(std::string key, std::string message) { list_.push_back({std::move(key), std::move(message)}); }
    std::vector<HbmConfigProblem> take() { return std::move(list_); }

private:
    std::vector<HbmConfigProblem> list_;
};

std::string num(uint64_t v) { return std::to_string(v); }

void check_timing(const HbmConfig& c, Problems& p) {
    const HbmTiming& t = c.timing;
    // Zero is meaningless for these; tWL, tFAW (0: no window), tWR, tWTR_S/L and tRTP may be 0.
    const struct {
        const char* key;
        uint32_t value;
    } positive[] = {
        {"tRCD_cycles", t.tRCD_cycles},     {"tRP_cycles", t.tRP_cycles},       {"tRAS_cycles", t.tRAS_cycles},
        {"tRC_cycles", t.tRC_cycles},       {"tCL_cycles", t.tCL_cycles},       {"tCCD_S_cycles", t.tCCD_S_cycles},
        {"tCCD_L_cycles", t.tCCD_L_cycles}, {"tRRD_S_cycles", t.tRRD_S_cycles}, {"tRRD_L_cycles", t.tRRD_L_cycles},
        {"tRTW_cycles", t.tRTW_cycles},     {"tRFC_cycles", t.tRFC_cycles},     {"tRFCpb_cycles", t.tRFCpb_cycles},
        {"tREFI_cycles", t.tREFI_cycles},
    };
    for (const auto& f : positive)
        if (f.value == 0) p.add(std::string("timing.") + f.key, std::string(f.key) + " must be at least 1 cycle");

    if (t.tRAS_cycles >= t.tRC_cycles)
        p.add("timing.tRAS_cycles", "tRAS (" + num(t.tRAS_cycles) + ") must be less than tRC (" + num(t.tRC_cycles) +
                                        "): a row must close before the bank can activate again");
    if (uint64_t(t.tRC_cycles) < uint64_t(t.tRAS_cycles) + t.tRP_cycles)
        p.add("timing.tRC_cycles", "tRC (" + num(t.tRC_cycles) + ") must be at least tRAS + tRP (" +
                                       num(t.tRAS_cycles) + " + " + num(t.tRP_cycles) +
                                       "): an activate, its precharge and the precharge time fit in one row cycle");
    if (t.tCCD_L_cycles < t.tCCD_S_cycles)
        p.add("timing.tCCD_L_cycles", "tCCD_L (" + num(t.tCCD_L_cycles) + ") must be at least tCCD_S (" +
                                          num(t.tCCD_S_cycles) + "): the same bank group is never faster");
    if (t.tRRD_L_cycles < t.tRRD_S_cycles)
        p.add("timing.tRRD_L_cycles", "tRRD_L (" + num(t.tRRD_L_cycles) + ") must be at least tRRD_S (" +
                                          num(t.tRRD_S_cycles) + "): the same bank group is never faster");
    if (t.tWTR_L_cycles < t.tWTR_S_cycles)
        p.add("timing.tWTR_L_cycles", "tWTR_L (" + num(t.tWTR_L_cycles) + ") must be at least tWTR_S (" +
                                          num(t.tWTR_S_cycles) + "): the same bank group is never faster");
    const uint32_t bpc = c.clock_mhz ? c.data_rate_mtps / c.clock_mhz : 0;
    if (bpc != 0 && c.geometry.burst_length % bpc == 0) {
        const uint32_t burst = c.geometry.burst_length / bpc;
        if (t.tCCD_S_cycles < burst)
            p.add("timing.tCCD_S_cycles", "tCCD_S (" + num(t.tCCD_S_cycles) + ") must be at least the " +
                                              num(burst) + " clock cycles a burst of " +
                                              num(c.geometry.burst_length) +
                                              " beats holds the data bus, or data bursts would overlap");
    }
    if (t.tRFC_cycles >= t.tREFI_cycles)
        p.add("timing.tRFC_cycles", "tRFC (" + num(t.tRFC_cycles) + ") must be less than tREFI (" +
                                        num(t.tREFI_cycles) + "): the channel would do nothing but refresh");
    if (t.tRFCpb_cycles >= t.tREFI_cycles)
        p.add("timing.tRFCpb_cycles", "tRFCpb (" + num(t.tRFCpb_cycles) + ") must be less than tREFI (" +
                                          num(t.tREFI_cycles) + "): a bank would do nothing but refresh");
    const uint64_t banks = uint64_t(c.geometry.bank_groups) * c.geometry.banks_per_group;
    if (c.controller.refresh == RefreshMode::PerBank && banks != 0 && t.tREFI_cycles != 0 &&
        t.tREFI_cycles < banks)
        p.add("timing.tREFI_cycles", "tREFI (" + num(t.tREFI_cycles) + ") must be at least the number of banks (" +
                                         num(banks) + ") for per-bank refresh: one bank is refreshed every tREFI / " +
                                         num(banks) + " cycles");
}

void check_clock_and_geometry(const HbmConfig& c, Problems& p) {
    if (c.clock_mhz == 0) p.add("clock_mhz", "clock_mhz must be at least 1");
    if (c.clock_mhz > 1'000'000) p.add("clock_mhz", "clock_mhz (" + num(c.clock_mhz) + ") is above 1 THz");
    if (c.data_rate_mtps == 0) p.add("data_rate_mtps", "data_rate_mtps must be at least 1");
    if (c.clock_mhz != 0 && c.data_rate_mtps != 0) {
        if (c.data_rate_mtps % c.clock_mhz != 0) {
            p.add("data_rate_mtps", "data_rate_mtps (" + num(c.data_rate_mtps) + ") must be a multiple of clock_mhz (" +
                                        num(c.clock_mhz) + "): a whole number of data beats per clock");
        } else if (c.geometry.burst_length % (c.data_rate_mtps / c.clock_mhz) != 0) {
            p.add("geometry.burst_length", "burst_length (" + num(c.geometry.burst_length) +
                                               ") must be a multiple of the " + num(c.data_rate_mtps / c.clock_mhz) +
                                               " data beats per clock (data_rate_mtps / clock_mhz)");
        }
    }

    const HbmGeometry& g = c.geometry;
    const struct {
        const char* key;
        uint32_t value;
    } counts[] = {
        {"stacks", g.stacks},
        {"channels_per_stack", g.channels_per_stack},
        {"pseudo_channels_per_channel", g.pseudo_channels_per_channel},
        {"bank_groups", g.bank_groups},
        {"banks_per_group", g.banks_per_group},
        {"rows", g.rows},
        {"row_bytes", g.row_bytes},
        {"burst_length", g.burst_length},
    };
    for (const auto& f : counts) {
        // The number of stacks is a chip setting (hbm.stacks), the rest the preset's geometry.
        const std::string key = std::string(f.key) == "stacks" ? "stacks" : std::string("geometry.") + f.key;
        if (!is_power_of_two(f.value))
            p.add(key, std::string(f.key) + " (" + num(f.value) + ") must be a power of two: it is selected by address bits");
    }
    if (g.banks() > kMaxBanksPerPseudoChannel)
        p.add("geometry.banks_per_group", "bank_groups x banks_per_group (" + num(g.banks()) + ") must be at most " +
                                              num(kMaxBanksPerPseudoChannel) +
                                              ": the controller keeps a pseudo channel's banks in one 64-bit mask");
    if (g.pseudo_channels() > kMaxPseudoChannels)
        p.add("stacks", "stacks x channels_per_stack x pseudo_channels_per_channel (" + num(g.pseudo_channels()) +
                            ") must be at most " + num(kMaxPseudoChannels) +
                            ": the model keeps a controller, its queues and histograms per pseudo channel");
    // The capacity must be addressable: every field's bits together below address bit 64.
    uint32_t address_bits = 0;
    for (uint64_t count : {uint64_t(g.pseudo_channels()), uint64_t(g.banks()), uint64_t(g.rows), uint64_t(g.row_bytes)})
        if (count != 0) address_bits += log2_floor(count);  // a zero count is reported above
    if (address_bits >= 64)
        p.add("geometry.rows", "the geometry holds 2^" + num(address_bits) +
                                   " bytes: more than 64-bit addresses reach (pseudo channels x banks x rows x row_bytes)");
    if (g.bus_width_bits == 0 || g.bus_width_bits % 8 != 0 || !is_power_of_two(g.bus_width_bits))
        p.add("geometry.bus_width_bits", "bus_width_bits (" + num(g.bus_width_bits) +
                                             ") must be a power of two of at least 8 (whole bytes per beat)");
    const uint32_t access = g.access_bytes();
    if (access != 0 && is_power_of_two(g.row_bytes) && g.row_bytes % access != 0)
        p.add("geometry.row_bytes", "row_bytes (" + num(g.row_bytes) + ") must be a multiple of the " + num(access) +
                                        " bytes of one column command (bus_width_bits / 8 x burst_length)");
}

void check_controller(const HbmConfig& c, Problems& p) {
    const HbmControllerConfig& k = c.controller;
    if (k.queue_depth == 0) p.add("controller.queue_depth", "queue_depth must be at least 1");
    if (k.write_low_watermark >= k.write_high_watermark)
        p.add("controller.write_low_watermark", "write_low_watermark (" + num(k.write_low_watermark) +
                                                    ") must be less than write_high_watermark (" +
                                                    num(k.write_high_watermark) + ")");
    if (k.write_high_watermark > k.queue_depth)
        p.add("controller.write_high_watermark", "write_high_watermark (" + num(k.write_high_watermark) +
                                                     ") must be at most queue_depth (" + num(k.queue_depth) +
                                                     "): the write queue never holds more");
}


void check_mapping(const HbmConfig& c, Problems& p) {
    const HbmGeometry& g = c.geometry;
    const uint32_t access = g.access_bytes();
    const bool access_ok = is_power_of_two(access);
    const unsigned low = access_ok ? log2_floor(access) : 0;

    constexpr int kUnused = -1;
    int owner[64];
    for (int& o : owner) o = kUnused;
    unsigned used = 0;
    unsigned top = 0;  // highest used bit + 1
    for (const auto& info : kFields) {
        const std::string key = std::string("address_mapping.") + info.name;
        const auto& bits = c.mapping.of(info.field);
        const uint64_t count = field_count(g, info.field);
        if (is_power_of_two(count) && bits.size() != log2_floor(count))
            p.add(key, std::string(info.name) + " has " + num(bits.size()) + " bits but must have " +
                           num(log2_floor(count)) + " = log2(" + num(count) + ")");
        for (uint8_t bit : bits) {
            if (bit >= 64) {
                p.add(key, "bit " + num(bit) + " of " + info.name + " is beyond bit 63 of a 64-bit offset");
                continue;
            }
            if (access_ok && bit < low) {
                p.add(key, "bit " + num(bit) + " of " + info.name + " is below bit " + num(low) + ": bits 0.." +
                               num(low - 1) + " select the byte inside one " + num(access) +
                               "-byte access and are not listed");
                continue;
            }
            if (owner[bit] != kUnused) {
                const char* first = field_name(static_cast<HbmField>(owner[bit]));
                if (first == std::string(info.name))
                    p.add(key, "bit " + num(bit) + " is listed twice in " + info.name);
                else
                    p.add(key, "bit " + num(bit) + " is used by both " + first + " and " + info.name);
                continue;
            }
            owner[bit] = static_cast<int>(info.field);
            ++used;
            if (bit + 1u > top) top = bit + 1u;
        }
    }
    if (!access_ok || used == 0) return;
    for (unsigned bit = low; bit < top; ++bit)
        if (owner[bit] == kUnused)
            p.add("address_mapping", "bit " + num(bit) + " is not used by any field: the bits must run without gaps from bit " +
                                         num(low) + " (log2 of the " + num(access) + "-byte access) up to bit " +
                                         num(top - 1));
}

}  // namespace

// The count a mapping field selects, or 0 when the geometry does not give a usable one (reported elsewhere).
uint64_t field_count(const HbmGeometry& g, HbmField f) {
    switch (f) {
        case HbmField::Stack: return g.stacks;
        case HbmField::Channel: return g.channels_per_stack;
        case HbmField::PseudoChannel: return g.pseudo_channels_per_channel;
        case HbmField::BankGroup: return g.bank_groups;
        case HbmField::Bank: return g.banks_per_group;
        case HbmField::Row: return g.rows;
        case HbmField::Column:
            return g.access_bytes() != 0 && g.row_bytes % g.access_bytes() == 0 ? g.columns() : 0;
        case HbmField::Count: break;
    }
    return 0;
}

const char* field_name(HbmField field) {
    for (const auto& info : kFields) {
        if (info.field == field) return info.name;
    }
    return "?";
}


std::vector<HbmConfigProblem> check_hbm_config(const HbmConfig& config) {
    Problems problems;
    check_clock_and_geometry(config, problems);
    check_timing(config, problems);
    check_controller(config, problems);
    check_mapping(config, problems);
    return problems.take();
}

}  // namespace npuemu::mem
