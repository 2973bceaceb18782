#include "model/mem/hbm_config_keys.h"

namespace npuemu::mem {

const KeyTable<HbmConfig>& hbm_clock_keys() {
    static const KeyTable<HbmConfig> keys = {
        uint_key("clock_mhz", &HbmConfig::clock_mhz, 100, 10000, "MHz", "command clock (CK)"),
        uint_key("data_rate_mtps", &HbmConfig::data_rate_mtps, 100, 100000, "MT/s",
                 "per data pin: 2 x clock for DDR (HBM2e), 4 x for HBM3"),
    };
    return keys;
}

const KeyTable<HbmGeometry>& hbm_stack_keys() {
    static const KeyTable<HbmGeometry> keys = {
        uint_key("stacks", &HbmGeometry::stacks, 1, 64, "stacks",
                 "HBM stacks, alternately on the mesh's north and south edges (a power of two)"),
    };
    return keys;
}

const KeyTable<HbmGeometry>& hbm_geometry_keys() {
    static const KeyTable<HbmGeometry> keys = {
        uint_key("channels_per_stack", &HbmGeometry::channels_per_stack, 1, 256, "channels", "channels per stack"),
        uint_key("pseudo_channels_per_channel", &HbmGeometry::pseudo_channels_per_channel, 1, 16, "pseudo channels",
                 "pseudo channels per channel"),
        uint_key("bank_groups", &HbmGeometry::bank_groups, 1, 64, "bank groups", "per pseudo channel"),
        uint_key("banks_per_group", &HbmGeometry::banks_per_group, 1, 64, "banks", "banks per bank group"),
        uint_key("rows", &HbmGeometry::rows, 1, 1u << 24, "rows", "rows per bank"),
        uint_key("row_bytes", &HbmGeometry::row_bytes, 1, 1u << 20, "bytes", "page size of one pseudo channel"),
        uint_key("bus_width_bits", &HbmGeometry::bus_width_bits, 1, 4096, "bits",
                 "data pins of one pseudo channel (a multiple of 8)"),
        uint_key("burst_length", &HbmGeometry::burst_length, 1, 256, "beats", "data beats per column command"),
    };
    return keys;
}

const KeyTable<HbmTiming>& hbm_timing_keys() {
    constexpr double kMax = 10'000'000;
    static const KeyTable<HbmTiming> keys = {
        uint_key("tRCD_cycles", &HbmTiming::tRCD_cycles, 0, kMax, "cycles", "ACT to RD/WR, same bank"),
        uint_key("tRP_cycles", &HbmTiming::tRP_cycles, 0, kMax, "cycles", "PRE to ACT, same bank"),
        uint_key("tRAS_cycles", &HbmTiming::tRAS_cycles, 0, kMax, "cycles", "ACT to PRE, same bank"),
        uint_key("tRC_cycles", &HbmTiming::tRC_cycles, 0, kMax, "cycles", "ACT to ACT, same bank"),
        uint_key("tCL_cycles", &HbmTiming::tCL_cycles, 0, kMax, "cycles", "RD to first data beat (read latency)"),
        uint_key("tWL_cycles", &HbmTiming::tWL_cycles, 0, kMax, "cycles", "WR to first data beat (write latency)"),
        uint_key("tCCD_S_cycles", &HbmTiming::tCCD_S_cycles, 0, kMax, "cycles",
                 "column to column, different bank groups"),
        uint_key("tCCD_L_cycles", &HbmTiming::tCCD_L_cycles, 0, kMax, "cycles", "column to column, same bank group"),
        uint_key("tRRD_S_cycles", &HbmTiming::tRRD_S_cycles, 0, kMax, "cycles", "ACT to ACT, different bank groups"),
        uint_key("tRRD_L_cycles", &HbmTiming::tRRD_L_cycles, 0, kMax, "cycles", "ACT to ACT, same bank group"),
        uint_key("tFAW_cycles", &HbmTiming::tFAW_cycles, 0, kMax, "cycles", "window holding at most four ACTs"),
        uint_key("tWR_cycles", &HbmTiming::tWR_cycles, 0, kMax, "cycles", "end of write data to PRE, same bank"),
        uint_key("tWTR_S_cycles", &HbmTiming::tWTR_S_cycles, 0, kMax, "cycles",
                 "end of write data to RD, different bank groups"),
        uint_key("tWTR_L_cycles", &HbmTiming::tWTR_L_cycles, 0, kMax, "cycles",
                 "end of write data to RD, same bank group"),
        uint_key("tRTP_cycles", &HbmTiming::tRTP_cycles, 0, kMax, "cycles", "RD to PRE, same bank"),
        uint_key("tRTW_cycles", &HbmTiming::tRTW_cycles, 0, kMax, "cycles", "RD to WR (bus turnaround)"),
        uint_key("tRFC_cycles", &HbmTiming::tRFC_cycles, 0, kMax, "cycles", "all-bank refresh: every bank busy"),
        uint_key("tRFCpb_cycles", &HbmTiming::tRFCpb_cycles, 0, kMax, "cycles", "per-bank refresh: one bank busy"),
        uint_key("tREFI_cycles", &HbmTiming::tREFI_cycles, 0, kMax, "cycles", "average interval between refreshes"),
    };
    return keys;
}

const KeyTable<HbmControllerConfig>& hbm_controller_keys() {
    static const KeyTable<HbmControllerConfig> keys = {
        choice_key<HbmControllerConfig, PagePolicy, &HbmControllerConfig::page_policy>(
            "page_policy", {"open", "closed"}, "closed: auto-precharge when no queued request hits the open row"),
        choice_key<HbmControllerConfig, RefreshMode, &HbmControllerConfig::refresh>(
            "refresh", {"all_bank", "per_bank"}, "refresh every bank at once, or one bank at a time"),
        uint_key("queue_depth", &HbmControllerConfig::queue_depth, 1, 4096, "requests",
                 "requests the scheduler sees, per read and per write queue"),
        uint_key("write_high_watermark", &HbmControllerConfig::write_high_watermark, 1, 4096, "requests",
                 "start draining writes at this many queued writes"),
        uint_key("write_low_watermark", &HbmControllerConfig::write_low_watermark, 0, 4096, "requests",
                 "stop draining at this many"),
        uint_key("frontend_latency_cycles", &HbmControllerConfig::frontend_latency_cycles, 0, 100000, "cycles",
                 "from the channel's port to its scheduler (the controller's pipeline)"),
        bool_key("early_write_ack", &HbmControllerConfig::early_write_ack,
                 "a write is acknowledged once the write queue takes it"),
        uint_key("row_hit_cap", &HbmControllerConfig::row_hit_cap, 0, 1000000, "column commands",
                 "row hits served ahead of an older request to another row of the bank (0: unbounded)"),
    };
    return keys;
}

const KeyTable<HbmEnergy>& hbm_energy_keys() {
    static const KeyTable<HbmEnergy> keys = {
        double_key("activate_pj", &HbmEnergy::activate_pj, 0, 1e6, "pJ", "one ACT (with its PRE) in the stack"),
        double_key("read_column_pj", &HbmEnergy::read_column_pj, 0, 1e6, "pJ",
                   "one RD column command (access_bytes of data) in the stack"),
        double_key("write_column_pj", &HbmEnergy::write_column_pj, 0, 1e6, "pJ",
                   "one WR column command (access_bytes of data) in the stack"),
    };
    return keys;
}

}  // namespace npuemu::mem
