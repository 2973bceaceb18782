// The GDB remote serial protocol's framing: "$payload#xx" packets with a modulo-256 checksum, '}' escapes, the
// one-byte acks '+'/'-' and the out-of-band interrupt 0x03. Pure C++ (no sockets, no SystemC), so it is unit-tested
// on its own. The encoder never emits run-length encoding; the decoder does not accept it (GDB never sends it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace npuemu::debug {

// Frames a reply: escapes '$', '#', '}' and '*' (GDB would read a bare '*' as run-length encoding) and appends the
// checksum of the bytes as sent.
std::string encode_packet(std::string_view payload);
uint8_t checksum(std::string_view bytes);

// Hex helpers for the protocol's fields.
std::string to_hex(const uint8_t* data, size_t length);
std::string to_hex(std::string_view text);
// Two hex digits per byte; false on an odd length or a non-hex digit.
bool from_hex(std::string_view hex, std::vector<uint8_t>& bytes);
// A big-endian hex number as in "m80000000,4" (1 to 16 digits); false if empty, too long or not hex.
bool parse_hex(std::string_view text, uint64_t& value);
// A 32-bit register value in target (little-endian) byte order, 8 hex digits, and back.
std::string hex_le32(uint32_t value);
bool parse_hex_le32(std::string_view hex, uint32_t& value);

// Splits the byte stream from the client into events. Feed it whatever arrived; take events with next().
class PacketDecoder {
public:
    struct Event {
        enum class Kind {
            Packet,     // a complete packet with a good checksum; payload is unescaped
            BadPacket,  // a bad checksum, a malformed checksum or an over-long packet: answer '-' (NAK)
            Interrupt,  // 0x03 outside a packet (Ctrl-C)
            Ack,        // '+'
            Nack,       // '-': resend the last packet
        };
        Kind kind;
        std::string payload;
    };

    explicit PacketDecoder(size_t max_payload_bytes = 64 * 1024) : max_payload_(max_payload_bytes) {}

    void feed(const char* data, size_t length);
    bool next(Event& event);
    bool empty() const { return events_.empty(); }

private:
    enum class State { Idle, Payload, Checksum1, Checksum2 };
    void finish_packet();

    size_t max_payload_;
    State state_ = State::Idle;
    std::string raw_;  // payload bytes as sent (escaped): the checksum covers these
    bool overflow_ = false;
    char checksum_digits_[2] = {0, 0};
    std::deque<Event> events_;
};

}  // namespace npuemu::debug
