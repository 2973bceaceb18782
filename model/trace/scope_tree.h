// Signals grouped by their dotted paths into nested scopes, in a stable order: what VCD and FST declare.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "model/trace/trace_writer.h"

namespace npuemu::trace {

// Calls enter(scope name) / leave() / var(signal index, leaf name) so that every signal is declared inside its
// scopes, signals sorted by path.
inline void walk_scopes(const std::vector<SignalInfo>& signals, const std::function<void(const std::string&)>& enter,
                        const std::function<void()>& leave,
                        const std::function<void(uint32_t, const std::string&)>& var) {
    std::vector<uint32_t> order(signals.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return signals[a].path < signals[b].path; });
    std::vector<std::string> open;
    for (uint32_t index : order) {
        std::vector<std::string> parts;
        std::string part;
        for (char c : signals[index].path) {
            if (c == '.') { parts.push_back(part); part.clear(); } else { part += c; }
        }
        const std::string leaf = part;
        size_t common = 0;
        while (common < open.size() && common < parts.size() && open[common] == parts[common]) ++common;
        while (open.size() > common) { leave(); open.pop_back(); }
        for (size_t i = common; i < parts.size(); ++i) { enter(parts[i]); open.push_back(parts[i]); }
        var(index, leaf);
    }
    while (!open.empty()) { leave(); open.pop_back(); }
}

}  // namespace npuemu::trace
