// trace_check: checks the three trace formats of one run against each other and against the run's stats.
//   trace_check RUN.vcd RUN.fst RUN.json STATS.json
// - VCD: parsed back; every chip.tileN.npu.<unit>.busy signal is 1 for exactly the unit's busy_cycles (stats) x clock period;
//   scopes chip/tileN/<unit> exist with the declared widths.
// - FST: read back with fstapi's reader; every signal's value changes equal the VCD's.
// - Perfetto JSON: valid JSON; a process per tile, threads DMA/MATRIX/VECTOR; per tile, the number of mx.matmul
//   slices equals matrix.matmuls and the number of dma.copy slices equals dma.copies.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fstapi.h"

namespace {

struct Signal {
    std::string path;
    unsigned width = 0;
    bool is_real = false;
    std::vector<std::pair<uint64_t, std::string>> changes;  // (time, value as bits without leading zeros)
};

std::string real_text(const std::string& text) {  // the same double, printed the same way from both formats
    char out[32];
    std::snprintf(out, sizeof out, "%.9g", std::strtod(text.c_str(), nullptr));
    return out;
}

std::string normalise(std::string bits) {
    const auto first = bits.find_first_not_of('0');
    return first == std::string::npos ? "0" : bits.substr(first);
}

int failures = 0;
void fail(const std::string& message) {
    std::cerr << "FAIL: " << message << "\n";
    ++failures;
}

std::map<std::string, Signal> read_vcd(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::map<std::string, Signal> by_code;
    std::vector<std::string> scopes;
    std::string token;
    uint64_t time = 0;
    bool definitions = true;
    while (in >> token) {
        if (definitions) {
            if (token == "$scope") { std::string kind, name, end; in >> kind >> name >> end; scopes.push_back(name); }
            else if (token == "$upscope") { std::string end; in >> end; scopes.pop_back(); }
            else if (token == "$var") {
                std::string kind, code, name, end;
                unsigned width;
                in >> kind >> width >> code >> name >> end;
                std::string full;
                for (const auto& s : scopes) full += s + ".";
                by_code[code] = Signal{full + name, width, kind == "real", {}};
            } else if (token == "$enddefinitions") { std::string end; in >> end; definitions = false; }
            continue;
        }
        if (token[0] == '#') { time = std::stoull(token.substr(1)); continue; }
        if (token == "$dumpvars" || token == "$end") continue;
        if (token[0] == 'r') {
            std::string code;
            in >> code;
            by_code.at(code).changes.push_back({time, real_text(token.substr(1))});
        } else if (token[0] == 'b') {
            std::string code;
            in >> code;
            by_code.at(code).changes.push_back({time, normalise(token.substr(1))});
        } else if (token[0] == '0' || token[0] == '1') {
            by_code.at(token.substr(1)).changes.push_back({time, token.substr(0, 1)});
        }
    }
    std::map<std::string, Signal> by_path;
    for (auto& [code, signal] : by_code) by_path[signal.path] = signal;
    return by_path;
}

std::map<std::string, Signal> read_fst(const std::string& path) {
    void* reader = fstReaderOpen(path.c_str());
    if (!reader) throw std::runtime_error("fstapi cannot open " + path);
    std::map<fstHandle, Signal> by_handle;
    std::vector<std::string> scopes;
    while (fstHier* h = fstReaderIterateHier(reader)) {
        if (h->htyp == FST_HT_SCOPE) scopes.push_back(h->u.scope.name);
        else if (h->htyp == FST_HT_UPSCOPE) scopes.pop_back();
        else if (h->htyp == FST_HT_VAR) {
            std::string full;
            for (const auto& s : scopes) full += s + ".";
            const bool is_real = h->u.var.typ == FST_VT_VCD_REAL;
            by_handle[h->u.var.handle] = Signal{full + h->u.var.name, is_real ? 64u : h->u.var.length, is_real, {}};
        }
    }
    fstReaderSetFacProcessMaskAll(reader);
    auto callback = [](void* user, uint64_t time, fstHandle handle, const unsigned char* value) {
        auto& signals = *static_cast<std::map<fstHandle, Signal>*>(user);
        Signal& signal = signals.at(handle);
        const std::string text = reinterpret_cast<const char*>(value);
        signal.changes.push_back({time, signal.is_real ? real_text(text) : normalise(text)});
    };
    fstReaderIterBlocks(reader, callback, &by_handle, nullptr);
    fstReaderClose(reader);
    std::map<std::string, Signal> by_path;
    for (auto& [handle, signal] : by_handle) by_path[signal.path] = signal;
    return by_path;
}

// Collapses repeated values (a writer may or may not re-emit an unchanged value).
std::vector<std::pair<uint64_t, std::string>> transitions(const Signal& s) {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (const auto& change : s.changes) {
        if (!out.empty() && out.back().first == change.first) out.back().second = change.second;
        else if (out.empty() || out.back().second != change.second) out.push_back(change);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: trace_check RUN.vcd RUN.fst RUN.json STATS.json\n";
        return 2;
    }
    const auto vcd = read_vcd(argv[1]);
    const auto fst = read_fst(argv[2]);
    const nlohmann::json perfetto = nlohmann::json::parse(std::ifstream(argv[3]));
    const nlohmann::json stats = nlohmann::json::parse(std::ifstream(argv[4]));
    const auto& counters = stats["counters"];
    const uint64_t end_ps = counters["sim.time_ps"].get<uint64_t>();
    const double period_ps = static_cast<double>(end_ps) / counters["sim.cycles"].get<double>();

    // VCD: busy time per unit equals its counter.
    unsigned busy_signals = 0;
    for (const auto& [path, signal] : vcd) {
        if (path.size() < 5 || path.compare(path.size() - 5, 5, ".busy") != 0) continue;
        if (signal.width != 1) fail(path + ": width " + std::to_string(signal.width) + ", expected 1");
        uint64_t busy = 0, since = 0;
        bool high = false;
        for (const auto& [time, value] : transitions(signal)) {
            if (high) busy += time - since;
            high = value == "1";
            since = time;
        }
        if (high) busy += end_ps - since;
        const std::string counter = path.substr(5, path.size() - 5 - 5) + ".busy_cycles";  // "chip." ... ".busy"
        if (!counters.contains(counter)) { fail(path + ": no counter " + counter); continue; }
        const double expected = counters[counter].get<double>() * period_ps;
        if (static_cast<double>(busy) != expected) {
            fail(path + ": busy " + std::to_string(busy) + " ps in the trace, " + std::to_string(expected) + " ps in the stats");
        }
        ++busy_signals;
    }
    if (busy_signals == 0) fail("the VCD has no busy signals");
    for (const auto& [path, signal] : vcd) {
        if (path.find(".queue_depth") != std::string::npos && signal.width != 16) fail(path + ": width is not 16");
    }

    // FST equals VCD.
    if (fst.size() != vcd.size()) fail("FST has " + std::to_string(fst.size()) + " signals, VCD " + std::to_string(vcd.size()));
    for (const auto& [path, signal] : vcd) {
        auto it = fst.find(path);
        if (it == fst.end()) { fail(path + ": missing in the FST"); continue; }
        if (it->second.width != signal.width) fail(path + ": FST width differs");
        if (transitions(it->second) != transitions(signal)) fail(path + ": FST value changes differ from the VCD's");
    }

    // Perfetto: tracks and slice counts.
    std::map<int, std::string> process_names;
    std::map<std::pair<int, int>, std::string> thread_names;
    std::map<std::pair<int, std::string>, uint64_t> slices;
    for (const auto& event : perfetto.at("traceEvents")) {
        const std::string ph = event.at("ph");
        if (ph == "M" && event.at("name") == "process_name") process_names[event.at("pid")] = event.at("args").at("name");
        if (ph == "M" && event.at("name") == "thread_name") {
            thread_names[{event.at("pid").get<int>(), event.at("tid").get<int>()}] = event.at("args").at("name");
        }
        if (ph == "X") ++slices[{event.at("pid").get<int>(), event.at("name").get<std::string>()}];
    }
    for (const auto& [pid, name] : process_names) {
        if (name != "tile" + std::to_string(pid - 1)) fail("process " + std::to_string(pid) + " is named " + name);
        for (int tid = 1; tid <= 3; ++tid) {
            if (!thread_names.count({pid, tid})) fail(name + ": thread " + std::to_string(tid) + " has no name");
        }
        const std::string tile = name;
        const uint64_t matmuls = counters[tile + ".npu.matrix.matmuls"].get<uint64_t>();
        const uint64_t copies = counters[tile + ".npu.dma.copies"].get<uint64_t>();
        if (slices[{pid, "mx.matmul"}] != matmuls) {
            fail(tile + ": " + std::to_string(slices[{pid, "mx.matmul"}]) + " mx.matmul slices, stats say " + std::to_string(matmuls));
        }
        if (slices[{pid, "dma.copy"}] != copies) {
            fail(tile + ": " + std::to_string(slices[{pid, "dma.copy"}]) + " dma.copy slices, stats say " + std::to_string(copies));
        }
    }
    if (process_names.empty()) fail("the Perfetto trace has no processes");
    if (failures) return 1;
    std::cout << "ok: " << busy_signals << " busy signals match their counters; FST equals VCD on " << vcd.size()
              << " signals; Perfetto has " << process_names.size() << " tile processes with slice counts equal to the stats\n";
    return 0;
}
