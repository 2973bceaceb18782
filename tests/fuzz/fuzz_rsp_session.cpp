// libFuzzer: a GDB remote-protocol session fed arbitrary bytes (packets, acks, escapes, binary writes), against a
// target of two harts with 4 KiB of memory at 0x1000.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/debug/rsp_session.h"
#include "model/debug/rv32_target_description.h"

namespace {

using namespace npuemu::debug;

class FuzzTarget : public DebugTarget {
public:
    unsigned hart_count() const override { return 2; }
    bool hart_alive(unsigned) const override { return true; }
    std::string hart_description(unsigned hart) const override { return "tile" + std::to_string(hart); }
    std::string target_description_xml() const override { return rv32_target_description_xml(); }
    bool read_register(unsigned, unsigned regnum, uint32_t& value) override {
        value = regnum;
        return regnum <= kRegPc;
    }
    bool write_register(unsigned, unsigned regnum, uint32_t) override { return regnum <= kRegPc; }
    size_t read_memory(unsigned, uint32_t addr, uint8_t* data, size_t length) override {
        return access(addr, length, [&](size_t i, size_t at) { data[i] = memory_[at]; });
    }
    size_t write_memory(unsigned, uint32_t addr, const uint8_t* data, size_t length) override {
        return access(addr, length, [&](size_t i, size_t at) { memory_[at] = data[i]; });
    }
    bool insert_trigger(TriggerKind, uint32_t, uint32_t) override { return true; }
    bool remove_trigger(TriggerKind, uint32_t, uint32_t) override { return true; }
    void resume(const std::vector<HartResume>&) override {}
    bool monitor(const std::string&, std::string& output) override {
        output = "no monitor commands\n";
        return false;
    }
    void kill() override {}
    void detach() override {}

private:
    template <class Copy>
    size_t access(uint32_t addr, size_t length, Copy copy) {
        size_t done = 0;
        while (done < length && addr + done >= 0x1000 && addr + done < 0x1000 + memory_.size()) {
            copy(done, addr + done - 0x1000);
            ++done;
        }
        return done;
    }
    std::vector<uint8_t> memory_ = std::vector<uint8_t>(4096);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzTarget target;
    RspSession session(target);
    session.receive(reinterpret_cast<const char*>(data), size);
    session.take_output();
    return 0;
}
