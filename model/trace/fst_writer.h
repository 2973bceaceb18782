// FST (GTKWave's compact waveform format, also read by Surfer), through the fstapi writer that Verilator ships.
#pragma once

#include <string>
#include <vector>

#include "model/trace/trace_writer.h"

namespace npuemu::trace {

class FstWriter : public TraceWriter {
public:
    explicit FstWriter(const std::string& path);  // throws npuemu::Error if the file cannot be written
    ~FstWriter() override;

    void begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>& tracks) override;
    void change(uint64_t time_ps, uint32_t signal, uint64_t bits) override;
    void change_real(uint64_t time_ps, uint32_t signal, double value) override;
    void span(uint32_t, const std::string&, uint64_t, uint64_t, const std::string&) override {}
    void finish(uint64_t end_ps) override;

private:
    void at(uint64_t time_ps);

    std::string path_;
    std::string temporary_;  // what fstapi writes; moved to path_ when finished and checked
    void* context_ = nullptr;
    std::vector<uint32_t> handles_;
    std::vector<unsigned> widths_;
    uint64_t current_time_ = UINT64_MAX;
};

}  // namespace npuemu::trace
