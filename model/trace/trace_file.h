// Opens a trace for `npuemu run --trace FILE`: the format follows the extension (.vcd, .fst, .json).
#pragma once

#include <memory>
#include <string>

#include "model/trace/trace_writer.h"

namespace npuemu::trace {

// Throws npuemu::Error for an unknown extension or a path that cannot be written.
std::unique_ptr<TraceWriter> open_trace_file(const std::string& path);
// "T0:T1" with units ps, ns, us, ms or s (a bare number is ns); T1 may be empty (open end).
std::pair<uint64_t, uint64_t> parse_trace_window(const std::string& text);

}  // namespace npuemu::trace
