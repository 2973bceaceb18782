#include "model/debug/rsp_session.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace npuemu::debug {

namespace {

constexpr size_t kPacketSize = 0x4000;             // advertised in qSupported (bytes, hex in the reply)
constexpr size_t kMaxMemoryRead = kPacketSize / 2 - 32;  // hex doubles it; leave room for framing
constexpr size_t kConsoleChunk = 256;              // bytes of console text per O packet

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::string hex2(unsigned value) {
    char text[8];
    std::snprintf(text, sizeof text, "%02x", value & 0xFF);
    return text;
}

std::string hex_number(uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
    return text;
}

// "addr,length" → two numbers; false if malformed.
bool parse_addr_length(std::string_view text, uint64_t& addr, uint64_t& length) {
    const size_t comma = text.find(',');
    if (comma == std::string_view::npos) return false;
    return parse_hex(text.substr(0, comma), addr) && parse_hex(text.substr(comma + 1), length);
}

const char* kErrorBadArgs = "E01";
const char* kErrorMemory = "E14";  // EFAULT
const char* kErrorRegister = "E45";

}  // namespace

RspSession::RspSession(DebugTarget& target) : target_(target), decoder_(kPacketSize * 4) {
    last_stop_.hart = 0;
    last_stop_.signal = gdb_signal::kTrap;
}

std::string RspSession::take_output() {
    std::string out;
    out.swap(output_);
    return out;
}

void RspSession::send_packet(std::string_view payload) {
    last_packet_ = encode_packet(payload);
    output_ += last_packet_;
}

void RspSession::receive(const char* data, size_t length) {
    decoder_.feed(data, length);
    PacketDecoder::Event event;
    while (decoder_.next(event)) {
        switch (event.kind) {
            case PacketDecoder::Event::Kind::Packet:
                if (ack_mode_) output_ += '+';
                if (state_ == State::Running) break;  // all-stop: only Ctrl-C means something now
                if (state_ == State::Halted) handle_packet(event.payload);
                break;
            case PacketDecoder::Event::Kind::BadPacket:
                ++bad_packets_;
                if (ack_mode_) output_ += '-';
                break;
            case PacketDecoder::Event::Kind::Interrupt:
                if (state_ == State::Running) interrupt_ = true;
                break;
            case PacketDecoder::Event::Kind::Nack:
                if (ack_mode_ && !last_packet_.empty()) output_ += last_packet_;
                break;
            case PacketDecoder::Event::Kind::Ack:
                break;
        }
    }
}

bool RspSession::take_interrupt() {
    const bool was = interrupt_;
    interrupt_ = false;
    return was;
}

unsigned RspSession::first_alive_hart() const {
    for (unsigned h = 0; h < target_.hart_count(); ++h) {
        if (target_.hart_alive(h)) return h;
    }
    return 0;
}

void RspSession::set_initial_stop(const StopEvent& event) {
    last_stop_ = event;
    general_hart_ = event.hart;
    continue_hart_ = -1;
    state_ = State::Halted;
}

void RspSession::report_stop(const StopEvent& event) {
    last_stop_ = event;
    general_hart_ = event.hart;
    continue_hart_ = -1;
    interrupt_ = false;
    if (state_ == State::Running) {
        state_ = State::Halted;
        send_packet(stop_reply(event));
    }
}

void RspSession::report_no_resumed(unsigned fallback_hart) {
    if (state_ != State::Running) return;
    if (!client_no_resumed_) {
        StopEvent stop;
        stop.hart = fallback_hart;
        report_stop(stop);
        return;
    }
    state_ = State::Halted;
    interrupt_ = false;
    send_packet("N");
}

void RspSession::report_exit(bool by_signal, int value, const std::string& message) {
    if (state_ != State::Running && state_ != State::Halted) return;
    for (size_t i = 0; i < message.size(); i += kConsoleChunk) send_packet("O" + to_hex(message.substr(i, kConsoleChunk)));
    send_packet((by_signal ? "X" : "W") + hex2(static_cast<unsigned>(value)));
    state_ = State::Detached;
}

std::string RspSession::stop_reply(const StopEvent& event) const {
    std::string reply = "T" + hex2(static_cast<unsigned>(event.signal));
    switch (event.cause) {
        case StopEvent::Cause::Watch: reply += "watch:" + hex_number(event.data_address) + ";"; break;
        case StopEvent::Cause::ReadWatch: reply += "rwatch:" + hex_number(event.data_address) + ";"; break;
        case StopEvent::Cause::AccessWatch: reply += "awatch:" + hex_number(event.data_address) + ";"; break;
        case StopEvent::Cause::SoftwareBreak: if (client_swbreak_) reply += "swbreak:;"; break;
        case StopEvent::Cause::HardwareBreak: if (client_hwbreak_) reply += "hwbreak:;"; break;
        default: break;
    }
    reply += "thread:" + hex_number(event.hart + 1) + ";";
    return reply;
}

bool RspSession::parse_thread(std::string_view text, int& hart) const {
    if (starts_with(text, "p")) {  // multiprocess form pPID.TID
        const size_t dot = text.find('.');
        text = dot == std::string_view::npos ? std::string_view("-1") : text.substr(dot + 1);
    }
    if (text == "-1") { hart = -1; return true; }
    uint64_t id = 0;
    if (!parse_hex(text, id)) return false;
    if (id == 0) { hart = -2; return true; }
    if (id > target_.hart_count()) return false;
    hart = static_cast<int>(id - 1);
    return true;
}

void RspSession::handle_packet(const std::string& payload) {
    std::string reply;
    if (dispatch(payload, reply)) send_packet(reply);
}

bool RspSession::dispatch(std::string_view p, std::string& reply) {
    if (p.empty()) { reply = ""; return true; }
    const std::string_view args = p.substr(1);
    switch (p[0]) {
        case '?': reply = stop_reply(last_stop_); return true;
        case 'g': reply = read_registers(); return true;
        case 'G': reply = write_registers(args); return true;
        case 'p': {
            uint64_t regnum = 0;
            uint32_t value = 0;
            if (!parse_hex(args, regnum) || regnum > 0xFFFF) { reply = kErrorBadArgs; return true; }
            reply = target_.read_register(general_hart_, static_cast<unsigned>(regnum), value) ? hex_le32(value)
                                                                                                : kErrorRegister;
            return true;
        }
        case 'P': {
            const size_t eq = args.find('=');
            uint64_t regnum = 0;
            uint32_t value = 0;
            if (eq == std::string_view::npos || !parse_hex(args.substr(0, eq), regnum) || regnum > 0xFFFF ||
                !parse_hex_le32(args.substr(eq + 1), value)) {
                reply = kErrorBadArgs;
                return true;
            }
            reply = target_.write_register(general_hart_, static_cast<unsigned>(regnum), value) ? "OK"
                                                                                                 : kErrorRegister;
            return true;
        }
        case 'm': reply = read_memory(args); return true;
        case 'M': reply = write_memory(args, false); return true;
        case 'X': reply = write_memory(args, true); return true;
        case 'Z': reply = trigger(args, true); return true;
        case 'z': reply = trigger(args, false); return true;
        case 'H': {
            int hart = 0;
            if (args.empty() || (args[0] != 'g' && args[0] != 'c') || !parse_thread(args.substr(1), hart)) {
                reply = kErrorBadArgs;
                return true;
            }
            if (args[0] == 'g') {
                general_hart_ = hart >= 0 ? static_cast<unsigned>(hart) : last_stop_.hart;
            } else {
                continue_hart_ = hart >= 0 ? hart : -1;
            }
            reply = "OK";
            return true;
        }
        case 'T': {
            int hart = 0;
            reply = parse_thread(args, hart) && hart >= 0 && target_.hart_alive(static_cast<unsigned>(hart)) ? "OK"
                                                                                                              : "E01";
            return true;
        }
        case 'c': case 's': case 'C': case 'S': {
            // Legacy resume: [sig][;addr]. c/C run every hart; s/S step the Hc hart (else the last stopped one)
            // while the others stay stopped.
            const bool step = p[0] == 's' || p[0] == 'S';
            int signal = 0;
            std::string_view rest = args;
            if (p[0] == 'C' || p[0] == 'S') {
                const size_t semi = rest.find(';');
                uint64_t sig = 0;
                if (!parse_hex(rest.substr(0, semi), sig) || sig > 255) { reply = kErrorBadArgs; return true; }
                signal = static_cast<int>(sig);
                rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            }
            const int hart = continue_hart_ >= 0 ? continue_hart_ : static_cast<int>(last_stop_.hart);
            if (!rest.empty()) {
                uint64_t addr = 0;
                if (!parse_hex(rest, addr) || addr > 0xFFFFFFFFull) { reply = kErrorBadArgs; return true; }
                target_.write_register(static_cast<unsigned>(hart), kRegPc, static_cast<uint32_t>(addr));
            }
            resume_all(step ? HartResume::Action::Step : HartResume::Action::Continue, step ? hart : -1, signal);
            return false;
        }
        case 'D':
            reply = "OK";
            send_packet(reply);
            target_.detach();
            state_ = State::Detached;
            return false;
        case 'k':
            target_.kill();
            state_ = State::Killed;
            return false;
        case 'q': case 'Q': return handle_query(p, reply);
        case 'v': return handle_v_packet(p, reply);
        default: reply = ""; return true;  // not supported: the empty reply
    }
}

bool RspSession::handle_query(std::string_view p, std::string& reply) {
    if (starts_with(p, "qSupported")) {
        const std::string_view features = p.size() > 11 ? p.substr(11) : std::string_view();
        client_swbreak_ = features.find("swbreak+") != std::string_view::npos;
        client_hwbreak_ = features.find("hwbreak+") != std::string_view::npos;
        client_no_resumed_ = features.find("no-resumed+") != std::string_view::npos;
        reply = "PacketSize=" + hex_number(kPacketSize) +
                ";qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+";
    } else if (p == "QStartNoAckMode") {
        reply = "OK";
        send_packet(reply);
        ack_mode_ = false;  // after the OK, which the client still acknowledges
        return false;
    } else if (starts_with(p, "qXfer:features:read:")) {
        std::string_view rest = p.substr(20);
        const size_t colon = rest.find(':');
        uint64_t offset = 0, length = 0;
        if (colon == std::string_view::npos || !parse_addr_length(rest.substr(colon + 1), offset, length)) {
            reply = kErrorBadArgs;
        } else if (rest.substr(0, colon) != "target.xml") {
            reply = "E00";
        } else {
            const std::string xml = target_.target_description_xml();
            if (offset >= xml.size()) {
                reply = "l";
            } else {
                length = std::min<uint64_t>(length, kPacketSize - 16);
                const bool last = offset + length >= xml.size();
                reply = (last ? "l" : "m") + xml.substr(offset, length);
            }
        }
    } else if (p == "qfThreadInfo") {
        reply = "m";
        for (unsigned h = 0; h < target_.hart_count(); ++h) {
            if (!target_.hart_alive(h)) continue;
            if (reply.size() > 1) reply += ",";
            reply += hex_number(h + 1);
        }
        if (reply.size() == 1) reply = "l";
    } else if (p == "qsThreadInfo") {
        reply = "l";
    } else if (starts_with(p, "qThreadExtraInfo,")) {
        int hart = 0;
        reply = parse_thread(p.substr(17), hart) && hart >= 0
                    ? to_hex(target_.hart_description(static_cast<unsigned>(hart)))
                    : kErrorBadArgs;
    } else if (p == "qC") {
        reply = "QC" + hex_number(general_hart_ + 1);
    } else if (starts_with(p, "qAttached")) {
        reply = "1";  // quitting GDB detaches (the run goes on) rather than killing it
    } else if (starts_with(p, "qRcmd,")) {
        reply = monitor(p.substr(6));
    } else if (starts_with(p, "qSymbol")) {
        reply = "OK";
    } else {
        reply = "";
    }
    return true;
}

bool RspSession::handle_v_packet(std::string_view p, std::string& reply) {
    if (p == "vCont?") {
        reply = "vCont;c;C;s;S";
        return true;
    }
    if (starts_with(p, "vCont;")) return resume_vcont(p.substr(6), reply);
    if (starts_with(p, "vKill")) {
        reply = "OK";
        send_packet(reply);
        target_.kill();
        state_ = State::Killed;
        return false;
    }
    reply = "";  // vMustReplyEmpty and everything else we do not support
    return true;
}

void RspSession::resume_all(HartResume::Action action_for_selected, int selected_hart, int signal) {
    std::vector<HartResume> actions(target_.hart_count());
    for (unsigned h = 0; h < actions.size(); ++h) {
        if (selected_hart < 0) {
            actions[h].action = action_for_selected;
        } else if (static_cast<int>(h) == selected_hart) {
            actions[h].action = action_for_selected;
        }
        // Legacy packets deliver the signal to the thread that stopped.
        if (h == last_stop_.hart) actions[h].signal = signal;
    }
    target_.resume(actions);
    state_ = State::Running;
}

bool RspSession::resume_vcont(std::string_view text, std::string& reply) {
    // vCont;ACTION[:THREAD];ACTION[:THREAD]... For each hart the leftmost action naming it (or naming no thread)
    // applies; a hart no action names stays stopped.
    std::vector<HartResume> actions(target_.hart_count());
    std::vector<bool> decided(actions.size(), false);
    while (!text.empty()) {
        const size_t semi = text.find(';');
        std::string_view item = text.substr(0, semi);
        text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
        const size_t colon = item.find(':');
        std::string_view verb = item.substr(0, colon);
        if (verb.empty()) {  // "vCont;;c" or "vCont;:1": an action with no verb
            reply = kErrorBadArgs;
            return true;
        }
        int hart = -1;
        if (colon != std::string_view::npos && !parse_thread(item.substr(colon + 1), hart)) {
            reply = kErrorBadArgs;
            return true;
        }
        HartResume action;
        if (verb == "c") {
            action.action = HartResume::Action::Continue;
        } else if (verb == "s") {
            action.action = HartResume::Action::Step;
        } else if ((verb[0] == 'C' || verb[0] == 'S') && verb.size() == 3) {
            uint64_t sig = 0;
            if (!parse_hex(verb.substr(1), sig)) { reply = kErrorBadArgs; return true; }
            action.action = verb[0] == 'C' ? HartResume::Action::Continue : HartResume::Action::Step;
            action.signal = static_cast<int>(sig);
        } else {
            reply = kErrorBadArgs;  // 't', 'r' and anything else: not offered by vCont?
            return true;
        }
        for (unsigned h = 0; h < actions.size(); ++h) {
            const bool named = hart < 0 || static_cast<int>(h) == hart;
            if (named && !decided[h]) {
                actions[h] = action;
                decided[h] = true;
            }
        }
    }
    target_.resume(actions);
    state_ = State::Running;
    return false;
}

std::string RspSession::read_registers() {
    std::string reply;
    for (unsigned r = 0; r <= kRegPc; ++r) {
        uint32_t value = 0;
        if (!target_.read_register(general_hart_, r, value)) return kErrorRegister;
        reply += hex_le32(value);
    }
    return reply;
}

std::string RspSession::write_registers(std::string_view hex) {
    if (hex.size() < (kRegPc + 1) * 8) return kErrorBadArgs;
    std::vector<uint32_t> values(kRegPc + 1);
    for (unsigned r = 0; r <= kRegPc; ++r) {
        if (!parse_hex_le32(hex.substr(r * 8, 8), values[r])) return kErrorBadArgs;
    }
    for (unsigned r = 1; r <= kRegPc; ++r) target_.write_register(general_hart_, r, values[r]);
    return "OK";
}

std::string RspSession::read_memory(std::string_view args) {
    uint64_t addr = 0, length = 0;
    if (!parse_addr_length(args, addr, length) || addr > 0xFFFFFFFFull) return kErrorBadArgs;
    length = std::min<uint64_t>({length, kMaxMemoryRead, 0x100000000ull - addr});
    if (length == 0) return "";
    std::vector<uint8_t> bytes(length);
    const size_t done = target_.read_memory(general_hart_, static_cast<uint32_t>(addr), bytes.data(), length);
    if (done == 0) return kErrorMemory;
    return to_hex(bytes.data(), done);
}

std::string RspSession::write_memory(std::string_view args, bool binary) {
    const size_t colon = args.find(':');
    uint64_t addr = 0, length = 0;
    if (colon == std::string_view::npos || !parse_addr_length(args.substr(0, colon), addr, length) ||
        addr > 0xFFFFFFFFull || length > 0x100000000ull - addr) {
        return kErrorBadArgs;
    }
    std::vector<uint8_t> bytes;
    const std::string_view data = args.substr(colon + 1);
    if (binary) {
        bytes.assign(data.begin(), data.end());
    } else if (!from_hex(data, bytes)) {
        return kErrorBadArgs;
    }
    if (bytes.size() != length) return kErrorBadArgs;
    if (length == 0) return "OK";  // GDB probes for X support with an empty write
    const size_t done = target_.write_memory(general_hart_, static_cast<uint32_t>(addr), bytes.data(), length);
    return done == length ? "OK" : kErrorMemory;
}

std::string RspSession::trigger(std::string_view args, bool insert) {
    // TYPE,ADDR,KIND[;cond...]: conditions and commands (target-side) are not supported and ignored.
    args = args.substr(0, args.find(';'));
    const size_t comma = args.find(',');
    if (comma != 1) return kErrorBadArgs;
    uint64_t addr = 0, length = 0;
    if (!parse_addr_length(args.substr(2), addr, length) || addr > 0xFFFFFFFFull || length > 0xFFFFFFFFull) {
        return kErrorBadArgs;
    }
    TriggerKind kind;
    switch (args[0]) {
        case '0': kind = TriggerKind::SoftwareBreak; break;
        case '1': kind = TriggerKind::HardwareBreak; break;
        case '2': kind = TriggerKind::WriteWatch; break;
        case '3': kind = TriggerKind::ReadWatch; break;
        case '4': kind = TriggerKind::AccessWatch; break;
        default: return "";  // an unknown type: not supported
    }
    if (kind >= TriggerKind::WriteWatch && length == 0) return kErrorBadArgs;
    const bool ok = insert ? target_.insert_trigger(kind, static_cast<uint32_t>(addr), static_cast<uint32_t>(length))
                           : target_.remove_trigger(kind, static_cast<uint32_t>(addr), static_cast<uint32_t>(length));
    return ok ? "OK" : "E0e";
}

std::string RspSession::monitor(std::string_view hex_command) {
    std::vector<uint8_t> bytes;
    if (!from_hex(hex_command, bytes)) return kErrorBadArgs;
    const std::string command(bytes.begin(), bytes.end());
    std::string output;
    const bool ok = target_.monitor(command, output);
    for (size_t i = 0; i < output.size(); i += kConsoleChunk) send_packet("O" + to_hex(output.substr(i, kConsoleChunk)));
    return ok ? "OK" : kErrorBadArgs;
}

}  // namespace npuemu::debug
