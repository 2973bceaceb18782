#include "model/trace/fst_writer.h"

#include <cstdio>

#include "fstapi.h"
#include "model/common/error.h"
#include "model/trace/scope_tree.h"

namespace npuemu::trace {

FstWriter::FstWriter(const std::string& path) : path_(path) {
    // fstapi writes side files and only fails late: check up front that the path is writable.
    std::FILE* probe = std::fopen(path.c_str(), "w");
    if (!probe) throw Error(path + ": cannot write the trace file (does the directory exist, is it writable?)");
    std::fclose(probe);
    context_ = fstWriterCreate(path.c_str(), 1);
    if (!context_) throw Error(path + ": cannot create the FST trace");
    fstWriterSetTimescale(context_, -12);  // 1 ps
    fstWriterSetVersion(context_, "npuemu");
}

FstWriter::~FstWriter() {
    if (context_) fstWriterClose(context_);
}

void FstWriter::begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>&) {
    handles_.resize(signals.size());
    widths_.resize(signals.size());
    walk_scopes(
        signals, [this](const std::string& name) { fstWriterSetScope(context_, FST_ST_VCD_MODULE, name.c_str(), nullptr); },
        [this] { fstWriterSetUpscope(context_); },
        [&](uint32_t index, const std::string& leaf) {
            widths_[index] = signals[index].is_real ? 0 : signals[index].width;
            handles_[index] = signals[index].is_real
                                  ? fstWriterCreateVar(context_, FST_VT_VCD_REAL, FST_VD_IMPLICIT, 64, leaf.c_str(), 0)
                                  : fstWriterCreateVar(context_, FST_VT_VCD_WIRE, FST_VD_IMPLICIT, signals[index].width,
                                                       leaf.c_str(), 0);
        });
    at(0);
    for (uint32_t i = 0; i < handles_.size(); ++i) {
        if (widths_[i] == 0) change_real(0, i, 0.0);
        else change(0, i, 0);
    }
}

void FstWriter::at(uint64_t time_ps) {
    if (time_ps == current_time_) return;
    fstWriterEmitTimeChange(context_, time_ps);
    current_time_ = time_ps;
}

void FstWriter::change(uint64_t time_ps, uint32_t signal, uint64_t bits) {
    at(time_ps);
    char text[65];
    const unsigned width = widths_[signal];
    for (unsigned bit = 0; bit < width; ++bit) text[bit] = ((bits >> (width - 1 - bit)) & 1) ? '1' : '0';
    text[width] = '\0';
    fstWriterEmitValueChange(context_, handles_[signal], text);
}

void FstWriter::change_real(uint64_t time_ps, uint32_t signal, double value) {
    at(time_ps);
    fstWriterEmitValueChange(context_, handles_[signal], &value);
}

void FstWriter::finish(uint64_t end_ps) {
    if (end_ps > current_time_) at(end_ps);
    fstWriterClose(context_);
    context_ = nullptr;
}

}  // namespace npuemu::trace
