// The GDB remote protocol's framing: checksums, escapes, acks, Ctrl-C, and what the decoder does with bad input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "model/debug/rsp_packet.h"

using namespace npuemu::debug;
using Kind = PacketDecoder::Event::Kind;

namespace {

std::vector<PacketDecoder::Event> decode(PacketDecoder& decoder, const std::string& bytes) {
    decoder.feed(bytes.data(), bytes.size());
    std::vector<PacketDecoder::Event> events;
    PacketDecoder::Event event;
    while (decoder.next(event)) events.push_back(event);
    return events;
}

}  // namespace

TEST_CASE("rsp packet: encoding frames the payload with its modulo-256 checksum") {
    CHECK(encode_packet("") == "$#00");
    CHECK(encode_packet("OK") == "$OK#9a");
    CHECK(encode_packet("qSupported") == "$qSupported#37");
    CHECK(checksum("OK") == 0x9a);
}

TEST_CASE("rsp packet: $, #, } and * are escaped, and the checksum covers the escaped bytes") {
    const std::string framed = encode_packet("a$b#c}d*e");
    CHECK(framed.substr(0, framed.size() - 3) == "$a}\x04" "b}\x03" "c}]d}\x0a" "e");
    CHECK(framed.find('*') == std::string::npos);  // never run-length encoding
    // The decoder undoes it.
    PacketDecoder decoder;
    auto events = decode(decoder, framed);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == Kind::Packet);
    CHECK(events[0].payload == "a$b#c}d*e");
}

TEST_CASE("rsp packet: a stream of packets, acks, naks and Ctrl-C splits into events in order") {
    PacketDecoder decoder;
    auto events = decode(decoder, "+$g#67-\x03$m0,4#fd+");
    REQUIRE(events.size() == 6);
    CHECK(events[0].kind == Kind::Ack);
    CHECK(events[1].kind == Kind::Packet);
    CHECK(events[1].payload == "g");
    CHECK(events[2].kind == Kind::Nack);
    CHECK(events[3].kind == Kind::Interrupt);
    CHECK(events[4].kind == Kind::Packet);
    CHECK(events[4].payload == "m0,4");
    CHECK(events[5].kind == Kind::Ack);
}

TEST_CASE("rsp packet: a packet split across reads is reassembled") {
    PacketDecoder decoder;
    CHECK(decode(decoder, "$qSup").empty());
    CHECK(decode(decoder, "ported#").empty());
    CHECK(decode(decoder, "3").empty());
    auto events = decode(decoder, "7");
    REQUIRE(events.size() == 1);
    CHECK(events[0].payload == "qSupported");
}

TEST_CASE("rsp packet: bad and malformed checksums are reported, and decoding goes on after them") {
    PacketDecoder decoder;
    auto events = decode(decoder, "$g#00$g#zz$g#67");
    REQUIRE(events.size() == 3);
    CHECK(events[0].kind == Kind::BadPacket);
    CHECK(events[1].kind == Kind::BadPacket);
    CHECK(events[2].kind == Kind::Packet);
    CHECK(events[2].payload == "g");
}

TEST_CASE("rsp packet: noise between packets is ignored; a '$' inside a packet restarts it") {
    PacketDecoder decoder;
    auto events = decode(decoder, "garbage\r\n$abc$g#67");
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == Kind::BadPacket);
    CHECK(events[1].kind == Kind::Packet);
    CHECK(events[1].payload == "g");
}

TEST_CASE("rsp packet: an over-long packet is refused, not buffered without bound") {
    PacketDecoder decoder(16);
    const std::string body(100, 'a');
    auto events = decode(decoder, encode_packet(body) + encode_packet("g"));
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == Kind::BadPacket);
    CHECK(events[1].kind == Kind::Packet);
}

TEST_CASE("rsp packet: hex helpers") {
    CHECK(to_hex(std::string("OK\n")) == "4f4b0a");
    std::vector<uint8_t> bytes;
    CHECK(from_hex("00ff7F", bytes));
    CHECK(bytes == std::vector<uint8_t>{0x00, 0xff, 0x7f});
    CHECK_FALSE(from_hex("abc", bytes));
    CHECK_FALSE(from_hex("zz", bytes));
    uint64_t value = 0;
    CHECK(parse_hex("80000000", value));
    CHECK(value == 0x80000000u);
    CHECK_FALSE(parse_hex("", value));
    CHECK_FALSE(parse_hex("12g", value));
    CHECK_FALSE(parse_hex("11111111111111111", value));
    CHECK(hex_le32(0x80000010u) == "10000080");
    uint32_t word = 0;
    CHECK(parse_hex_le32("10000080", word));
    CHECK(word == 0x80000010u);
    CHECK_FALSE(parse_hex_le32("100000", word));
}
