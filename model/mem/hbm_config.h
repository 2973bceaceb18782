// An HBM memory system's description after loading: geometry, JEDEC timing in HBM clock cycles, the controller's
// policies and the address mapping. Presets (configs/memory/hbm2e.yaml, hbm3.yaml) fill it; a chip config may
// override any key. Times inside the model are picoseconds; timing parameters are clock cycles (tCK), as in the
// JEDEC tables.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::mem {

// Model limits: a pseudo channel's banks are one 64-bit mask in its controller; every pseudo channel has its own
// controller, queues and histograms in host memory.
constexpr uint32_t kMaxBanksPerPseudoChannel = 64;
constexpr uint32_t kMaxPseudoChannels = 1024;

struct HbmGeometry {
    uint32_t stacks = 1;
    uint32_t channels_per_stack = 8;
    uint32_t pseudo_channels_per_channel = 2;
    uint32_t bank_groups = 4;        // per pseudo channel
    uint32_t banks_per_group = 4;
    uint32_t rows = 16384;           // per bank
    uint32_t row_bytes = 1024;       // page size of one pseudo channel
    uint32_t bus_width_bits = 64;    // data pins of one pseudo channel
    uint32_t burst_length = 4;       // data beats per column command

    uint32_t access_bytes() const { return bus_width_bits / 8 * burst_length; }  // bytes per column command
    uint32_t columns() const { return row_bytes / access_bytes(); }             // column commands per row
    uint32_t banks() const { return bank_groups * banks_per_group; }
    uint32_t pseudo_channels() const { return stacks * channels_per_stack * pseudo_channels_per_channel; }
    uint64_t capacity_bytes() const { return uint64_t(pseudo_channels()) * banks() * rows * row_bytes; }
};

// JEDEC timing parameters, in HBM clock cycles (tCK).
struct HbmTiming {
    uint32_t tRCD_cycles = 14;   // ACT to RD/WR, same bank
    uint32_t tRP_cycles = 14;    // PRE to ACT, same bank
    uint32_t tRAS_cycles = 34;   // ACT to PRE, same bank
    uint32_t tRC_cycles = 48;    // ACT to ACT, same bank
    uint32_t tCL_cycles = 14;    // RD to first data beat (read latency, RL)
    uint32_t tWL_cycles = 4;     // WR to first data beat (write latency)
    uint32_t tCCD_S_cycles = 2;  // column to column, different bank groups
    uint32_t tCCD_L_cycles = 4;  // column to column, same bank group
    uint32_t tRRD_S_cycles = 4;  // ACT to ACT, different bank groups
    uint32_t tRRD_L_cycles = 6;  // ACT to ACT, same bank group
    uint32_t tFAW_cycles = 16;   // window holding at most four ACTs
    uint32_t tWR_cycles = 16;    // end of write data to PRE, same bank
    uint32_t tWTR_S_cycles = 4;  // end of write data to RD, different bank groups
    uint32_t tWTR_L_cycles = 8;  // end of write data to RD, same bank group
    uint32_t tRTP_cycles = 4;    // RD to PRE, same bank
    uint32_t tRTW_cycles = 18;   // RD to WR (bus turnaround)
    uint32_t tRFC_cycles = 560;  // all-bank refresh: every bank busy this long
    uint32_t tRFCpb_cycles = 256;  // per-bank refresh: one bank busy this long
    uint32_t tREFI_cycles = 6240;  // average interval between refreshes (of all banks, or of each bank once)
};

enum class PagePolicy { Open, Closed };     // closed: auto-precharge when no queued request hits the open row
// AllBank: a REF every tREFI (the k-th due at k x tREFI). PerBank: every bank once per tREFI, staggered: bank i is
// due at k x tREFI + i x tREFI / banks.
enum class RefreshMode { AllBank, PerBank };

struct HbmControllerConfig {
    PagePolicy page_policy = PagePolicy::Open;
    RefreshMode refresh = RefreshMode::PerBank;
    uint32_t queue_depth = 32;               // requests the scheduler sees, per read and per write queue
    uint32_t write_high_watermark = 24;      // start draining writes at this many queued writes
    uint32_t write_low_watermark = 8;        // stop draining at this many
    uint32_t frontend_latency_cycles = 8;    // port to scheduler (the controller's pipeline): added by the caller
                                             // to HbmRequest::arrival_ps; HbmChannelController does not use it
    // Writes are acknowledged when they enter the write queue (the controller holds them; a later read of the same
    // data is served from there), not when the DRAM has them: the requester's write completes early, and a full
    // write queue (queue_depth) still holds it back.
    bool early_write_ack = false;
    // FR-FCFS with a cap on row hits, against starvation: at most this many column commands hit a bank's open row
    // while an older request of the same direction waits for another row of that bank; then that bank's hits are
    // passed over (the request in service finishes its columns) and the older request's PRE and ACT go ahead.
    // 0: unbounded (plain FR-FCFS: a stream of hits can hold an older request back indefinitely). The default, 16,
    // is the cap of Ramulator's FRFCFS_Cap scheduler (CMU SAFARI, src/Scheduler.h: `long cap = 16`), after
    // Mutlu & Moscibroda's capped FR-FCFS (STFM, MICRO 2007); see docs/memory.md.
    uint32_t row_hit_cap = 16;
};

// What the address bits select, as lists of bit positions of the offset into global memory (LSB first in each
// list: the first listed bit is the field's bit 0). Bits below log2(access_bytes) select the byte inside one access
// and are not listed.
enum class HbmField : unsigned { Stack, Channel, PseudoChannel, BankGroup, Bank, Row, Column, Count };
struct HbmAddressMapping {
    std::array<std::vector<uint8_t>, static_cast<size_t>(HbmField::Count)> bits;
    // Address hashing, as memory controllers do against power-of-two strides; both keep the map one to one.
    // channels: the pseudo-channel index (stack, channel, pseudo channel) is XORed with the XOR-fold of the bank
    //   group, bank and row bits (not the column's: a pseudo channel keeps its whole row), so a stride that would
    //   visit a few channels visits them all.
    // banks: the bank index (bank group, bank) is XORed with the row's low bits (permutation-based interleaving,
    //   Zhang, Zhu and Zhang, MICRO 2000), so rows that would fight over one bank spread over all of them.
    bool hash_channels = false;
    bool hash_banks = false;
    std::vector<uint8_t>& of(HbmField field) { return bits[static_cast<size_t>(field)]; }
    const std::vector<uint8_t>& of(HbmField field) const { return bits[static_cast<size_t>(field)]; }
};

// Energy of the DRAM commands in the stack (its arrays, sense amplifiers, data path and I/O drivers); the chip's
// side of the interface (controller and PHY) is the DMA's (power.energy_pj.dma_byte). Refresh and standby
// (background) energy are not counted. Defaults: HBM2 from DRAMsim3's HBM2_8Gb_x128 currents (umd-memsys/DRAMsim3
// configs/HBM2_8Gb_x128.ini: VDD 1.2 V, IDD0 65, IDD2N 40, IDD3N 55, IDD4R 390, IDD4W 500 mA; tRC 48, tRAS 34,
// tRP 14 ns) with DRAMsim3's (and Micron's TN-41-01 / DRAMPower's) formulas for a 1 KiB row and a 64-byte burst:
// ACT = VDD x (IDD0 x tRC - (IDD3N x tRAS + IDD2N x tRP)) = 828 pJ; RD = VDD x (IDD4R - IDD3N) x 2 ns = 804 pJ
// (1.57 pJ/bit); WR = VDD x (IDD4W - IDD3N) x 2 ns = 1068 pJ (2.09 pJ/bit); per 32-byte column command here, half.
struct HbmEnergy {
    double activate_pj = 828.0;      // one ACT (with its PRE) of a 1 KiB row
    double read_column_pj = 402.0;   // one RD column command (access_bytes of data)
    double write_column_pj = 534.0;  // one WR column command
};

struct HbmConfig {
    std::string preset;              // "hbm2e", "hbm3" or a file's name, for reports
    std::string preset_file;         // the file the preset was read from (a sweep fingerprints its content)
    uint32_t clock_mhz = 1600;       // command clock (CK)
    uint32_t data_rate_mtps = 3200;  // per data pin: 2 x clock for DDR (HBM2e), 4 x for HBM3
    HbmGeometry geometry;
    HbmTiming timing;
    HbmControllerConfig controller;
    HbmAddressMapping mapping;
    HbmEnergy energy;

    uint64_t clock_period_ps() const { return 1'000'000ull / clock_mhz; }
    uint32_t beats_per_clock() const { return data_rate_mtps / clock_mhz; }
    // Data bus cycles one column command occupies.
    uint32_t burst_cycles() const { return geometry.burst_length / beats_per_clock(); }
    double peak_bytes_per_second() const {
        return double(geometry.pseudo_channels()) * geometry.bus_width_bits / 8.0 * data_rate_mtps * 1e6;
    }
};

// A problem with an HbmConfig: the key (as in the YAML, e.g. "timing.tRAS_cycles" or "address_mapping.bank") and
// what is wrong, for the loader to report with the file and line the key came from.
// The count an address-mapping field selects in this geometry (0 when the geometry gives no usable one), and the
// field's name as the YAML writes it (address_mapping.<name>).
uint64_t field_count(const HbmGeometry& geometry, HbmField field);
const char* field_name(HbmField field);

struct HbmConfigProblem {
    std::string key;
    std::string message;
};
// Every inconsistency: impossible timing (tRAS > tRC, ...), a geometry that is not a power of two where the mapping
// needs one, a mapping whose bits overlap, leave gaps or do not match the geometry. Empty when the config is usable.
std::vector<HbmConfigProblem> check_hbm_config(const HbmConfig& config);

}  // namespace npuemu::mem
