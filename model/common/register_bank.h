// A device's registers as declared in isa/npu_isa.yaml (the generated table: name, offset, instances, width,
// access): the bank decodes an access to (register, instance) and checks size and access kind, so a device only binds
// what each register reads and does. Model followed: VCML's reg<T, N> with allow_read_only() and per-register
// callbacks. No offset arithmetic in devices.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace npuemu {

enum class RegisterAccess : uint8_t {
    ReadOnly,         // a write is an access fault
    ReadWrite,
    WriteOneToClear,  // reads and writes; the device's writer clears the bits written as 1
    WriteOnly,        // a read is an access fault
};

struct RegisterInfo {
    const char* name;
    uint32_t offset;
    uint32_t count;   // instances, at offset + i * stride
    uint32_t stride;
    uint8_t width_bytes;  // 4 or 8; an 8-byte register also takes 4-byte accesses to either half
    RegisterAccess access;
};

class RegisterBank {
public:
    // Reads instance `index` of the register, whole (hart: the issuing hart, or -1 for a debugger).
    using Reader = std::function<uint64_t(unsigned index, int64_t hart)>;
    // Writes the whole register (a half write has been merged with the current value). false refuses the access
    // (an access fault), for a write the device cannot take (no hart to attribute it to, say).
    using Writer = std::function<bool(unsigned index, uint64_t value, int64_t hart)>;

    // map: the map's name, for errors. The table outlives the bank (it is generated constexpr data).
    RegisterBank(std::string map, const RegisterInfo* table, size_t registers);
    template <size_t N>
    RegisterBank(std::string map, const RegisterInfo (&table)[N]) : RegisterBank(std::move(map), table, N) {}

    // Registers are named by their index in the table (the generated enum Reg of the map).
    template <class Reg> void on_read(Reg reg, Reader reader) { bind_read(static_cast<unsigned>(reg), std::move(reader)); }
    template <class Reg> void on_write(Reg reg, Writer writer) { bind_write(static_cast<unsigned>(reg), std::move(writer)); }
    // Fewer instances than the map declares (the harts the chip has): the rest are holes.
    template <class Reg> void limit_instances(Reg reg, unsigned count) { limit(static_cast<unsigned>(reg), count); }
    // Throws npuemu::Error for a readable register without a reader or a writable one without a writer.
    void check_complete() const;

    // An access of size_bytes at offset; false for a hole, a wrong size or alignment, or an access the register's
    // kind does not allow.
    bool read(uint64_t offset, unsigned size_bytes, uint64_t& value, int64_t hart) const;
    bool write(uint64_t offset, unsigned size_bytes, uint64_t value, int64_t hart);

private:
    struct Slot {
        const RegisterInfo* info;
        unsigned instances;
        Reader reader;
        Writer writer;
    };
    // The register and instance an access hits, and the byte offset inside the register; nullptr for a hole.
    const Slot* find(uint64_t offset, unsigned size_bytes, unsigned& index, unsigned& byte_offset) const;
    void bind_read(unsigned reg, Reader reader);
    void bind_write(unsigned reg, Writer writer);
    void limit(unsigned reg, unsigned count);
    Slot& slot(unsigned reg);

    std::string map_;
    std::vector<Slot> slots_;
};

}  // namespace npuemu
