#include "model/trace/perfetto_writer.h"

#include <set>

#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::trace {

namespace {

// Chrome trace timestamps are microseconds; print picoseconds exactly.
std::string microseconds(uint64_t ps) {
    char text[32];
    std::snprintf(text, sizeof text, "%llu.%06llu", static_cast<unsigned long long>(ps / 1000000),
                  static_cast<unsigned long long>(ps % 1000000));
    return text;
}

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

PerfettoWriter::PerfettoWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "w")) {
    if (!file_) throw Error(path + ": cannot write the trace file (does the directory exist, is it writable?)");
}

PerfettoWriter::~PerfettoWriter() {
    if (file_) std::fclose(file_);
}

void PerfettoWriter::separator() {
    std::fputs(first_event_ ? "\n" : ",\n", file_);
    first_event_ = false;
}

void PerfettoWriter::begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>& tracks) {
    tracks_ = tracks;
    signals_ = signals;
    std::fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"npuemu\"},\"traceEvents\":[", file_);
    std::set<unsigned> named;
    for (const TrackInfo& track : tracks_) {
        if (named.insert(track.process_id).second) {
            separator();
            std::fprintf(file_, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"args\":{\"name\":%s}}",
                         track.process_id, quoted(track.process).c_str());
        }
        separator();
        std::fprintf(file_, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":%s}}",
                     track.process_id, track.thread_id, quoted(track.thread).c_str());
    }
    // Counters go to the process of their tile (the Tracer found it), others to pid 0.
    signal_process_.assign(signals_.size(), 0);
    for (size_t i = 0; i < signals_.size(); ++i) signal_process_[i] = signals_[i].process_id;
}

void PerfettoWriter::counter(uint64_t time_ps, uint32_t signal, double value) {
    const SignalInfo& info = signals_[signal];
    if (!info.is_real && info.width == 1) return;  // one-bit busy signals are the slices already
    separator();
    std::fprintf(file_, "{\"ph\":\"C\",\"name\":%s,\"pid\":%u,\"ts\":%s,\"args\":{\"value\":%.17g}}",
                 quoted(info.path).c_str(), signal_process_[signal], microseconds(time_ps).c_str(), value);
}

void PerfettoWriter::change(uint64_t time_ps, uint32_t signal, uint64_t bits) {
    counter(time_ps, signal, static_cast<double>(bits));
}

void PerfettoWriter::change_real(uint64_t time_ps, uint32_t signal, double value) { counter(time_ps, signal, value); }

void PerfettoWriter::span(uint32_t track, const std::string& name, uint64_t start_ps, uint64_t end_ps,
                          const std::string& args_json) {
    const TrackInfo& t = tracks_[track];
    separator();
    std::fprintf(file_, "{\"ph\":\"X\",\"name\":%s,\"pid\":%u,\"tid\":%u,\"ts\":%s,\"dur\":%s,\"args\":%s}",
                 quoted(name).c_str(), t.process_id, t.thread_id, microseconds(start_ps).c_str(),
                 microseconds(end_ps > start_ps ? end_ps - start_ps : 0).c_str(),
                 args_json.empty() ? "{}" : args_json.c_str());
}

void PerfettoWriter::finish(uint64_t) {
    std::fputs("\n]}\n", file_);
    if (std::fflush(file_) != 0 || std::ferror(file_)) throw OutputError(path_ + ": error while writing the trace");
}

}  // namespace npuemu::trace
