// The GDB command handler against a fake target: registers, memory, triggers, threads, resume and stop replies,
// monitor commands, no-ack mode and bad input.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "model/debug/rsp_session.h"
#include "model/debug/rv32_target_description.h"

using namespace npuemu::debug;

namespace {

struct FakeTarget : DebugTarget {
    unsigned harts = 3;
    std::vector<bool> alive{true, true, true};
    std::vector<std::array<uint32_t, 33>> regs = std::vector<std::array<uint32_t, 33>>(3);
    std::map<unsigned, uint32_t> csrs;  // hart 0's mhartid and so on
    std::vector<uint8_t> memory = std::vector<uint8_t>(256);  // at 0x1000
    struct Trigger { TriggerKind kind; uint32_t addr; uint32_t length; };
    std::vector<Trigger> triggers;
    std::vector<std::vector<HartResume>> resumes;
    std::vector<std::string> monitor_commands;
    bool killed = false;
    bool detached = false;

    unsigned hart_count() const override { return harts; }
    bool hart_alive(unsigned h) const override { return alive.at(h); }
    std::string hart_description(unsigned h) const override { return "tile" + std::to_string(h); }
    std::string target_description_xml() const override { return rv32_target_description_xml(); }
    bool read_register(unsigned h, unsigned r, uint32_t& v) override {
        if (r <= kRegPc) { v = regs.at(h)[r]; return true; }
        if (r == kRegFirstCsr + 0xF14) { v = h; return true; }  // mhartid
        return false;
    }
    bool write_register(unsigned h, unsigned r, uint32_t v) override {
        if (r > kRegPc) return false;
        if (r) regs.at(h)[r] = v;
        return true;
    }
    size_t read_memory(unsigned, uint32_t addr, uint8_t* data, size_t length) override {
        size_t done = 0;
        for (; done < length && addr + done >= 0x1000 && addr + done < 0x1100; ++done) {
            data[done] = memory[addr + done - 0x1000];
        }
        return done;
    }
    size_t write_memory(unsigned, uint32_t addr, const uint8_t* data, size_t length) override {
        size_t done = 0;
        for (; done < length && addr + done >= 0x1000 && addr + done < 0x1100; ++done) {
            memory[addr + done - 0x1000] = data[done];
        }
        return done;
    }
    bool insert_trigger(TriggerKind kind, uint32_t addr, uint32_t length) override {
        triggers.push_back({kind, addr, length});
        return true;
    }
    bool remove_trigger(TriggerKind kind, uint32_t addr, uint32_t) override {
        for (auto it = triggers.begin(); it != triggers.end(); ++it) {
            if (it->kind == kind && it->addr == addr) { triggers.erase(it); return true; }
        }
        return false;
    }
    void resume(const std::vector<HartResume>& actions) override { resumes.push_back(actions); }
    bool monitor(const std::string& command, std::string& output) override {
        monitor_commands.push_back(command);
        if (command == "cycles") { output = "h0: 42 cycles\n"; return true; }
        output = "unknown monitor command '" + command + "'\n";
        return false;
    }
    void kill() override { killed = true; }
    void detach() override { detached = true; }
};

struct Client {
    FakeTarget target;
    RspSession session{target};

    // Sends one packet; returns everything the session answered (acks included).
    std::string raw(const std::string& bytes) {
        session.receive(bytes.data(), bytes.size());
        return session.take_output();
    }
    // Sends a packet in ack mode and returns the reply payload (checks the '+' ack and the framing).
    std::string ask(const std::string& payload) {
        const std::string out = raw(encode_packet(payload));
        REQUIRE(out.size() >= 1);
        REQUIRE(out[0] == '+');
        return unframe(out.substr(1));
    }
    static std::string unframe(const std::string& framed) {
        if (framed.empty()) return "<no reply>";
        REQUIRE(framed.front() == '$');
        const size_t hash = framed.rfind('#');
        REQUIRE(hash != std::string::npos);
        REQUIRE(hash + 3 == framed.size());
        return framed.substr(1, hash - 1);
    }
};

}  // namespace

TEST_CASE("rsp session: qSupported advertises the features the stub implements") {
    Client c;
    const std::string reply = c.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    CHECK(reply.find("PacketSize=") == 0);
    CHECK(reply.find("qXfer:features:read+") != std::string::npos);
    CHECK(reply.find("QStartNoAckMode+") != std::string::npos);
    CHECK(reply.find("vContSupported+") != std::string::npos);
    CHECK(c.ask("vCont?") == "vCont;c;C;s;S");
    CHECK(c.ask("vMustReplyEmpty") == "");
    CHECK(c.ask("qNoSuchThing") == "");
}

TEST_CASE("rsp session: the target description is served in pieces, m then l") {
    Client c;
    const std::string xml = rv32_target_description_xml();
    std::string assembled;
    for (size_t offset = 0;; offset += 100) {
        char request[64];
        std::snprintf(request, sizeof request, "qXfer:features:read:target.xml:%zx,64", offset);
        const std::string reply = c.ask(request);
        REQUIRE(!reply.empty());
        assembled += reply.substr(1);
        if (reply[0] == 'l') break;
        REQUIRE(reply[0] == 'm');
        REQUIRE(offset < xml.size());
    }
    CHECK(assembled == xml);
    CHECK(xml.find("org.gnu.gdb.riscv.cpu") != std::string::npos);
    CHECK(xml.find("<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\" regnum=\"2\"/>") != std::string::npos);
    CHECK(xml.find("name=\"mhartid\" bitsize=\"32\" regnum=\"3925\"") != std::string::npos);  // 65 + 0xF14
    CHECK(c.ask("qXfer:features:read:other.xml:0,100") == "E00");
}

TEST_CASE("rsp session: registers read and written with g/G/p/P in target byte order") {
    Client c;
    c.target.regs[0][1] = 0x11223344;
    c.target.regs[0][32] = 0x80000010;
    const std::string g = c.ask("g");
    REQUIRE(g.size() == 33 * 8);
    CHECK(g.substr(8, 8) == "44332211");
    CHECK(g.substr(32 * 8, 8) == "10000080");
    CHECK(c.ask("p20") == "10000080");
    CHECK(c.ask("pf55") == "00000000");  // mhartid of hart 0
    CHECK(c.ask("p21") == "E45");        // f0: not implemented
    CHECK(c.ask("P2=78563412") == "OK");
    CHECK(c.target.regs[0][2] == 0x12345678u);
    CHECK(c.ask("P2=123") == "E01");
    std::string all(33 * 8, '0');
    all.replace(5 * 8, 8, "efbeadde");
    CHECK(c.ask("G" + all) == "OK");
    CHECK(c.target.regs[0][5] == 0xdeadbeefu);
    CHECK(c.ask("G1234") == "E01");
}

TEST_CASE("rsp session: Hg selects whose registers and memory the client sees") {
    Client c;
    c.target.regs[2][10] = 7;
    CHECK(c.ask("Hg3") == "OK");
    CHECK(c.ask("pa") == "07000000");
    CHECK(c.ask("pf55") == "02000000");  // mhartid of hart 2
    CHECK(c.ask("qC") == "QC3");
    CHECK(c.ask("Hg9") == "E01");    // no such thread
    CHECK(c.ask("Hgxyz") == "E01");
    CHECK(c.ask("Hgp1.2") == "OK");  // multiprocess form
    CHECK(c.ask("qC") == "QC2");
}

TEST_CASE("rsp session: memory with m/M/X, partial reads and errors") {
    Client c;
    CHECK(c.ask("M1000,4:deadbeef") == "OK");
    CHECK(c.ask("m1000,4") == "deadbeef");
    CHECK(c.ask("m10fe,4") == "0000");    // runs off the end: the readable part
    CHECK(c.ask("m0,4") == "E14");        // nothing readable
    CHECK(c.ask("M0,1:00") == "E14");
    CHECK(c.ask("M1000,2:001122") == "E01");  // length and data disagree
    CHECK(c.ask("m1000") == "E01");
    CHECK(c.ask("mzz,4") == "E01");
    CHECK(c.ask("X1000,0:") == "OK");  // GDB's probe for binary writes
    const std::string binary = std::string("X1004,3:") + std::string("\x24\x23\x7d", 3);  // $ # }: escaped on the wire
    CHECK(c.ask(binary) == "OK");
    CHECK(c.ask("m1004,3") == "24237d");
}

TEST_CASE("rsp session: breakpoints and watchpoints reach the target; unknown types are unsupported") {
    Client c;
    CHECK(c.ask("Z0,80000010,4") == "OK");
    CHECK(c.ask("Z1,80000020,4") == "OK");
    CHECK(c.ask("Z2,80400000,4") == "OK");
    CHECK(c.ask("Z3,80400004,2") == "OK");
    CHECK(c.ask("Z4,80400008,1;X2,0a") == "OK");  // a condition list is ignored
    REQUIRE(c.target.triggers.size() == 5);
    CHECK(c.target.triggers[0].kind == TriggerKind::SoftwareBreak);
    CHECK(c.target.triggers[1].kind == TriggerKind::HardwareBreak);
    CHECK(c.target.triggers[2].kind == TriggerKind::WriteWatch);
    CHECK(c.target.triggers[3].kind == TriggerKind::ReadWatch);
    CHECK(c.target.triggers[3].length == 2);
    CHECK(c.target.triggers[4].kind == TriggerKind::AccessWatch);
    CHECK(c.ask("z0,80000010,4") == "OK");
    CHECK(c.target.triggers.size() == 4);
    CHECK(c.ask("z0,80000010,4") == "E0e");  // not inserted
    CHECK(c.ask("Z5,80000010,4") == "");
    CHECK(c.ask("Z2,80400000,0") == "E01");
    CHECK(c.ask("Z0") == "E01");
}

TEST_CASE("rsp session: threads: one per live hart, named by tile") {
    Client c;
    c.target.alive[1] = false;
    CHECK(c.ask("qfThreadInfo") == "m1,3");
    CHECK(c.ask("qsThreadInfo") == "l");
    CHECK(c.ask("qThreadExtraInfo,3") == to_hex(std::string("tile2")));
    CHECK(c.ask("T1") == "OK");
    CHECK(c.ask("T2") == "E01");  // exited
    CHECK(c.ask("T9") == "E01");
    CHECK(c.ask("qAttached") == "1");
}

TEST_CASE("rsp session: vCont with an empty action is refused, not read past its end") {
    // The empty verb was indexed at [0] (an out-of-range read that libstdc++'s assertions abort on).
    Client c;
    CHECK(c.ask("vCont;;c") == "E01");
    CHECK(c.ask("vCont;:1") == "E01");
    CHECK(c.target.resumes.empty());
}

TEST_CASE("rsp session: vCont resumes each hart with the leftmost action naming it; others stay stopped") {
    Client c;
    CHECK(c.ask("vCont;s:2;c") == "<no reply>");
    CHECK(c.session.state() == RspSession::State::Running);
    REQUIRE(c.target.resumes.size() == 1);
    auto& a = c.target.resumes[0];
    CHECK(a[0].action == HartResume::Action::Continue);
    CHECK(a[1].action == HartResume::Action::Step);
    CHECK(a[2].action == HartResume::Action::Continue);

    StopEvent stop;
    stop.hart = 1;
    stop.cause = StopEvent::Cause::Step;
    c.session.report_stop(stop);
    CHECK(Client::unframe(c.session.take_output()) == "T05thread:2;");
    CHECK(c.session.state() == RspSession::State::Halted);

    CHECK(c.ask("vCont;s:1") == "<no reply>");
    auto& b = c.target.resumes[1];
    CHECK(b[0].action == HartResume::Action::Step);
    CHECK(b[1].action == HartResume::Action::Hold);
    CHECK(b[2].action == HartResume::Action::Hold);
    c.session.report_stop(stop);
    c.session.take_output();

    CHECK(c.ask("vCont;C0b:1;c") == "<no reply>");
    auto& d = c.target.resumes[2];
    CHECK(d[0].signal == 11);
    CHECK(d[1].signal == 0);
    c.session.report_stop(stop);
    c.session.take_output();

    CHECK(c.ask("vCont;x") == "E01");
    CHECK(c.ask("vCont;c:9") == "E01");
    CHECK(c.target.resumes.size() == 3);
}

TEST_CASE("rsp session: stop replies name the thread, the watched address and the break kind") {
    Client c;
    c.ask("qSupported:swbreak+;hwbreak+");
    StopEvent stop;
    stop.hart = 2;
    stop.cause = StopEvent::Cause::Watch;
    stop.data_address = 0x80400010;
    c.session.set_initial_stop(stop);
    CHECK(c.ask("?") == "T05watch:80400010;thread:3;");
    CHECK(c.ask("qC") == "QC3");  // the stopped thread becomes current

    c.ask("c");
    stop.cause = StopEvent::Cause::SoftwareBreak;
    c.session.report_stop(stop);
    CHECK(Client::unframe(c.session.take_output()) == "T05swbreak:;thread:3;");

    c.ask("c");
    stop.cause = StopEvent::Cause::ReadWatch;
    c.session.report_stop(stop);
    CHECK(Client::unframe(c.session.take_output()) == "T05rwatch:80400010;thread:3;");

    c.ask("c");
    stop.cause = StopEvent::Cause::Signal;
    stop.signal = gdb_signal::kSegv;
    c.session.report_stop(stop);
    CHECK(Client::unframe(c.session.take_output()) == "T0bthread:3;");
}

TEST_CASE("rsp session: Ctrl-C counts only while running; packets while running are ignored") {
    Client c;
    c.raw("\x03");
    CHECK_FALSE(c.session.take_interrupt());
    c.ask("vCont;c");
    CHECK(c.raw(encode_packet("g")) == "+");  // acknowledged, not answered
    c.raw("\x03");
    CHECK(c.session.take_interrupt());
    CHECK_FALSE(c.session.take_interrupt());
}

TEST_CASE("rsp session: legacy c and s, with an address and a signal") {
    Client c;
    c.ask("c80000100");
    REQUIRE(c.target.resumes.size() == 1);
    CHECK(c.target.regs[0][32] == 0x80000100u);
    for (auto& a : c.target.resumes[0]) CHECK(a.action == HartResume::Action::Continue);
    StopEvent stop;
    c.session.report_stop(stop);
    c.session.take_output();
    c.ask("Hc2");
    c.ask("s");
    CHECK(c.target.resumes[1][1].action == HartResume::Action::Step);
    CHECK(c.target.resumes[1][0].action == HartResume::Action::Hold);
    c.session.report_stop(stop);
    c.session.take_output();
    c.ask("C0b");
    CHECK(c.target.resumes[2][0].signal == 11);
}

TEST_CASE("rsp session: exit and termination replies, with console text first") {
    Client c;
    c.ask("c");
    c.session.report_exit(false, 7, "");
    CHECK(Client::unframe(c.session.take_output()) == "W07");
    CHECK(c.session.state() == RspSession::State::Detached);

    Client d;
    d.ask("c");
    d.session.report_exit(true, gdb_signal::kSegv, "bye\n");
    const std::string out = d.session.take_output();
    CHECK(out.find(encode_packet("O" + to_hex(std::string("bye\n")))) == 0);
    CHECK(out.find(encode_packet("X0b")) != std::string::npos);
}

TEST_CASE("rsp session: monitor commands send console output, then OK or an error") {
    Client c;
    const std::string out = c.raw(encode_packet("qRcmd," + to_hex(std::string("cycles"))));
    CHECK(out == "+" + encode_packet("O" + to_hex(std::string("h0: 42 cycles\n"))) + encode_packet("OK"));
    const std::string bad = c.raw(encode_packet("qRcmd," + to_hex(std::string("frobnicate"))));
    CHECK(bad.find(encode_packet("E01")) != std::string::npos);
    CHECK(c.ask("qRcmd,zz") == "E01");
    CHECK(c.target.monitor_commands == std::vector<std::string>{"cycles", "frobnicate"});
}

TEST_CASE("rsp session: bad checksums get a NAK, a NAK gets the last packet again, no-ack mode stops both") {
    Client c;
    CHECK(c.raw("$g#00") == "-");
    CHECK(c.session.bad_packets() == 1);
    const std::string reply = c.raw(encode_packet("qC"));
    CHECK(c.raw("-") == reply.substr(1));  // resent
    CHECK(c.raw(encode_packet("QStartNoAckMode")) == "+" + encode_packet("OK"));
    CHECK(c.raw(encode_packet("qC")) == encode_packet("QC1"));  // no '+' any more
    CHECK(c.raw("$g#00") == "");                                   // dropped silently
    CHECK(c.raw("-") == "");
}

TEST_CASE("rsp session: kill and detach end the session") {
    Client c;
    CHECK(c.ask("k") == "<no reply>");
    CHECK(c.target.killed);
    CHECK(c.session.state() == RspSession::State::Killed);

    Client d;
    CHECK(d.ask("D") == "OK");
    CHECK(d.target.detached);
    CHECK(d.session.state() == RspSession::State::Detached);
    CHECK(d.raw(encode_packet("g")) == "+");  // nothing more is served

    Client e;
    CHECK(e.ask("vKill;1") == "OK");
    CHECK(e.target.killed);
}

TEST_CASE("rsp session: no resumed hart left: N if the client knows it, else a SIGTRAP stop") {
    Client c;
    c.ask("qSupported:no-resumed+");
    c.ask("vCont;c:1");
    c.session.report_no_resumed(2);
    CHECK(Client::unframe(c.session.take_output()) == "N");
    CHECK(c.session.state() == RspSession::State::Halted);

    Client d;
    d.ask("vCont;c:1");
    d.session.report_no_resumed(2);
    CHECK(Client::unframe(d.session.take_output()) == "T05thread:3;");
}
