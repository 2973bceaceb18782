// Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open: a process per tile, a thread per queue,
// a slice per NPU instruction or DMA copy with its arguments, counter tracks for multi-bit and real signals (queue
// depths, bandwidth). Streamed: each event is written as it comes; only the closing brackets wait for the end.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "model/trace/trace_writer.h"

namespace npuemu::trace {

class PerfettoWriter : public TraceWriter {
public:
    explicit PerfettoWriter(const std::string& path);
    ~PerfettoWriter() override;

    void begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>& tracks) override;
    void change(uint64_t time_ps, uint32_t signal, uint64_t bits) override;
    void change_real(uint64_t time_ps, uint32_t signal, double value) override;
    void span(uint32_t track, const std::string& name, uint64_t start_ps, uint64_t end_ps,
              const std::string& args_json) override;
    void finish(uint64_t end_ps) override;

private:
    void counter(uint64_t time_ps, uint32_t signal, double value);
    void separator();

    std::string path_;
    std::FILE* file_;
    bool first_event_ = true;
    std::vector<TrackInfo> tracks_;
    std::vector<SignalInfo> signals_;
    std::vector<unsigned> signal_process_;  // pid a counter belongs to
};

}  // namespace npuemu::trace
