#include "model/trace/trace_file.h"

#include <cmath>
#include <cstdlib>

#include "model/common/error.h"
#include "model/trace/fst_writer.h"
#include "model/trace/perfetto_writer.h"
#include "model/trace/vcd_writer.h"

namespace npuemu::trace {

std::unique_ptr<TraceWriter> open_trace_file(const std::string& path) {
    const auto dot = path.rfind('.');
    const std::string extension = dot == std::string::npos ? "" : path.substr(dot);
    if (extension == ".vcd") return std::make_unique<VcdWriter>(path);
    if (extension == ".fst") return std::make_unique<FstWriter>(path);
    if (extension == ".json") return std::make_unique<PerfettoWriter>(path);
    throw Error("--trace " + path + ": unknown trace format '" + extension +
                "': use .vcd (waveforms), .fst (compact waveforms) or .json (Perfetto timeline)");
}

namespace {

uint64_t parse_time_ps(const std::string& text, const std::string& whole) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    const std::string unit(end);
    double scale = 1000;  // ns by default
    if (unit == "ps") scale = 1;
    else if (unit == "ns" || unit.empty()) scale = 1e3;
    else if (unit == "us") scale = 1e6;
    else if (unit == "ms") scale = 1e9;
    else if (unit == "s") scale = 1e12;
    else throw Error("--trace-window " + whole + ": unknown time unit '" + unit + "' (ps, ns, us, ms, s)");
    // strtod takes "nan", "inf" and 1e300; a time must be finite, and fit the simulator's 64-bit picoseconds.
    if (end == text.c_str() || !std::isfinite(value) || value < 0) {
        throw Error("--trace-window " + whole + ": '" + text + "' is not a time");
    }
    constexpr double kMaxTimePs = 1e19;  // below 2^64 ps (about 213 days)
    if (value * scale >= kMaxTimePs) {
        throw Error("--trace-window " + whole + ": '" + text + "' is beyond the longest simulated time (1e7 s)");
    }
    return static_cast<uint64_t>(value * scale + 0.5);
}

}  // namespace

std::pair<uint64_t, uint64_t> parse_trace_window(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) throw Error("--trace-window " + text + ": expected T0:T1, e.g. 10us:50us");
    const uint64_t start = parse_time_ps(text.substr(0, colon), text);
    const std::string end_text = text.substr(colon + 1);
    const uint64_t end = end_text.empty() ? 0 : parse_time_ps(end_text, text);
    if (end && end <= start) throw Error("--trace-window " + text + ": the end must come after the start");
    return {start, end};
}

}  // namespace npuemu::trace
