#include "model/debug/rsp_packet.h"

namespace npuemu::debug {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool needs_escape(char c) { return c == '$' || c == '#' || c == '}' || c == '*'; }

}  // namespace

uint8_t checksum(std::string_view bytes) {
    unsigned sum = 0;
    for (char c : bytes) sum += static_cast<uint8_t>(c);
    return static_cast<uint8_t>(sum);
}

std::string encode_packet(std::string_view payload) {
    std::string body;
    body.reserve(payload.size() + 8);
    for (char c : payload) {
        if (needs_escape(c)) {
            body += '}';
            body += static_cast<char>(c ^ 0x20);
        } else {
            body += c;
        }
    }
    const uint8_t sum = checksum(body);
    std::string framed = "$";
    framed += body;
    framed += '#';
    framed += kHexDigits[sum >> 4];
    framed += kHexDigits[sum & 15];
    return framed;
}

std::string to_hex(const uint8_t* data, size_t length) {
    std::string hex;
    hex.reserve(length * 2);
    for (size_t i = 0; i < length; ++i) {
        hex += kHexDigits[data[i] >> 4];
        hex += kHexDigits[data[i] & 15];
    }
    return hex;
}

std::string to_hex(std::string_view text) {
    return to_hex(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

bool from_hex(std::string_view hex, std::vector<uint8_t>& bytes) {
    if (hex.size() % 2) return false;
    bytes.clear();
    bytes.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        bytes.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
    return true;
}

bool parse_hex(std::string_view text, uint64_t& value) {
    if (text.empty() || text.size() > 16) return false;
    value = 0;
    for (char c : text) {
        const int digit = hex_value(c);
        if (digit < 0) return false;
        value = value * 16 + static_cast<uint64_t>(digit);
    }
    return true;
}

std::string hex_le32(uint32_t value) {
    uint8_t bytes[4] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8),
                        static_cast<uint8_t>(value >> 16), static_cast<uint8_t>(value >> 24)};
    return to_hex(bytes, 4);
}

bool parse_hex_le32(std::string_view hex, uint32_t& value) {
    std::vector<uint8_t> bytes;
    if (hex.size() != 8 || !from_hex(hex, bytes)) return false;
    value = uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
    return true;
}

void PacketDecoder::feed(const char* data, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        const char c = data[i];
        switch (state_) {
            case State::Idle:
                if (c == '$') {
                    state_ = State::Payload;
                    raw_.clear();
                    overflow_ = false;
                } else if (c == '\x03') {
                    events_.push_back({Event::Kind::Interrupt, {}});
                } else if (c == '+') {
                    events_.push_back({Event::Kind::Ack, {}});
                } else if (c == '-') {
                    events_.push_back({Event::Kind::Nack, {}});
                }
                // Anything else between packets is line noise: ignored.
                break;
            case State::Payload:
                if (c == '#') {
                    state_ = State::Checksum1;
                } else if (c == '$') {
                    // A new packet before this one ended: the client gave up on it. Report it, start again.
                    events_.push_back({Event::Kind::BadPacket, {}});
                    raw_.clear();
                    overflow_ = false;
                } else if (raw_.size() >= max_payload_) {
                    overflow_ = true;  // keep reading to the '#', then refuse the packet
                } else {
                    raw_ += c;
                }
                break;
            case State::Checksum1:
                checksum_digits_[0] = c;
                state_ = State::Checksum2;
                break;
            case State::Checksum2:
                checksum_digits_[1] = c;
                state_ = State::Idle;
                finish_packet();
                break;
        }
    }
}

void PacketDecoder::finish_packet() {
    const int hi = hex_value(checksum_digits_[0]), lo = hex_value(checksum_digits_[1]);
    if (overflow_ || hi < 0 || lo < 0 || checksum(raw_) != hi * 16 + lo) {
        events_.push_back({Event::Kind::BadPacket, {}});
        raw_.clear();
        return;
    }
    std::string payload;
    payload.reserve(raw_.size());
    for (size_t i = 0; i < raw_.size(); ++i) {
        if (raw_[i] == '}' && i + 1 < raw_.size()) {
            payload += static_cast<char>(raw_[++i] ^ 0x20);
        } else {
            payload += raw_[i];
        }
    }
    raw_.clear();
    events_.push_back({Event::Kind::Packet, std::move(payload)});
}

bool PacketDecoder::next(Event& event) {
    if (events_.empty()) return false;
    event = std::move(events_.front());
    events_.pop_front();
    return true;
}

}  // namespace npuemu::debug
