#include "model/soc/uart.h"

#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::soc {

Uart::Uart(sc_core::sc_module_name name, std::ostream& out, bool prefix_lines, std::string chip_label,
           sc_core::sc_time access_latency)
    : RegisterDevice(name, access_latency), out_(out), prefix_lines_(prefix_lines), chip_label_(std::move(chip_label)) {
    stats_.counter("bytes", bytes_sent_, StatUnit::Bytes, "bytes written to the console");
}

Uart::~Uart() { flush_partial_lines(); }

bool Uart::read_register(uint64_t offset, unsigned, uint64_t& value, int64_t) {
    if (offset == NPUEMU_UART_STATUS_OFFSET) { value = 1; return true; }  // always ready to send
    if (offset == NPUEMU_UART_TXDATA_OFFSET) { value = 0; return true; }
    return false;
}

bool Uart::write_register(uint64_t offset, unsigned, uint64_t value, int64_t hart) {
    if (offset != NPUEMU_UART_TXDATA_OFFSET) return offset == NPUEMU_UART_STATUS_OFFSET;
    const char c = static_cast<char>(value & 0xFF);
    ++bytes_sent_;
    std::string& line = pending_[hart];
    if (c == '\n') {
        emit(hart, line);
        line.clear();
    } else if (c != '\r') {
        line.push_back(c);
    }
    return true;
}

void Uart::emit(int64_t hart, const std::string& line) {
    if (!chip_label_.empty()) {
        out_ << "[" << chip_label_;
        if (hart >= 0) out_ << " hart " << hart;
        out_ << "] ";
    } else if (prefix_lines_ && hart >= 0) {
        out_ << "[hart " << hart << "] ";
    }
    out_ << line << '\n';
    out_.flush();
}

void Uart::flush_partial_lines() {
    for (auto& [hart, line] : pending_) {
        if (!line.empty()) emit(hart, line);
        line.clear();
    }
}

}  // namespace npuemu::soc
