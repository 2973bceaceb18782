// Machine-mode CSR addresses and bit fields of the RISC-V privileged spec (v1.12) that the control core implements.
#pragma once

#include <cstdint>

namespace npuemu::core::csr {

constexpr uint16_t kMstatus = 0x300;
constexpr uint16_t kMisa = 0x301;
constexpr uint16_t kMie = 0x304;
constexpr uint16_t kMtvec = 0x305;
constexpr uint16_t kMcountinhibit = 0x320;
constexpr uint16_t kMscratch = 0x340;
constexpr uint16_t kMepc = 0x341;
constexpr uint16_t kMcause = 0x342;
constexpr uint16_t kMtval = 0x343;
constexpr uint16_t kMip = 0x344;
constexpr uint16_t kMcycle = 0xB00;
constexpr uint16_t kMinstret = 0xB02;
constexpr uint16_t kMcycleh = 0xB80;
constexpr uint16_t kMinstreth = 0xB82;
constexpr uint16_t kCycle = 0xC00;
constexpr uint16_t kTime = 0xC01;
constexpr uint16_t kInstret = 0xC02;
constexpr uint16_t kCycleh = 0xC80;
constexpr uint16_t kTimeh = 0xC81;
constexpr uint16_t kInstreth = 0xC82;
constexpr uint16_t kMvendorid = 0xF11;
constexpr uint16_t kMarchid = 0xF12;
constexpr uint16_t kMimpid = 0xF13;
constexpr uint16_t kMhartid = 0xF14;
constexpr uint16_t kMconfigptr = 0xF15;

constexpr uint32_t kMstatusMie = 1u << 3;
constexpr uint32_t kMstatusMpie = 1u << 7;
constexpr uint32_t kMstatusMpp = 3u << 11;  // M-mode only: MPP reads 3 always

// mip/mie bits
constexpr uint32_t kMsip = 1u << 3;
constexpr uint32_t kMtip = 1u << 7;
constexpr uint32_t kMeip = 1u << 11;
constexpr uint32_t kInterruptBits = kMsip | kMtip | kMeip;

// misa: MXL=1 (32-bit), extensions I and M.
constexpr uint32_t kMisaValue = (1u << 30) | (1u << ('I' - 'A')) | (1u << ('M' - 'A'));

}  // namespace npuemu::core::csr

namespace npuemu::core {

// mcause exception codes (interrupt bit clear).
enum class ExceptionCause : uint32_t {
    InstructionAddressMisaligned = 0,
    InstructionAccessFault = 1,
    IllegalInstruction = 2,
    Breakpoint = 3,
    LoadAddressMisaligned = 4,
    LoadAccessFault = 5,
    StoreAddressMisaligned = 6,
    StoreAccessFault = 7,
    EcallFromM = 11,
};

// mcause interrupt codes (interrupt bit set).
enum class InterruptCause : uint32_t {
    MachineSoftware = 3,
    MachineTimer = 7,
    MachineExternal = 11,
};

const char* exception_name(uint32_t code);
const char* interrupt_name(uint32_t code);

}  // namespace npuemu::core
