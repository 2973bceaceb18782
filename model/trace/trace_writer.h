// What a trace format receives from the Tracer: declarations once, then value changes in time order (ties in
// emission order, at most one change per signal and time), spans and the end. Times are in picoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npuemu::trace {

struct SignalInfo {
    std::string path;  // "chip.tile3.matrix.busy": scopes separated by dots
    bool is_real = false;
    unsigned width = 1;
    unsigned process_id = 0;  // the timeline process the signal belongs to (its tile's), 0 for none
};

struct TrackInfo {
    std::string process;  // "tile3"
    std::string thread;   // "MATRIX"
    unsigned process_id = 0, thread_id = 0;
};

class TraceWriter {
public:
    virtual ~TraceWriter() = default;
    virtual void begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>& tracks) = 0;
    virtual void change(uint64_t time_ps, uint32_t signal, uint64_t bits) = 0;
    virtual void change_real(uint64_t time_ps, uint32_t signal, double value) = 0;
    virtual void span(uint32_t track, const std::string& name, uint64_t start_ps, uint64_t end_ps,
                      const std::string& args_json) = 0;
    virtual void finish(uint64_t end_ps) = 0;
};

}  // namespace npuemu::trace
