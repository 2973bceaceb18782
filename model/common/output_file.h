// Output files the user names (--stats, --dump, a sweep's files): written without replacing what the path is, and
// failures reported as OutputError, which the CLI turns into its own exit status (an output lost after a full run is
// not bad input). Input files are read with a bound on their size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/error.h"

namespace npuemu {

// An output file could not be written (the run itself may have finished).
class OutputError : public Error {
public:
    using Error::Error;
};

// Writes text to path. A regular file, or a path that does not exist yet, is replaced atomically: a temporary file
// of a unique new name beside it (never an existing file), then rename(). A symlink is followed and its target
// replaced (the link stays a link). Anything else (/dev/null, /dev/stdout, a FIFO) is written in place. Throws
// OutputError naming path and the system's reason.
void write_output_file(const std::string& path, const std::string& text);
void write_output_file(const std::string& path, const void* data, size_t size);

// For writers that must open a file by name (fstapi): reserves a unique new file beside what path names (symlinks
// followed) and returns its name; install_output_file() then moves it into place as write_output_file() would (or
// copies it into a device or FIFO and removes it). Both throw OutputError.
std::string reserve_output_temporary(const std::string& path);
void install_output_file(const std::string& temporary, const std::string& path);

// Throws Error (bad input) when path cannot be written: a directory, a missing or unwritable directory. Creates,
// truncates and removes nothing. what names the file in the message ("the stats file").
void check_output_writable(const std::string& path, const std::string& what);

// Reads a whole input file of at most max_bytes. Throws Error starting with label (e.g. "--load x@0x100", or the
// path) when it is missing, not a regular file (a directory, /dev/zero) or larger than max_bytes; what names the
// file in the message ("the firmware image").
std::vector<uint8_t> read_input_file(const std::string& path, uint64_t max_bytes, const std::string& label,
                                     const std::string& what = "the file");

}  // namespace npuemu
